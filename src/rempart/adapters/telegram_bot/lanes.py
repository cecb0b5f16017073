"""Concurrency of the bot's work: one lane per chat (its updates in order), lanes side by side
(bounded), and a ledger so that work read twice from the store is not started twice.

Example::

    lanes = Lanes(16, handle)          # handle(item) is awaited, one item at a time per key
    lanes.put(-100123, row)            # chat -100123's updates run in the order put
    await lanes.drain(5.0)             # on stop: let them finish (bounded), then
    await lanes.cancel()               # cancel what is left (it stays pending in the store)
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, Hashable
from datetime import UTC, datetime
from typing import Generic, TypeVar

from rempart.adapters.background import stop_tasks, wait_set
from rempart.core.clock import utc_now

log = logging.getLogger(__name__)
T = TypeVar("T")
_NEVER = datetime.min.replace(tzinfo=UTC)


class Lanes(Generic[T]):
    """Per-key FIFO queues run concurrently, at most ``concurrency`` items at once overall."""

    def __init__(self, concurrency: int, handle: Callable[[T], Awaitable[None]]) -> None:
        self._handle = handle
        self._slots = asyncio.Semaphore(max(1, concurrency))
        self._queues: dict[Hashable, deque[T]] = {}
        self._tasks: dict[Hashable, asyncio.Task[None]] = {}
        self._count = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._progress = asyncio.Event()
        self._cancelling = False

    @property
    def size(self) -> int:
        """Items queued or being handled."""
        return self._count

    def put(self, key: Hashable, item: T) -> None:
        """Queue ``item`` behind the other items of ``key``."""
        self._queues.setdefault(key, deque()).append(item)
        self._count += 1
        self._idle.clear()
        if key not in self._tasks:
            self._tasks[key] = asyncio.create_task(self._run(key), name=f"rempart-lane-{key}")

    async def _run(self, key: Hashable) -> None:
        queue = self._queues[key]
        try:
            while queue and not self._cancelling:
                item = queue[0]
                try:
                    async with self._slots:
                        await self._handle(item)
                except asyncio.CancelledError:
                    raise
                except Exception:  # the handler reports its own failures; a lane never dies
                    log.exception("lane %s: unexpected error", key)
                queue.popleft()
                self._done_one()
        finally:
            if self._tasks.get(key) is asyncio.current_task():
                del self._tasks[key]
            if not queue:
                self._queues.pop(key, None)

    def _done_one(self) -> None:
        self._count -= 1
        self._progress.set()
        if self._count <= 0:
            self._count = 0
            self._idle.set()

    async def progress(self, timeout: float) -> None:
        """Wait (bounded) until some item finishes."""
        self._progress.clear()
        await wait_set(self._progress, timeout)

    async def drain(self, timeout: float) -> bool:
        """Wait until every lane is empty (bounded); True when they are."""
        return await wait_set(self._idle, timeout)

    async def cancel(self) -> None:
        """Cancel every lane; their items are dropped (the store still holds them).

        A lane stops taking items even where a cancellation is lost on the way (on Python
        3.11, ``asyncio.wait_for`` drops one that lands as its inner work completes)."""
        self._cancelling = True
        await stop_tasks(self._tasks.values())
        self._tasks.clear()
        self._queues.clear()
        self._count = 0
        self._idle.set()
        self._cancelling = False


class Ledger:
    """Which pieces of work (by id) this process holds or recently finished.

    A row read from the store before another path finished it looks pending; ``claim`` refuses
    it unless the row changed after it was finished here (a moderator's retry)."""

    def __init__(self, keep: int = 20_000) -> None:
        self.held: set[int] = set()
        self._finished: OrderedDict[int, datetime] = OrderedDict()
        self._keep = keep

    def claim(self, key: int, changed_at: datetime = _NEVER) -> bool:
        """Take the work unless it is held, or finished here since ``changed_at``."""
        if key in self.held:
            return False
        finished = self._finished.get(key)
        if finished is not None and finished >= changed_at:
            return False
        self.held.add(key)
        return True

    def release(self, key: int, *, finished: bool) -> None:
        """Let go of the work; ``finished`` (done or dead) remembers when."""
        self.held.discard(key)
        if finished:
            self._finished[key] = utc_now()
            self._finished.move_to_end(key)
            while len(self._finished) > self._keep:
                self._finished.popitem(last=False)
