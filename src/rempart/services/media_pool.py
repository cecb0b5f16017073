"""Worker processes for media work, where one item's failure stays that item's.

Decoders are native code: a hostile file may raise anything, or kill its process outright
(an assertion, a segfault, the kernel's OOM killer). Pebble's pool replaces a worker that
died and fails only the task it was running; this wrapper turns that failure, and any
exception raised by the work itself, into the item's own error record. Only a pool that
cannot work at all (every worker dies while starting: the database is gone…) raises.

Example::

    pool = MediaPool(2)
    future = pool.submit(hash_one, "a.jpg", on_error=lambda message: error_record(message))
    future.result()  # hash_one("a.jpg"), or error_record("worker_crashed: …")
    pool.close()
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterable
from concurrent.futures import CancelledError, Future
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

import pebble

T = TypeVar("T")
A = TypeVar("A")


def failure_message(exc: BaseException) -> str:
    """The per-item error text for a task that failed in a worker."""
    if isinstance(exc, pebble.ProcessExpired):
        return (f"worker_crashed: the worker process died on this item "
                f"(exit code {exc.exitcode}); the other items go on")
    return f"internal: {type(exc).__name__} while processing this item"


class MediaPool:
    """``workers`` processes (forkserver) running one item at a time each."""

    def __init__(self, workers: int, *, initializer: Callable[..., None] | None = None,
                 initargs: Iterable[Any] = ()) -> None:
        self._pool = pebble.ProcessPool(
            max_workers=workers, initializer=initializer, initargs=initargs,
            context=multiprocessing.get_context("forkserver"))

    def submit(self, fn: Callable[[A], T], arg: A, *,
               on_error: Callable[[str], T]) -> Future[T]:
        """``fn(arg)`` in a worker; if it raises or its worker dies: ``on_error(message)``.

        The future raises only when the pool itself is broken (no worker can start).
        """
        out: Future[T] = Future()
        task = self._pool.schedule(fn, (arg,))

        def settle(done: Future[T]) -> None:
            try:
                out.set_result(done.result())
            except CancelledError:
                out.cancel()
                out.set_running_or_notify_cancel()
            except BrokenProcessPool as exc:
                out.set_exception(exc)
            except Exception as exc:  # the item's failure, whatever the decoder raised
                out.set_result(on_error(failure_message(exc)))

        task.add_done_callback(settle)
        return out

    def close(self, *, cancel: bool = False) -> None:
        """Stop the workers, after the queued items (``cancel``: at once)."""
        if cancel:
            self._pool.stop()  # type: ignore[no-untyped-call]
        else:
            self._pool.close()  # type: ignore[no-untyped-call]
        self._pool.join()
