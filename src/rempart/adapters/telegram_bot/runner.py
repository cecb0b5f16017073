"""The bot's loop: receive updates, store them, handle them chat by chat, send the actions.

Durability: an update is stored (``bot_updates``) before Telegram is told it arrived (the next
``getUpdates`` offset, or the webhook's answer) and is done only once handled; a failure is
retried with backoff and ends ``dead``, visible in the console; an update that overruns
``update_timeout_seconds`` fails at once (trying again would only burn the same time). Actions
and messages are stored with the findings that caused them and sent from the outbox.

Concurrency: each chat's updates are handled in order, chats side by side (``concurrency``);
downloads are async and streamed, hashing and database work run on worker threads, so one
slow message holds up only its own chat. Polling pauses while ``max_pending_updates`` wait.

Stopping (SIGTERM): polling stops at once; work in flight gets ``stop_grace_seconds``, then is
cancelled and stays pending for the next start.

With a broker, the same runner splits in two (``telegram_bot.queue``): receivers store and
dispatch (:meth:`BotRunner.dispatch`), Celery workers handle (``telegram_bot.tasks``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

import httpx
from telegram import Bot, Update
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError
from telegram.request import HTTPXRequest, RequestData
from telegram.request._requestparameter import RequestParameter

from rempart.adapters.background import TaskSet, repeat, stop_tasks, unless_stopped
from rempart.adapters.bot_checks import check_message
from rempart.adapters.telegram_bot.calls import CallQueue, retry_seconds, with_retries
from rempart.adapters.telegram_bot.commands import COMMANDS, Commands
from rempart.adapters.telegram_bot.download import NotMedia, download
from rempart.adapters.telegram_bot.items import message_of, raw_message
from rempart.adapters.telegram_bot.lanes import Lanes, Ledger
from rempart.adapters.telegram_bot.outbox import Outbox
from rempart.adapters.telegram_bot.workers import Workers
from rempart.config import BotSettings
from rempart.core.bot_queue import InboxRow
from rempart.core.clock import utc_now
from rempart.services.bot import BotService, Outcome
from rempart.services.bot_messages import BotMedia, BotMessage, NotFetched

log = logging.getLogger(__name__)
T = TypeVar("T")
ALLOWED_UPDATES = ["message", "edited_message", "channel_post", "edited_channel_post",
                   "my_chat_member"]
SWEEP_SECONDS = 1.0
TIDY_SECONDS = 60.0
_CHAT_KEYS = ("message", "edited_message", "channel_post", "edited_channel_post",
              "my_chat_member")


def chat_key(raw: dict[str, Any]) -> int | None:
    """The chat of a raw update (its lane), without parsing it."""
    for key in _CHAT_KEYS:
        obj = raw.get(key)
        chat = obj.get("chat") if isinstance(obj, dict) else None
        if isinstance(chat, dict) and isinstance(chat.get("id"), int):
            return int(chat["id"])
    return None


class BotRunner:
    """One bot: polling (or webhook) intake, per-chat handling, the outbox."""

    def __init__(self, bot: Bot, service: BotService, settings: BotSettings | None = None,
                 *, on_update_done: Callable[[int], None] | None = None,
                 on_call: Callable[[str, dict[str, Any]], None] | None = None) -> None:
        self.bot = bot
        self.service = service
        self.settings = settings or service.settings
        self.on_update_done = on_update_done
        self.calls = CallQueue(
            bot, per_second=self.settings.global_calls_per_second,
            chat_per_second=self.settings.chat_messages_per_second,
            group_per_minute=self.settings.group_messages_per_minute, on_call=on_call)
        self.hashing = Workers(self.settings.hash_workers, "rempart-bot-hash")
        self.database = Workers(4, "rempart-bot-db")
        self.outbox = Outbox(self.calls, service.work, self.io)
        self.commands = Commands(self)
        self.lanes: Lanes[InboxRow] = Lanes(self.settings.concurrency, self._handle_row)
        self.updates = Ledger()
        self.processed = 0
        self.errors = 0
        self._finishing = TaskSet()
        self._background: list[asyncio.Task[None]] = []
        self._started = False
        self._started_at = utc_now()
        self.sweep_seconds = SWEEP_SECONDS
        self._tidy_at = 0.0
        self._updates_request = HTTPXRequest(connection_pool_size=1,
                                             read_timeout=self.settings.poll_timeout_seconds + 15)
        self._http = httpx.AsyncClient(timeout=httpx.Timeout(20.0, connect=10.0))

    async def io(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` on a database thread."""
        return await self.database.run(fn, *args)

    # --- lifecycle --------------------------------------------------------------------------

    async def start(self) -> None:
        """Initialise the bot (getMe), start the call queue and the sweeps of stored work."""
        if self._started:
            return
        self._started = True
        self._started_at = utc_now()
        await with_retries(self.bot.initialize)
        await self._updates_request.initialize()
        await self.calls.start()
        with contextlib.suppress(TelegramError):
            await with_retries(lambda: self.bot.set_my_commands(COMMANDS))
        self._background.append(asyncio.create_task(
            repeat(self.sweep, self.sweep_seconds, log=log,
                   failed="sweep of stored bot work failed"), name="rempart-sweeps"))

    async def close(self, *, grace: float | None = None) -> None:
        """Stop: work in flight gets ``grace`` seconds (default ``stop_grace_seconds``), the
        rest is cancelled and stays pending in the store."""
        grace = self.settings.stop_grace_seconds if grace is None else grace
        await stop_tasks(self._background)
        self._background = []
        if not await self.lanes.drain(grace):
            log.warning("stopping with %d update(s) unfinished: handled at the next start",
                        self.lanes.size)
        await self.lanes.cancel()
        await self._finishing.wait(max(grace, 1.0))
        await self.outbox.close(grace)
        await self.calls.stop(grace)
        self.hashing.shutdown()
        self.database.shutdown()
        with contextlib.suppress(Exception):
            await self.bot.shutdown()
        with contextlib.suppress(Exception):
            await self._updates_request.shutdown()
        await self._http.aclose()
        self._started = False

    @property
    def abandoned(self) -> int:
        """Blocking work still running for updates that gave up on it (timeouts)."""
        return self.hashing.abandoned + self.database.abandoned

    async def run_polling(self, stop: asyncio.Event | None = None) -> None:
        """Long-poll ``getUpdates`` until ``stop`` is set; cancelling stops without grace."""
        stop = stop or asyncio.Event()
        await self.start()
        grace: float | None = None
        try:
            offset = await self.io(self.service.store.offset)
            pruned = 0
            while not stop.is_set():
                if self.lanes.size >= self.settings.max_pending_updates:
                    await self.lanes.progress(1.0)
                    continue
                raw = await self._fetch(offset, stop)
                if raw is None:
                    continue
                if offset > pruned:  # Telegram confirmed, and forgets, what is below it
                    await self.io(self.service.store.prune_updates, offset)
                    pruned = offset
                ids = [r["update_id"] for r in raw if isinstance(r.get("update_id"), int)]
                if ids:
                    offset = max(ids) + 1
                    await self.accept(raw, offset)
        except asyncio.CancelledError:
            grace = 0.0
            raise
        finally:
            await self.close(grace=grace)

    async def accept(self, raw: list[dict[str, Any]], offset: int | None = None) -> None:
        """Store raw updates (and the polling offset) in one transaction, then queue the new
        ones in their chats' lanes. Returns once they are durable, not handled."""
        rows = [(int(r["update_id"]), chat_key(r), r) for r in raw
                if isinstance(r.get("update_id"), int)]
        fresh = set(await self.io(self.service.store.accept_updates, rows, offset))
        now = utc_now()
        await self.dispatch([InboxRow(update_id, chat, payload, "pending", 0, now, None, now,
                                      now) for update_id, chat, payload in rows
                             if update_id in fresh])

    async def dispatch(self, rows: list[InboxRow]) -> None:
        """Hand freshly stored updates to their handlers: here, their chats' lanes (queue
        mode: a task per chat for the workers, ``telegram_bot.queue``)."""
        for row in rows:
            self._queue(row)

    def _queue(self, row: InboxRow) -> None:
        if self.updates.claim(row.update_id, row.updated_at):
            self.lanes.put(row.chat_id, row)

    async def sweep(self) -> None:
        """One sweep (every ``sweep_seconds``): due updates into their lanes, due actions to
        the outbox (retries, leftovers of an earlier run, a moderator's retry)."""
        if self.lanes.size < self.settings.max_pending_updates:
            for row in await self.io(self.service.store.pending_updates, 200, utc_now(),
                                     self._started_at):
                self._queue(row)
        await self.outbox.sweep()
        await self.tidy()

    async def tidy(self) -> None:
        """Now and then (every minute): forget albums no longer current."""
        now = time.monotonic()
        if now >= self._tidy_at:
            self._tidy_at = now + TIDY_SECONDS
            await self.io(self.service.forget_albums)

    async def _fetch(self, offset: int, stop: asyncio.Event) -> list[dict[str, Any]] | None:
        """The next updates (raw JSON), or None when the call failed or was stopped."""
        timeout = self.settings.poll_timeout_seconds
        # Raw JSON, parsed update by update later: one malformed update must not make the
        # whole batch (and every later poll) fail.
        data = RequestData([RequestParameter.from_input(k, v) for k, v in (
            ("offset", offset), ("timeout", timeout), ("allowed_updates", ALLOWED_UPDATES))])
        fetch = asyncio.ensure_future(self._updates_request.post(
            f"{self.bot.base_url}/getUpdates", data, read_timeout=timeout + 10))
        if not await unless_stopped(fetch, stop):
            return None
        try:
            result = fetch.result()
            return [r for r in result if isinstance(r, dict)] if isinstance(result, list) else []
        except RetryAfter as e:
            await self._pause(retry_seconds(e), stop)
        except NetworkError as e:  # includes TimedOut; the server is down or slow
            log.warning("getUpdates failed: %s", e)
            await self._pause(1.0, stop)
        except TelegramError as e:
            log.error("getUpdates refused: %s", e)
            await self._pause(5.0, stop)
        return None

    @staticmethod
    async def _pause(seconds: float, stop: asyncio.Event) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), seconds)

    # --- one update -------------------------------------------------------------------------

    async def _handle_row(self, row: InboxRow) -> None:
        """Handle a stored update within the time limit; record done or failed."""
        timeout = self.settings.update_timeout_seconds
        finished = False
        try:
            try:
                update = Update.de_json(row.payload or {}, self.bot)
            except Exception as e:
                raise _Malformed(f"malformed update: {type(e).__name__}") from e
            await asyncio.wait_for(self.handle_update(update), timeout)
        except TimeoutError:
            self.errors += 1
            log.warning("update %s: not handled within %g s; given up", row.update_id, timeout)
            await self._finish(row, f"timed out after {timeout:g} s", final=True)
            finished = True
        except _Malformed as e:
            self.errors += 1
            log.warning("update %s: %s", row.update_id, e)
            await self._finish(row, str(e), final=True)
            finished = True
        except asyncio.CancelledError:
            raise  # stopping: it stays pending
        except Exception as e:
            self.errors += 1
            log.exception("update %s failed (try %d)", row.update_id, row.attempts + 1)
            await self._finish(row, f"{type(e).__name__}: {e}")
            finished = row.attempts + 1 >= self.service.work.max_attempts
        else:
            await self._finish(row, None)
            finished = True
        finally:
            self.updates.release(row.update_id, finished=finished)

    async def _finish(self, row: InboxRow, error: str | None, *, final: bool = False) -> None:
        # Shielded: a stop arriving now must not leave the update done but unreported.
        await asyncio.shield(self._finishing.start(self._record(row, error, final)))

    async def _record(self, row: InboxRow, error: str | None, final: bool) -> None:
        if error is not None:
            await self.io(self.service.work.update_failed, row, error, final)
            return
        await self.io(self.service.store.update_done, row.update_id)
        self.processed += 1
        if self.on_update_done is not None:
            self.on_update_done(row.update_id)

    async def handle_update(self, update: Update) -> None:
        """Route one update: every message is checked (media and text), then its command."""
        if update.my_chat_member is not None:
            await self.commands.on_my_chat_member(update.my_chat_member, update.update_id)
            return
        message = message_of(update)
        raw = raw_message(update)
        if message is None or raw is None:
            return
        await self.check(message)
        if not message.edited:
            await self.commands.on_command(message, raw)

    async def check(self, message: BotMessage) -> Outcome:
        """Check a message, store the decision and its actions, start sending them: the
        service says what to download, the files are downloaded in memory, the service hashes
        them (bytes dropped) and decides. A network failure raises (the update is retried)."""
        outcome = await check_message(self.service, message, io=self.io,
                                      hashing=self.hashing.run, read=self._read)
        self.outbox.send(outcome.actions)
        return outcome

    async def _read(self, media: BotMedia) -> bytes | NotFetched | None:
        """One file downloaded in memory, None when over the limit (Telegram finds it too big:
        its thumbnail is read instead), or why it was not read."""
        try:
            return await download(self.bot, self._http, media,
                                  self.settings.download_limit_bytes)
        except NotMedia:
            return NotFetched("not_media")
        except BadRequest as e:
            if "too big" not in e.message.lower():
                return NotFetched("failed", e.message)
            return None
        except httpx.HTTPStatusError as e:
            return NotFetched("failed", f"download refused: {e.response.status_code}")

    async def handle_batch(self, updates: list[Update]) -> None:
        """Store and queue already-parsed updates (tests and tools)."""
        await self.accept([u.to_dict() for u in updates])


class _Malformed(Exception):
    """The stored update cannot be parsed: nothing to retry."""
