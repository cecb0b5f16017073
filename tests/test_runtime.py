"""Process memory tuning: harmless to call, and it freezes the start-up objects."""

from __future__ import annotations

import gc
import sys

from rempart.runtime import settle, trim, tune_process


def test_tune_then_settle() -> None:
    interval = sys.getswitchinterval()
    try:
        assert tune_process() is sys.platform.startswith("linux")
        assert sys.getswitchinterval() < interval
        settle()
        assert gc.get_freeze_count() > 0
        trim()
    finally:
        gc.unfreeze()
        sys.setswitchinterval(interval)


def test_background_work_shortens_the_switch_interval_while_any_runs() -> None:
    import threading

    from rempart.runtime import BACKGROUND_SWITCH_INTERVAL, background_work

    interval = sys.getswitchinterval()
    inside = threading.Event()
    release = threading.Event()

    def job() -> None:
        with background_work():
            inside.set()
            release.wait(5)

    worker = threading.Thread(target=job)
    with background_work():
        assert abs(sys.getswitchinterval() - BACKGROUND_SWITCH_INTERVAL) < 1e-6
        worker.start()
        inside.wait(5)
    assert abs(sys.getswitchinterval() - BACKGROUND_SWITCH_INTERVAL) < 1e-6  # one still runs
    release.set()
    worker.join(5)
    assert abs(sys.getswitchinterval() - interval) < 1e-6


def test_idle_child_gives_back_results_and_errors() -> None:
    import os

    import pytest

    from rempart.runtime import run_in_idle_child

    assert run_in_idle_child("builtins:abs", -3) == 3
    assert run_in_idle_child("codecs:decode", b"\x00\xff", "latin-1") == "\x00\xff"  # bytes
    with pytest.raises(ZeroDivisionError):
        run_in_idle_child("builtins:divmod", 1, 0)
    import json

    with pytest.raises(json.JSONDecodeError) as caught:  # type, arguments and attributes
        run_in_idle_child("json:loads", "[1, ")
    assert caught.value.pos == 4 and caught.value.msg == "Expecting value"
    from rempart.services.errors import InvalidArgument

    with pytest.raises(InvalidArgument, match="unknown format"):
        run_in_idle_child("rempart.services.banks.hash_import:check_format", "nope")
    if sys.platform.startswith("linux"):
        assert run_in_idle_child("os:sched_getscheduler", 0) == os.SCHED_IDLE
    with pytest.raises(ChildProcessError):
        run_in_idle_child("os:_exit", 3)  # a child that dies gives a clear error
