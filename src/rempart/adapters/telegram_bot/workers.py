"""Threads for the bot's blocking work, kept available when one piece of work overruns.

A thread cannot be stopped: when the update it works for times out, its work goes on. So that
the other chats are not left waiting behind it, the pool it runs in is retired (it finishes
what it holds, then its threads end) and new work goes to a fresh pool — at most ``spare``
retired pools at once, so hostile input cannot multiply threads without bound.

Example::

    hashing = Workers(2, "rempart-bot-hash")
    verdict = await hashing.run(service.check_bytes, media, data)
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


class Workers:
    """A thread pool for ``await``-able blocking calls, replaced when work is abandoned."""

    def __init__(self, threads: int, name: str, spare: int = 4) -> None:
        self.threads = max(1, threads)
        self.name = name
        self.spare = spare
        self._pool = self._new_pool()
        self._retired: set[ThreadPoolExecutor] = set()
        self._running: dict[ThreadPoolExecutor, int] = {}
        self._lock = threading.Lock()

    def _new_pool(self) -> ThreadPoolExecutor:
        return ThreadPoolExecutor(self.threads, thread_name_prefix=self.name)

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` on a worker thread; if the caller is cancelled while it runs, the
        thread's pool is retired (see the module)."""
        pool = self._pool
        future: Future[T] = pool.submit(fn, *args)
        try:
            return await asyncio.wrap_future(future)
        except asyncio.CancelledError:
            if future.running():
                self._abandon(pool, future)
            raise

    def _abandon(self, pool: ThreadPoolExecutor, future: Future[Any]) -> None:
        with self._lock:
            self._running[pool] = self._running.get(pool, 0) + 1
            if pool is self._pool and len(self._retired) < self.spare:
                self._retired.add(pool)
                pool.shutdown(wait=False)
                self._pool = self._new_pool()
        future.add_done_callback(lambda _: self._settled(pool))

    def _settled(self, pool: ThreadPoolExecutor) -> None:
        with self._lock:
            left = self._running.get(pool, 1) - 1
            if left > 0:
                self._running[pool] = left
            else:
                self._running.pop(pool, None)
                self._retired.discard(pool)

    @property
    def abandoned(self) -> int:
        """Pieces of work still running for a caller that gave up on them."""
        with self._lock:
            return sum(self._running.values())

    def shutdown(self) -> None:
        """Stop taking work; queued work is cancelled, running work is not waited for."""
        self._pool.shutdown(wait=False, cancel_futures=True)
