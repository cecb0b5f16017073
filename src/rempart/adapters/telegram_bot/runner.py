"""The bot's loop: fetch updates, check messages, carry out decisions through the call queue.

Restart safety: each processed update is marked in ``bot_state``; after a batch the offset moves
past it and the marks are dropped. After a crash, the unconfirmed batch is fetched again and the
marked updates are skipped; effects are idempotent besides (alerts and strikes only for a
finding seen the first time). Any error inside one update is logged, never fatal.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from telegram import Bot, BotCommand, ChatMemberUpdated, ChatPermissions, Message, Update
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError
from telegram.request import HTTPXRequest, RequestData
from telegram.request._requestparameter import RequestParameter

from rempart.adapters.telegram_bot.calls import CallQueue, CallResult, retry_seconds, with_retries
from rempart.adapters.telegram_bot.items import message_of
from rempart.config import BotSettings
from rempart.core.bot_policy import missing_rights
from rempart.services.bot import BotMedia, BotMessage, BotService, MediaVerdict, Outcome

log = logging.getLogger(__name__)
T = TypeVar("T")
ALLOWED_UPDATES = ["message", "edited_message", "channel_post", "edited_channel_post",
                   "my_chat_member"]
COMMANDS = [
    BotCommand("report", "Report the message you reply to (sent to the moderators)"),
    BotCommand("rempart", "Admins: status and policy of Rempart in this chat"),
    BotCommand("rempart_purge", "Admins: ban a user and delete their last 48 h of messages"),
]
ADMIN_CACHE_SECONDS = 300.0


class BotRunner:
    """One bot: polling (or webhook) loop, message checks, commands, actions."""

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
        self.executor = ThreadPoolExecutor(max(1, self.settings.hash_workers) + 2,
                                           thread_name_prefix="rempart-bot")
        self._admins: dict[int, tuple[float, set[int]]] = {}
        self._slots = asyncio.Semaphore(max(1, self.settings.concurrency))
        self.processed = 0
        self.errors = 0
        self._finishing: set[asyncio.Future[None]] = set()
        self._updates_request = HTTPXRequest(connection_pool_size=1,
                                             read_timeout=self.settings.poll_timeout_seconds + 15)

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.executor, fn, *args)

    # --- lifecycle --------------------------------------------------------------------------

    async def start(self) -> None:
        """Initialise the bot (getMe), announce the commands, start the call queue."""
        await with_retries(self.bot.initialize)
        await self._updates_request.initialize()
        await self.calls.start()
        with contextlib.suppress(TelegramError):
            await with_retries(lambda: self.bot.set_my_commands(COMMANDS))

    async def close(self) -> None:
        """Drain the call queue (bounded) and release the HTTP client."""
        if self._finishing:
            await asyncio.wait(set(self._finishing), timeout=10)
        await self.calls.stop()
        self.executor.shutdown(wait=False, cancel_futures=True)
        with contextlib.suppress(Exception):
            await self.bot.shutdown()
        with contextlib.suppress(Exception):
            await self._updates_request.shutdown()

    async def run_polling(self, stop: asyncio.Event | None = None) -> None:
        """Long-poll ``getUpdates`` until ``stop`` is set (or the task is cancelled)."""
        stop = stop or asyncio.Event()
        await self.start()
        try:
            offset, done = await self._run(self.service.store.offset)
            while not stop.is_set():
                raw = await self._fetch(offset, stop)
                if not raw:
                    continue
                ids = [int(r["update_id"]) for r in raw if isinstance(r.get("update_id"), int)]
                if not ids:
                    continue
                updates = [u for u in map(self._parse, raw)
                           if u is not None and u.update_id not in done]
                await self.handle_batch(updates)
                offset = max(ids) + 1
                done = set()
                await self._run(self.service.store.set_offset, offset)
        finally:
            await self.close()

    def _parse(self, raw: dict[str, Any]) -> Update | None:
        """One update parsed on its own: a malformed one is logged and skipped."""
        try:
            return Update.de_json(raw, self.bot)
        except Exception:
            self.errors += 1
            log.warning("update %s could not be parsed; skipped", raw.get("update_id"))
            return None

    async def _fetch(self, offset: int, stop: asyncio.Event) -> list[dict[str, Any]]:
        timeout = self.settings.poll_timeout_seconds
        # Raw JSON, parsed update by update below: one malformed update must not make the
        # whole batch (and every later poll) fail.
        data = RequestData([RequestParameter.from_input(k, v) for k, v in (
            ("offset", offset), ("timeout", timeout), ("allowed_updates", ALLOWED_UPDATES))])
        fetch = asyncio.ensure_future(self._updates_request.post(
            f"{self.bot.base_url}/getUpdates", data, read_timeout=timeout + 10))
        stopping = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
        if not fetch.done():
            fetch.cancel()
            with contextlib.suppress(asyncio.CancelledError, TelegramError):
                await fetch
            return []
        try:
            result = fetch.result()
            return [r for r in result if isinstance(r, dict)] if isinstance(result, list) else []
        except RetryAfter as e:
            await asyncio.sleep(retry_seconds(e))
        except NetworkError as e:  # includes TimedOut; the server is down or slow
            log.warning("getUpdates failed: %s", e)
            await asyncio.sleep(1.0)
        except TelegramError as e:
            log.error("getUpdates refused: %s", e)
            await asyncio.sleep(5.0)
        return []

    async def handle_batch(self, updates: list[Update]) -> None:
        """Handle a batch concurrently (bounded); each update is marked done when finished."""
        await asyncio.gather(*(self._guarded(u) for u in updates))

    async def _guarded(self, update: Update) -> None:
        async with self._slots:
            try:
                await self.handle_update(update)
            except Exception:  # an odd update never stops the bot
                self.errors += 1
                log.exception("update %s failed", update.update_id)
            # Shielded: a stop arriving now must not leave the update marked but unreported.
            finishing = asyncio.ensure_future(self._done(update.update_id))
            self._finishing.add(finishing)
            finishing.add_done_callback(self._finishing.discard)
            await asyncio.shield(finishing)

    async def _done(self, update_id: int) -> None:
        await self._run(self.service.store.mark_done, update_id)
        self.processed += 1
        if self.on_update_done is not None:
            self.on_update_done(update_id)

    # --- updates ----------------------------------------------------------------------------

    async def handle_update(self, update: Update) -> None:
        """Route one update."""
        if update.my_chat_member is not None:
            await self.on_my_chat_member(update.my_chat_member)
            return
        message = message_of(update)
        raw = (update.message or update.edited_message or update.channel_post
               or update.edited_channel_post)
        if message is None or raw is None:
            return
        if not message.edited and message.text.startswith("/") and await self.on_command(
                message, raw):
            return
        await self.check(message)

    async def check(self, message: BotMessage) -> Outcome:
        """Check a message and carry out the decision; returns the outcome."""
        await self._run(self.service.log, message)
        verdicts = [await self.verdict(m) for m in message.media]
        outcome = await self._run(self.service.decide, message, verdicts)
        await self.act(outcome)
        return outcome

    async def verdict(self, media: BotMedia) -> MediaVerdict:
        """A file's verdict: cached, or downloaded in memory, hashed and dropped."""
        cached = await self._run(self.service.cached_verdict, media)
        if cached is not None:
            return cached
        limit = self.settings.download_limit_bytes
        too_big = (media.file_size or 0) > limit or not media.hashable
        if not too_big:
            try:
                data = await self._download(media, limit)
            except BadRequest as e:
                if "too big" not in e.message.lower():
                    return self.service.failed(media, e.message)
                data = None
            except TelegramError as e:
                return self.service.failed(media, str(e))
            if data is not None:
                try:
                    return await self._run(self.service.check_bytes, media, data)
                finally:
                    del data
        verdict = await self._run(self.service.too_large, media, media.file_size)
        if media.thumbnail is not None:
            thumb = await self.verdict(media.thumbnail)
            return MediaVerdict(media.file_unique_id, "not_checked", thumb.sha256, thumb.matches,
                                verdict.error, seq=verdict.seq)
        return verdict

    async def _download(self, media: BotMedia, limit: int) -> bytes | None:
        file = await with_retries(lambda: self.bot.get_file(media.file_id))
        if file.file_size is not None and file.file_size > limit:
            return None
        data = await with_retries(file.download_as_bytearray)
        return None if len(data) > limit else bytes(data)

    async def act(self, outcome: Outcome) -> None:
        """Carry out a decision and wait (bounded by the queue's retries) for it."""
        m = outcome.message
        d = outcome.decision
        pending: list[asyncio.Future[CallResult]] = []
        if d.delete:
            ids = [m.message_id, *self.service.album_members(m)]
            pending.append(self.calls.delete(m.chat_id, ids))
        if d.sender == "restrict" and m.user_id is not None:
            pending.append(self.calls.call(
                "restrict_chat_member", m.chat_id, chat_id=m.chat_id, user_id=m.user_id,
                permissions=ChatPermissions.no_permissions(),
                use_independent_chat_permissions=True))
        elif d.sender == "ban" and m.user_id is not None:
            pending.append(self.calls.call("ban_chat_member", m.chat_id, chat_id=m.chat_id,
                                           user_id=m.user_id))
        if d.ban_sender_chat and m.sender_chat_id is not None:
            pending.append(self.calls.call("ban_chat_sender_chat", m.chat_id, chat_id=m.chat_id,
                                           sender_chat_id=m.sender_chat_id))
        if d.alert and outcome.alert_text:
            target = outcome.admin_chat_id
            text = outcome.alert_text
            if target is None:  # no admins' chat: a short note in the chat, no evidence
                target = m.chat_id
                text = "Rempart removed a message (matched known abusive content)." if (
                    d.delete) else ""
            if text:  # not awaited: per-chat limits may hold it back for a minute
                self.calls.call("send_message", target, message=True, chat_id=target,
                                text=text, disable_web_page_preview=True)
        if not pending:
            return
        results = await asyncio.gather(*pending)
        if d.delete and results[0].ok:
            ids = [m.message_id, *self.service.album_members(m)]
            await self._run(self.service.deleted, m.chat_id, ids)
        for result in results:
            if not result.ok:
                log.warning("action in chat %s failed: %s", m.chat_id, result.error)

    # --- chats and commands -----------------------------------------------------------------

    async def on_my_chat_member(self, change: ChatMemberUpdated) -> None:
        """The bot was added, promoted, restricted or removed: check and report its rights."""
        chat = change.chat
        member = change.new_chat_member
        rights = {k: bool(getattr(member, k, False))
                  for k in ("can_delete_messages", "can_restrict_members")}
        rights["status"] = member.status  # type: ignore[assignment]
        await self._run(lambda: self.service.store.save_chat(chat.id, chat.type, chat.title,
                                                             rights=rights))
        if member.status in ("left", "kicked"):
            return
        missing = missing_rights(chat.type, member.status, rights)
        if missing:
            text = ("Rempart needs to be an admin with these rights to remove banked images: "
                    + ", ".join(missing) + ".")
        else:
            text = "Rempart is active: banked images posted here will be removed."
        self.calls.call("send_message", chat.id, message=True, chat_id=chat.id, text=text)

    async def is_admin(self, chat_id: int, user_id: int | None) -> bool:
        """Whether the user administers the chat (cached a few minutes)."""
        if user_id is None:
            return False
        cached = self._admins.get(chat_id)
        if cached is None or time.monotonic() - cached[0] > ADMIN_CACHE_SECONDS:
            try:
                admins = await with_retries(lambda: self.bot.get_chat_administrators(chat_id))
            except TelegramError as e:
                log.warning("getChatAdministrators(%s) failed: %s", chat_id, e)
                return False
            cached = (time.monotonic(), {a.user.id for a in admins})
            self._admins[chat_id] = cached
        return user_id in cached[1]

    def _reply(self, chat_id: int, text: str) -> asyncio.Future[CallResult]:
        return self.calls.call("send_message", chat_id, message=True, chat_id=chat_id, text=text)

    async def on_command(self, message: BotMessage, raw: Message) -> bool:
        """Handle ``/rempart``, ``/report`` and ``/rempart_purge``; False for other texts."""
        words = message.text.split()
        command = words[0][1:].split("@", 1)[0].lower()
        args = words[1:]
        if command == "report":
            await self.on_report(message, raw, args)
        elif command == "rempart":
            if not await self.is_admin(message.chat_id, message.user_id):
                return True
            if len(args) >= 3 and args[0] == "set":
                try:
                    await self._run(self.service.set_policy, message.chat_id, message.chat_type,
                                    args[1], " ".join(args[2:]))
                    self._reply(message.chat_id, f"Set {args[1]}.")
                except ValueError as e:
                    self._reply(message.chat_id, f"Not changed: {e}")
                return True
            member = await with_retries(lambda: self.bot.get_chat_member(
                message.chat_id, self.bot.id))
            rights = {k: bool(getattr(member, k, False))
                      for k in ("can_delete_messages", "can_restrict_members")}
            missing = missing_rights(message.chat_type, member.status, rights)
            self._reply(message.chat_id,
                        await self._run(self.service.status_text, message.chat_id, missing))
        elif command == "rempart_purge":
            await self.on_purge(message, raw, args)
        else:
            return False
        return True

    async def on_report(self, message: BotMessage, raw: Message, args: list[str]) -> None:
        """``/report [category]`` in reply: a notice, a private receipt, the command removed."""
        target = raw.reply_to_message
        if target is None:
            self._reply(message.chat_id, "Reply to the message you want to report with /report.")
            return
        reported = message_of(Update(message.update_id, message=target))
        assert reported is not None
        category = args[0].lower() if args else "ncii"
        receipt = await self._run(self.service.report, reported, message.user_id, category)
        self.calls.delete(message.chat_id, [message.message_id])  # protect the reporter
        if message.user_id is not None:
            self.calls.call(
                "send_message", message.user_id, message=True, chat_id=message.user_id,
                text=(f"Thank you. Your report was received: case {receipt.case_number}.\n"
                      f"Follow it with this secret (keep it private): {receipt.secret}"))
        policy = self.service.policy(message.chat_id)
        if policy.admin_chat_id is not None:
            self._reply(policy.admin_chat_id,
                        f"New report {receipt.case_number} on {reported.link or 'a message'}"
                        f" in {reported.chat_title or reported.chat_id}.")

    async def on_purge(self, message: BotMessage, raw: Message, args: list[str]) -> None:
        """``/rempart_purge`` (admins): ban the user, delete their last 48 h of messages."""
        if not await self.is_admin(message.chat_id, message.user_id):
            return
        user_id: int | None = None
        target = raw.reply_to_message
        if target is not None and target.from_user is not None:
            user_id = target.from_user.id
        elif args and args[0].lstrip("-").isdigit():
            user_id = int(args[0])
        if user_id is None:
            self._reply(message.chat_id, "Reply to a message of the user, or give their id.")
            return
        await self.calls.call("ban_chat_member", message.chat_id, chat_id=message.chat_id,
                              user_id=user_id)
        ids = await self._run(self.service.purge_targets, message.chat_id, user_id)
        result = await self.calls.delete(message.chat_id, ids) if ids else CallResult(True)
        if ids and result.ok:
            await self._run(self.service.deleted, message.chat_id, ids)
        self._reply(message.chat_id,
                    f"Banned user {user_id} and deleted {len(ids)} message(s) from the last 48 h"
                    + ("." if result.ok else f" (some failed: {result.error})."))
