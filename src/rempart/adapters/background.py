"""Background asyncio work as the Telegram and Matrix bots run it: tasks started and stopped
together, a call raced against the stop signal, a bounded wait for an event, a sweep repeated
every few seconds.

Example::

    sends = TaskSet()
    sends.start(send(row))                      # not awaited; held until it ends
    await sends.close(5.0)                      # bounded wait, then the rest is cancelled
    if not await unless_stopped(asyncio.ensure_future(client.sync()), stop):
        return                                  # stopped first: the sync was cancelled
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from typing import Any

__all__ = ["TaskSet", "repeat", "stop_tasks", "unless_stopped", "wait_set"]


async def stop_tasks(tasks: Iterable[asyncio.Task[Any]]) -> None:
    """Cancel the tasks, then wait until each has stopped."""
    stopping = list(tasks)
    for task in stopping:
        task.cancel()
    for task in stopping:
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def wait_set(event: asyncio.Event, timeout: float) -> bool:
    """Wait (bounded) until ``event`` is set; True when it is."""
    try:
        await asyncio.wait_for(event.wait(), timeout)
    except TimeoutError:
        return False
    return True


async def unless_stopped(future: asyncio.Future[Any], stop: asyncio.Event) -> bool:
    """Wait for ``future`` or ``stop``, whichever comes first; True when ``future`` is done.

    When ``stop`` comes first, ``future`` is cancelled and awaited (its failure ignored); when
    the caller is cancelled, ``future`` is cancelled too."""
    stopping = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({future, stopping}, return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:
        future.cancel()
        raise
    finally:
        stopping.cancel()
    if future.done():
        return True
    future.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await future
    return False


async def repeat(work: Callable[[], Awaitable[None]], seconds: float, *,
                 log: logging.Logger, failed: str) -> None:
    """Await ``work()`` every ``seconds`` until cancelled; a failure is logged (``failed``) and
    the next round goes on (the database may be away for a while)."""
    while True:
        try:
            await work()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception(failed)
        await asyncio.sleep(seconds)


class TaskSet:
    """Tasks started and not awaited by their starter, held until they end (the event loop
    keeps only weak references to tasks)."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def __len__(self) -> int:
        return len(self._tasks)

    def start(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        """Run ``work`` as a task held here until it ends."""
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def wait(self, timeout: float) -> None:
        """Wait (bounded) for the tasks running now."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)

    async def idle(self) -> None:
        """Wait until every task started, including those started meanwhile, has ended."""
        while self._tasks:
            await asyncio.wait(set(self._tasks))

    async def close(self, timeout: float) -> None:
        """Wait (bounded) for the tasks, then cancel the rest."""
        await self.wait(timeout)
        await stop_tasks(self._tasks)
