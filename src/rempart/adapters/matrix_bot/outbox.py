"""Sending the bot's stored actions (``bot_outbox``) to the homeserver: a deletion is a
redaction of each event, ``ban`` bans, ``restrict`` mutes (the member's power level set below
what posting needs; when the bot may not change power levels the action fails and is
retried, visible in the console), a message is an ``m.notice`` in the room (alerts in the
moderators' room; a receipt in a direct room with the reporter).

Numbers in the stored actions stand for Matrix ids (``services.matrix_bot``); they are turned
back into ids here, in the alerts' text too. Rows of other platforms (a Telegram bot on the
same database) are left alone.

Example::

    outbox = MatrixOutbox(client, service, io)
    outbox.send(outcome.actions)        # at once, not awaited
    await outbox.sweep()                # what is due in the store
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

import nio

from rempart.adapters.background import TaskSet
from rempart.adapters.matrix_bot.powers import Powers
from rempart.core.bot_queue import OutboxRow
from rempart.core.chat_ids import MATRIX_CHATS
from rempart.core.clock import utc_now
from rempart.services.matrix_bot import MatrixBotService, is_matrix_number

log = logging.getLogger(__name__)
Io = Callable[..., Awaitable[Any]]
_NUMBER = re.compile(r"\b\d{19}\b")  # the numbers of services.matrix_bot have 19 digits
REASON = "Rempart: matched known abusive content"


@dataclass(frozen=True, slots=True)
class Sent:
    """How a call went: ok, or the error and the seconds the server asks to wait."""

    ok: bool
    error: str | None = None
    retry_after: float | None = None
    gone: bool = False  # nothing left to do (the event no longer exists)


def _result(response: Any) -> Sent:
    if isinstance(response, nio.ErrorResponse):
        code = str(response.status_code or "")
        wait = response.retry_after_ms / 1000 if response.retry_after_ms else None
        return Sent(False, f"{code}: {response.message}"[:300], wait, gone=code == "M_NOT_FOUND")
    return Sent(True)


class MatrixOutbox:
    """Sends stored actions once each; records outcomes through the bot's work service."""

    def __init__(self, client: nio.AsyncClient, service: MatrixBotService, io: Io,
                 on_sent: Callable[[OutboxRow], None] | None = None) -> None:
        self.client = client
        self.on_sent = on_sent
        self.service = service
        self.io = io
        self.work = service.bot.work
        self._held: set[int] = set()
        self._tasks = TaskSet()
        self._direct: dict[str, str] = {}
        self.sent = 0
        self.failed = 0

    def send(self, rows: Iterable[OutboxRow]) -> None:
        """Start sending Matrix rows not already being sent by this process."""
        for row in rows:
            if row.id in self._held or not is_matrix_number(row.chat_id):
                continue
            self._held.add(row.id)
            self._tasks.start(self._send(row))

    async def sweep(self, limit: int = 100) -> None:
        """Send what the store says is due now."""
        self.send(await self.io(self.work.store.due_actions, utc_now(), limit,
                                set(self._held), MATRIX_CHATS))

    async def idle(self) -> None:
        """Wait until every send started has finished (tests, benchmarks, stopping)."""
        await self._tasks.idle()

    async def close(self, timeout: float) -> None:
        """Wait (bounded) for sends in progress, then stop the rest (they stay pending)."""
        await self._tasks.close(timeout)

    async def _send(self, row: OutboxRow) -> None:
        try:
            try:
                result = await self._call(row)
            except (KeyError, TypeError, ValueError) as e:
                result = Sent(False, f"malformed action: {e}")
            except Exception as e:  # the homeserver away, a timeout: tried again later
                result = Sent(False, f"not sent: {type(e).__name__}: {e}")
            if result.ok or result.gone:
                self.sent += 1
                if self.on_sent is not None:
                    self.on_sent(row)
                await self.io(self.work.store.action_done, row.id)
            else:
                self.failed += 1
                log.warning("%s in room %s failed (try %d): %s", row.action,
                            self.service.name_of(row.chat_id), row.attempts + 1, result.error)
                await self.io(self.work.action_failed, row, result.error or "failed",
                              result.retry_after)
        finally:
            self._held.discard(row.id)

    async def _name(self, n: int) -> str:
        name = await self.io(self.service.name_of, n)
        if name is None:
            raise ValueError(f"no Matrix id is known for {n}")
        return str(name)

    async def _call(self, row: OutboxRow) -> Sent:
        p = row.params or {}
        target = await self._name(row.chat_id)
        if row.action == "delete":
            for n in p.get("message_ids", []):
                result = _result(await self.client.room_redact(
                    target, await self._name(int(n)), reason=REASON))
                if not result.ok and not result.gone:
                    return result
            return Sent(True)
        if row.action == "ban":
            user = await self._name(int(p["user_id"]))
            return _result(await self.client.room_ban(target, user, reason=REASON))
        if row.action == "restrict":
            return await self._mute(target, await self._name(int(p["user_id"])))
        if row.action == "ban_sender_chat":
            return Sent(True)  # Matrix has no channel identities
        if row.action == "message" and p.get("text"):
            if target.startswith("@"):
                room = await self._direct_room(target)
                if room is None:
                    return Sent(False, "could not open a direct room with the member")
                target = room
            body = await self._text(str(p["text"]))
            return _result(await self.client.room_send(
                target, "m.room.message", {"msgtype": "m.notice", "body": body}))
        return Sent(False, f"unknown or empty action {row.action!r}")

    async def _mute(self, room: str, user: str) -> Sent:
        got = await self.client.room_get_state(room)
        if isinstance(got, nio.ErrorResponse):
            return _result(got)
        levels = Powers.of_state(e for e in got.events if isinstance(e, dict)).muted(
            self.client.user_id, user)
        if levels is None:
            return Sent(False, "cannot mute a member whose power level is not below the bot's")
        return _result(await self.client.room_put_state(room, "m.room.power_levels", levels))

    async def _direct_room(self, user: str) -> str | None:
        room = self._direct.get(user)
        if room is None:
            created = await self.client.room_create(is_direct=True, invite=[user],
                                                    name="Rempart")
            if isinstance(created, nio.ErrorResponse):
                return None
            room = self._direct[user] = created.room_id
        return room

    async def _text(self, text: str) -> str:
        """The text with the numbers standing for Matrix ids written as the ids."""
        numbers = {int(m) for m in _NUMBER.findall(text) if is_matrix_number(int(m))}
        names = await self.io(self.service.names, sorted(numbers)) if numbers else {}
        return _NUMBER.sub(lambda m: names.get(int(m.group()), m.group()), text)
