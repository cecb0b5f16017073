"""A worker that dies fails only its own item; the pool goes on with the rest."""

from __future__ import annotations

import os
import signal
from concurrent.futures.process import BrokenProcessPool

import pytest

from rempart.services.media_pool import MediaPool


def work(item: str) -> str:
    """Doubles the item, except for the poisoned ones (run in a worker process)."""
    if item == "exit":
        os._exit(3)
    if item == "segfault":
        os.kill(os.getpid(), signal.SIGSEGV)
    if item == "killed":
        os.kill(os.getpid(), signal.SIGKILL)
    if item == "raises":
        raise ValueError("a decoder's assertion")
    return item * 2


def failing_start() -> None:
    raise RuntimeError("database unreachable")


def test_a_worker_that_dies_fails_only_its_item() -> None:
    items = ["a", "exit", "b", "segfault", "c", "killed", "d", "raises", "e"]
    pool = MediaPool(2)
    try:
        futures = dict(zip(items, (pool.submit(work, i, on_error=lambda m: f"error: {m}")
                                   for i in items), strict=True))
        raised = futures.pop("raises").exception()
        results = {item: f.result() for item, f in futures.items()}
        # the pool recovered: more work after the crashes still runs
        after = [pool.submit(work, i, on_error=str).result() for i in ("x", "y", "z")]
    finally:
        pool.close()
    for good in "abcde":
        assert results[good] == good * 2
    for crash in ("exit", "segfault", "killed"):
        assert results[crash].startswith("error: worker_crashed: ")
    # what the work raises is the caller's to judge (matching failing is not the file's fault)
    assert isinstance(raised, ValueError)
    assert after == ["xx", "yy", "zz"]


def test_a_pool_that_cannot_start_raises_instead_of_reporting_every_item_as_bad() -> None:
    pool = MediaPool(1, initializer=failing_start)
    try:
        with pytest.raises(BrokenProcessPool):
            pool.submit(work, "a", on_error=str).result()
    finally:
        pool.close(cancel=True)


def test_close_returns_when_the_pool_threads_never_end(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from rempart.services import media_pool

    monkeypatch.setattr(media_pool, "JOIN_SECONDS", 0.2)
    pool = MediaPool(1)
    assert pool.submit(abs, -3, on_error=lambda _: -1).result(timeout=60) == 3
    real = pool._pool
    stuck = threading.Event()

    def join_forever(timeout: float | None = None) -> None:
        real.stop()  # the workers go, then a scheduler thread that missed its sentinel waits
        stuck.wait()

    monkeypatch.setattr(real, "join", join_forever)
    pool.close()  # returns instead of hanging the scan at its end
    stuck.set()
    type(real).join(real)  # the real teardown, so that no worker outlives the test
