"""Sending the stored actions (``bot_outbox``) through the call queue and recording how each
went: done, or failed and due again after the backoff, or dead after the last try.

Rows are sent as soon as the transaction that stored them commits; a sweep every second sends
those due again (retries, a moderator's retry, what a stopped process left).

Example::

    outbox = Outbox(calls, work, io)
    outbox.send(rows)                  # at once, not awaited
    await outbox.sweep()               # what is due in the store
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

from telegram import ChatPermissions

from rempart.adapters.background import TaskSet
from rempart.adapters.telegram_bot.calls import CallQueue, CallResult
from rempart.adapters.telegram_bot.lanes import Ledger
from rempart.core.bot_queue import OutboxRow
from rempart.core.chat_ids import TELEGRAM_CHATS
from rempart.core.clock import utc_now
from rempart.services.bot_work import BotWork

log = logging.getLogger(__name__)
T = TypeVar("T")
Io = Callable[..., Awaitable[Any]]


def _already_gone(row: OutboxRow, result: CallResult) -> bool:
    """A deletion of a message that no longer exists has nothing left to do."""
    return row.action == "delete" and "not found" in (result.error or "").lower()


class Outbox:
    """Sends stored actions once each; records outcomes through :class:`BotWork`."""

    def __init__(self, calls: CallQueue, work: BotWork, io: Io) -> None:
        self.calls = calls
        self.work = work
        self.io = io
        self.ledger = Ledger()
        self._tasks = TaskSet()
        self.failed = 0

    def send(self, rows: Iterable[OutboxRow]) -> None:
        """Start sending rows not already being sent (or sent) by this process."""
        for row in rows:
            if self.ledger.claim(row.id, row.updated_at):
                self._tasks.start(self._send(row))

    async def sweep(self, limit: int = 100) -> None:
        """Send what the store says is due now."""
        rows = await self.io(self.work.store.due_actions, utc_now(), limit,
                             set(self.ledger.held), TELEGRAM_CHATS)
        self.send(rows)

    def _call(self, row: OutboxRow) -> asyncio.Future[CallResult] | None:
        p = row.params or {}
        chat = row.chat_id
        if row.action == "delete":
            return self.calls.delete(chat, [int(i) for i in p.get("message_ids", [])])
        if row.action == "restrict":
            return self.calls.call("restrict_chat_member", chat, chat_id=chat,
                                   user_id=int(p["user_id"]),
                                   permissions=ChatPermissions.no_permissions(),
                                   use_independent_chat_permissions=True)
        if row.action == "ban":
            return self.calls.call("ban_chat_member", chat, chat_id=chat,
                                   user_id=int(p["user_id"]))
        if row.action == "ban_sender_chat":
            return self.calls.call("ban_chat_sender_chat", chat, chat_id=chat,
                                   sender_chat_id=int(p["sender_chat_id"]))
        if row.action == "message" and p.get("text"):
            return self.calls.call("send_message", chat, message=True, chat_id=chat,
                                   text=str(p["text"]), disable_web_page_preview=True)
        return None

    async def _send(self, row: OutboxRow) -> None:
        finished = False
        try:
            try:
                pending = self._call(row)
            except (KeyError, TypeError, ValueError) as e:
                pending, error = None, f"malformed action: {e}"
            else:
                error = f"unknown or empty action {row.action!r}"
            result = await pending if pending is not None else CallResult(False, error=error)
            if result.ok or _already_gone(row, result):
                await self.io(self.work.store.action_done, row.id)
                finished = True
            else:
                self.failed += 1
                log.warning("%s in chat %s failed (try %d): %s", row.action, row.chat_id,
                            row.attempts + 1, result.error)
                await self.io(self.work.action_failed, row, result.error or "failed",
                              result.retry_after)
                finished = row.attempts + 1 >= self.work.max_attempts
        finally:
            self.ledger.release(row.id, finished=finished)

    async def close(self, timeout: float) -> None:
        """Wait (bounded) for sends in progress, then stop the rest (they stay pending)."""
        await self._tasks.close(timeout)
