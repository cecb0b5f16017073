"""The outgoing call queue: every Bot API action (deletes included) goes through it.

Telegram does not publish exact limits; the Bot FAQ gives about 30 calls per second in bulk,
about one message per second per chat and 20 messages per minute per group. The queue keeps a
global token bucket for every call, the per-chat limits for messages, honours 429
``retry_after`` (every call waits, the refused one is retried, nothing is dropped), retries
network errors a few times, and merges pending deletions of one chat into ``deleteMessages``
calls of up to 100 ids.
"""

from __future__ import annotations

import asyncio
import logging
import time
import warnings
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from rempart.adapters.background import stop_tasks, wait_set
from rempart.core.bot_policy import DELETE_CHUNK

log = logging.getLogger(__name__)
MAX_RETRY_AFTER = 300.0


def retry_seconds(error: RetryAfter) -> float:
    """``retry_after`` in seconds (PTB returns an int or a timedelta, with a warning)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value: Any = error.retry_after
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


async def with_retries(call: Callable[[], Awaitable[Any]], *, attempts: int = 8) -> Any:
    """Run one Bot API call, sleeping through 429s and retrying network errors."""
    for attempt in range(attempts):
        try:
            return await call()
        except RetryAfter as e:
            await asyncio.sleep(retry_seconds(e))
        except (BadRequest, Forbidden):
            raise
        except NetworkError:  # includes TimedOut
            if attempt == attempts - 1:
                raise
            await asyncio.sleep(min(0.2 * 2**attempt, 5.0))
    return await call()


@dataclass(frozen=True)
class CallResult:
    """How a queued call ended: ``ok`` and the API's answer, or the error's text (and, when
    Telegram asked to wait, how long)."""

    ok: bool
    value: Any = None
    error: str | None = None
    retry_after: float | None = None


@dataclass
class _Call:
    chat_id: int | None
    method: str
    kwargs: dict[str, Any]
    message: bool
    future: asyncio.Future[CallResult]
    attempts: int = 0


@dataclass
class _Deletes:
    ids: list[int] = field(default_factory=list)
    futures: list[tuple[set[int], asyncio.Future[CallResult]]] = field(default_factory=list)
    scheduled: bool = False


class CallQueue:
    """Rate-limited, retrying, order-keeping queue of Bot API calls."""

    def __init__(self, bot: Bot, *, per_second: float = 30.0, chat_per_second: float = 1.0,
                 group_per_minute: int = 20, workers: int = 4, max_attempts: int = 20,
                 on_call: Callable[[str, dict[str, Any]], None] | None = None) -> None:
        self.bot = bot
        self.per_second = per_second
        self.chat_interval = 1.0 / chat_per_second if chat_per_second > 0 else 0.0
        self.group_per_minute = group_per_minute
        self.max_attempts = max_attempts
        self.on_call = on_call
        self._queue: asyncio.Queue[_Call | int] = asyncio.Queue()
        self._tokens = per_second
        self._refilled = time.monotonic()
        self._paused_until = 0.0
        self._sent: dict[int, deque[float]] = {}
        self._deletes: dict[int, _Deletes] = {}
        self._workers_n = workers
        self._workers: list[asyncio.Task[None]] = []
        self._pending = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self.retried_429 = 0

    async def start(self) -> None:
        """Start the workers."""
        if not self._workers:
            self._workers = [asyncio.create_task(self._work(), name=f"rempart-calls-{i}")
                             for i in range(self._workers_n)]

    async def stop(self, timeout: float = 10.0) -> None:
        """Wait (bounded) for pending calls, then stop the workers."""
        await wait_set(self._idle, timeout)
        await stop_tasks(self._workers)
        self._workers = []

    # --- submitting -------------------------------------------------------------------------

    def call(self, method: str, for_chat: int | None = None, /, *, message: bool = False,
             **kwargs: Any) -> asyncio.Future[CallResult]:
        """Queue ``bot.<method>(**kwargs)``; ``message`` applies ``for_chat``'s message limits."""
        future: asyncio.Future[CallResult] = asyncio.get_running_loop().create_future()
        self._track(1)
        self._queue.put_nowait(_Call(for_chat, method, kwargs, message, future))
        return future

    def delete(self, chat_id: int, message_ids: list[int]) -> asyncio.Future[CallResult]:
        """Queue deletions; pending ones of a chat leave together (``deleteMessages``)."""
        future: asyncio.Future[CallResult] = asyncio.get_running_loop().create_future()
        pending = self._deletes.setdefault(chat_id, _Deletes())
        pending.ids.extend(i for i in message_ids if i not in pending.ids)
        pending.futures.append((set(message_ids), future))
        self._track(1)
        if not pending.scheduled:
            pending.scheduled = True
            self._queue.put_nowait(chat_id)
        return future

    def _track(self, n: int) -> None:
        self._pending += n
        if self._pending > 0:
            self._idle.clear()
        else:
            self._idle.set()

    async def drained(self, timeout: float) -> bool:
        """Wait until nothing is pending (bounded); True when drained."""
        return await wait_set(self._idle, timeout)

    # --- limits -----------------------------------------------------------------------------

    async def _global_slot(self) -> None:
        while True:
            now = time.monotonic()
            if now < self._paused_until:
                await asyncio.sleep(self._paused_until - now)
                continue
            self._tokens = min(self.per_second,
                               self._tokens + (now - self._refilled) * self.per_second)
            self._refilled = now
            if self._tokens >= 1:
                self._tokens -= 1
                return
            await asyncio.sleep((1 - self._tokens) / self.per_second)

    def _chat_wait(self, chat_id: int) -> float:
        """Seconds before the next message to this chat may leave (0: now, and it is counted)."""
        now = time.monotonic()
        sent = self._sent.setdefault(chat_id, deque())
        while sent and now - sent[0] > 60:
            sent.popleft()
        wait = 0.0
        if sent and now - sent[-1] < self.chat_interval:
            wait = self.chat_interval - (now - sent[-1])
        if chat_id < 0 and len(sent) >= self.group_per_minute:
            wait = max(wait, 60 - (now - sent[0]))
        if wait <= 0:
            sent.append(now)
        return wait

    # --- working ----------------------------------------------------------------------------

    async def _work(self) -> None:
        while True:
            job = await self._queue.get()
            try:
                if isinstance(job, int):
                    await self._flush_deletes(job)
                else:
                    await self._run(job)
            except asyncio.CancelledError:
                raise
            except Exception:  # a worker never dies
                log.exception("call queue worker error")

    def _later(self, delay: float, job: _Call | int) -> None:
        asyncio.get_running_loop().call_later(delay, self._queue.put_nowait, job)

    async def _invoke(self, method: str, kwargs: dict[str, Any]) -> CallResult | None:
        """One attempt; None means "retry later" (429 or network error)."""
        await self._global_slot()
        if self.on_call is not None:
            self.on_call(method, kwargs)
        try:
            value = await getattr(self.bot, method)(**kwargs)
        except RetryAfter as e:
            self.retried_429 += 1
            self._paused_until = max(self._paused_until, time.monotonic() + retry_seconds(e))
            return None
        except (BadRequest, Forbidden) as e:
            return CallResult(False, error=f"{type(e).__name__}: {e.message}")
        except NetworkError as e:
            log.warning("%s: network error, retrying: %s", method, e)
            await asyncio.sleep(0.2)
            return None
        except TelegramError as e:
            return CallResult(False, error=f"{type(e).__name__}: {e.message}")
        return CallResult(True, value)

    async def _run(self, job: _Call) -> None:
        if job.message and job.chat_id is not None:
            wait = self._chat_wait(job.chat_id)
            if wait > 0:
                self._later(wait, job)
                return
        result = await self._invoke(job.method, job.kwargs)
        job.attempts += 1
        if result is None and job.attempts < self.max_attempts:
            self._queue.put_nowait(job)
            return
        self._finish(job.future, result or self._gave_up())

    def _gave_up(self) -> CallResult:
        wait = self._paused_until - time.monotonic()
        return CallResult(False, error="gave up after retries",
                          retry_after=wait if wait > 0 else None)

    def _finish(self, future: asyncio.Future[CallResult], result: CallResult) -> None:
        if not future.done():
            future.set_result(result)
        self._track(-1)

    async def _flush_deletes(self, chat_id: int, attempts: int = 0) -> None:
        pending = self._deletes.get(chat_id)
        if pending is None or not pending.ids:
            if pending is not None:
                pending.scheduled = False
            return
        ids = sorted(pending.ids)[:DELETE_CHUNK]
        if len(ids) == 1:
            result = await self._invoke("delete_message",
                                        {"chat_id": chat_id, "message_id": ids[0]})
        else:
            result = await self._invoke("delete_messages",
                                        {"chat_id": chat_id, "message_ids": ids})
        if result is None and attempts + 1 < self.max_attempts:
            await self._flush_deletes(chat_id, attempts + 1)
            return
        result = result or self._gave_up()
        done = set(ids)
        pending.ids = [i for i in pending.ids if i not in done]
        still: list[tuple[set[int], asyncio.Future[CallResult]]] = []
        for wanted, future in pending.futures:
            wanted -= done
            if wanted:
                still.append((wanted, future))
            else:
                self._finish(future, result)
        pending.futures = still
        if pending.ids:
            self._queue.put_nowait(chat_id)
        else:
            pending.scheduled = False
