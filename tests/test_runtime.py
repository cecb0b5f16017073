"""The server's runtime: memory tuning, the collector policy, the executors and named tasks."""

from __future__ import annotations

import gc
import json
import os
import sys
import threading
from collections.abc import Iterator
from concurrent.futures.process import BrokenProcessPool

import pytest

from rempart.runtime import (
    BACKGROUND_SWITCH_INTERVAL,
    ChildProcessTasks,
    Runtime,
    TaskFailed,
    trim,
)
from rempart.services.errors import BankNotEmpty, InvalidArgument


@pytest.fixture
def runtime() -> Iterator[Runtime]:
    made = Runtime()
    yield made
    made.close()


@pytest.fixture(scope="module")
def tasks() -> Iterator[ChildProcessTasks]:
    made = ChildProcessTasks()
    yield made
    made.close()


def test_tune_then_settle(runtime: Runtime) -> None:
    from rempart.core.index import pdq_index

    interval = sys.getswitchinterval()
    before = pdq_index.use_query_pool(None)
    try:
        assert runtime.tune() is sys.platform.startswith("linux")
        assert sys.getswitchinterval() < interval
        assert pdq_index.use_query_pool(runtime.queries) is runtime.queries  # given to the index
        runtime.settle()
        assert gc.get_freeze_count() > 0
        trim()
    finally:
        gc.unfreeze()
        sys.setswitchinterval(interval)
        runtime.close()
        assert pdq_index.use_query_pool(before) is not runtime.queries  # taken back on close


def test_background_work_shortens_the_switch_interval_while_any_runs(runtime: Runtime) -> None:
    interval = sys.getswitchinterval()
    inside = threading.Event()
    release = threading.Event()

    def job() -> None:
        with runtime.background():
            inside.set()
            release.wait(5)

    worker = threading.Thread(target=job)
    with runtime.background():
        assert abs(sys.getswitchinterval() - BACKGROUND_SWITCH_INTERVAL) < 1e-6
        worker.start()
        inside.wait(5)
    assert abs(sys.getswitchinterval() - BACKGROUND_SWITCH_INTERVAL) < 1e-6  # one still runs
    assert not gc.isenabled()
    release.set()
    worker.join(5)
    assert abs(sys.getswitchinterval() - interval) < 1e-6
    assert gc.isenabled()


def test_overlapping_pauses_restore_the_collector_once_the_last_ends() -> None:
    # Two runtimes, stretches ending out of order: the collector is the process's.
    first, second = Runtime(), Runtime()
    assert gc.isenabled()
    loading = first.collector_paused()
    loading.__enter__()
    with second.background():
        loading.__exit__(None, None, None)  # a load ends while a bulk write runs
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()  # off before: stays off after
    try:
        with first.background(), second.collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
        first.close()
        second.close()


def test_executors_are_sized_in_one_place() -> None:
    runtime = Runtime(writes=1, digests=3, queries=2)
    try:
        assert runtime.digests.submit(sum, [1, 2]).result() == 3
        names = runtime.writes.submit(lambda: threading.current_thread().name).result()
        assert names.startswith("rempart-bulk")
    finally:
        runtime.close()
    with pytest.raises(RuntimeError):
        runtime.digests.submit(sum, [1])  # closed with its owner


def test_tasks_give_back_results_and_errors(tasks: ChildProcessTasks) -> None:
    assert tasks.submit("builtins:abs", -3).result() == 3
    assert tasks.submit("codecs:decode", b"\x00\xff", "latin-1").result() == "\x00\xff"
    with pytest.raises(ZeroDivisionError):
        tasks.submit("builtins:divmod", 1, 0).result()
    with pytest.raises(json.JSONDecodeError) as caught:  # type, arguments and attributes
        tasks.submit("json:loads", "[1, ").result()
    assert caught.value.pos == 4 and caught.value.msg == "Expecting value"
    with pytest.raises(InvalidArgument, match="unknown format"):
        tasks.submit("rempart.services.banks.hash_import:check_format", "nope").result()
    with pytest.raises(BankNotEmpty) as domain:  # an __init__ of its own: same fields back
        tasks.submit(f"{__name__}:raise_not_empty").result()
    assert (domain.value.name, domain.value.entries) == ("feed", 3)
    with pytest.raises(TaskFailed, match="Unpicklable"):
        tasks.submit(f"{__name__}:raise_unpicklable").result()


def test_tasks_run_at_idle_priority_one_process_each(tasks: ChildProcessTasks) -> None:
    pids = {tasks.submit("os:getpid").result() for _ in range(3)}
    assert len(pids) == 3 and os.getpid() not in pids  # memory goes with each process
    if sys.platform.startswith("linux"):
        assert tasks.submit("os:sched_getscheduler", 0).result() == os.SCHED_IDLE


def test_a_task_that_kills_its_process_fails_alone(tasks: ChildProcessTasks) -> None:
    with pytest.raises(BrokenProcessPool):
        tasks.submit("os:_exit", 3).result()
    assert tasks.submit("builtins:abs", -4).result() == 4  # the next task gets a fresh pool


def raise_not_empty() -> None:
    """A task failing with a domain error."""
    raise BankNotEmpty("feed", 3)


class Unpicklable(Exception):
    def __init__(self) -> None:
        super().__init__("cannot travel")
        self.lock = threading.Lock()


def raise_unpicklable() -> None:
    """A task failing with an exception that cannot be pickled."""
    raise Unpicklable()
