"""Worker processes for media work, where a worker that dies fails only its own item.

Decoders are native code: a hostile file may kill its process outright (an assertion, a
segfault, the kernel's OOM killer). Pebble's pool replaces a worker that died and fails only
the task it was running; this wrapper turns that into the item's own error record. The work
function turns its input's failures into records itself (``core.media_signals.analyze`` does);
anything else it raises (the database gone…) reaches the caller, as does a pool that cannot
start any worker.

Example::

    pool = MediaPool(2)
    future = pool.submit(hash_one, "a.jpg", on_error=lambda message: error_record(message))
    future.result()  # hash_one("a.jpg"), or error_record("worker_crashed: …")
    pool.close()
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import CancelledError, Future
from typing import Any, TypeVar

import pebble

T = TypeVar("T")
A = TypeVar("A")
log = logging.getLogger(__name__)
JOIN_SECONDS = 30.0  # the pool's own threads, once its workers are gone


def crash_message(exc: pebble.ProcessExpired) -> str:
    """The error record's text for an item whose worker died."""
    return (f"worker_crashed: the worker process died on this item (exit code {exc.exitcode});"
            " the other items go on")


class MediaPool:
    """``workers`` processes (forkserver) running one item at a time each."""

    def __init__(self, workers: int, *, initializer: Callable[..., None] | None = None,
                 initargs: Iterable[Any] = ()) -> None:
        self._pool = pebble.ProcessPool(
            max_workers=workers, initializer=initializer, initargs=initargs,
            context=multiprocessing.get_context("forkserver"))

    def submit(self, fn: Callable[[A], T], arg: A, *,
               on_error: Callable[[str], T]) -> Future[T]:
        """``fn(arg)`` in a worker; ``on_error(message)`` if the worker dies meanwhile.

        The future raises what ``fn`` raised, or ``BrokenProcessPool`` when no worker can start.
        """
        out: Future[T] = Future()
        task = self._pool.schedule(fn, (arg,))

        def settle(done: Future[T]) -> None:
            try:
                out.set_result(done.result())
            except CancelledError:
                out.cancel()
                out.set_running_or_notify_cancel()
            except pebble.ProcessExpired as exc:  # this item killed its worker
                out.set_result(on_error(crash_message(exc)))
            except BaseException as exc:
                out.set_exception(exc)

        task.add_done_callback(settle)
        return out

    def close(self, *, cancel: bool = False) -> None:
        """Stop the workers, after the queued items (``cancel``: at once)."""
        if cancel:
            self._pool.stop()  # type: ignore[no-untyped-call]
        else:
            self._pool.close()  # type: ignore[no-untyped-call]
        # Pebble's join waits for its task scheduler thread with no bound, and that thread can
        # miss the stop sentinel and wait forever once the workers are gone. The queued items
        # are waited for (the pool stays active until they are done); the threads' teardown
        # after that gets a bounded time, then they are left behind (daemons).
        joiner = threading.Thread(target=self._pool.join, daemon=True, name="media-pool-join")
        joiner.start()
        while joiner.is_alive() and self._pool.active:
            joiner.join(0.5)
        joiner.join(JOIN_SECONDS)
        if joiner.is_alive():
            log.warning("media pool threads still running after %.0f s; left behind", JOIN_SECONDS)
