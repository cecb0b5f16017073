"""The Matrix bot's commands, mirroring the Telegram ones: ``!rempart`` (status, for the room's
moderators: members who may ban), ``!rempart help``, ``!rempart set KEY VALUE`` and
``!rempart purge [@member:server]`` (moderators: ban a member, redact their last 48 h), and
``!report [category]`` in reply to an event (any member: the event's notice; the command
redacted, a receipt in a direct room, the moderators told). Commands run after the event was
checked like any other: a command never shields media.

Example::

    >>> command_of("!rempart set strikes_to_ban 2"), command_of("hello !report")
    (('rempart', ['set', 'strikes_to_ban', '2']), None)
"""

from __future__ import annotations

import logging
import math
import re
import time
from typing import TYPE_CHECKING

import nio

from rempart.adapters.matrix_bot.events import MatrixMessage

if TYPE_CHECKING:
    from rempart.adapters.matrix_bot.runner import MatrixRunner

log = logging.getLogger(__name__)
USER_ID = re.compile(r"@[a-z0-9._=/+-]{1,200}:[A-Za-z0-9.:\[\]-]{1,255}")  # a fixed pattern
PURGE_SECONDS = 48 * 3600  # as the Telegram bot's /rempart_purge
PURGE_PAGES, PURGE_PAGE = 10, 100  # at most 1,000 of the member's events read back
HELP = ("Rempart checks every image, video, file and sticker posted here against banks of "
        "known abusive images, and removes matches as this room's policy says.\n"
        "!report [category] — in reply to an event: report it to the moderators.\n"
        "!rempart — moderators: status and policy here.\n"
        "!rempart set KEY VALUE — moderators: change a setting (admin_chat_id takes a room "
        "id).\n"
        "!rempart purge [@member:server] — moderators, in reply to the member's event or with "
        "their id: ban them and remove what they posted in the last 48 h.\n"
        "Encrypted rooms: Rempart sees only the messages whose keys reach its device.")


def command_of(text: str) -> tuple[str, list[str]] | None:
    """``("report", ["ncii"])`` for ``!report ncii``; None when not a command."""
    if not text.startswith("!"):
        return None
    words = text[:200].split()
    if not words or words[0][1:].lower() not in ("rempart", "report"):
        return None
    return words[0][1:].lower(), words[1:]


class MatrixCommands:
    """Commands of one runner."""

    def __init__(self, runner: MatrixRunner) -> None:
        self.runner = runner

    async def reply(self, room_id: str, text: str) -> None:
        """An answer to a command (not stored: the member sees it or asks again)."""
        sent = await self.runner.client.room_send(
            room_id, "m.room.message", {"msgtype": "m.notice", "body": text})
        if isinstance(sent, nio.ErrorResponse):
            log.warning("reply in %s failed: %s", room_id, sent.message)

    async def on_command(self, message: MatrixMessage) -> bool:
        """Handle ``!rempart`` and ``!report``; False for other texts."""
        parsed = command_of(message.text)
        if parsed is None:
            return False
        command, args = parsed
        if command == "report":
            await self.on_report(message, args)
        elif args[:1] == ["help"]:
            await self.reply(message.room_id, HELP)
        else:
            await self.on_rempart(message, args)
        return True

    async def on_rempart(self, message: MatrixMessage, args: list[str]) -> None:
        """``!rempart`` (moderators): status, or ``!rempart set KEY VALUE``."""
        r = self.runner
        rights, lacking, powers = await r.room_rights(message.room_id)
        if not powers.is_moderator(message.sender_mxid):
            return
        bot = r.service.bot
        if args[:1] == ["purge"]:
            await self.on_purge(message, args[1:])
            return
        if len(args) >= 3 and args[0] == "set":
            key, raw = args[1], " ".join(args[2:])
            if key == "admin_chat_id" and raw.startswith("!"):
                room = r.service.number("room", raw)
                await r.io(r.service.remember, [room])
                raw = str(room)
            try:
                await r.io(bot.set_policy, message.chat_id, "room", key, raw)
                await self.reply(message.room_id, f"Set {key}.")
            except ValueError as e:
                await self.reply(message.room_id, f"Not changed: {e}")
            return
        text = await r.io(bot.status_text, message.chat_id, lacking)
        text = text.replace("/rempart", "!rempart").replace(
            "Rights: OK (delete messages, restrict members).",
            "Power: OK (redact, ban" + (", mute)." if rights.get("mute") else ")."))
        admin = bot.policy(message.chat_id).admin_chat_id
        if admin is not None:
            text = text.replace(f"admin_chat_id: {admin}",
                                f"admin_chat_id: {r.service.name_of(admin) or admin}")
        await self.reply(message.room_id, text)

    async def on_purge(self, message: MatrixMessage, args: list[str]) -> None:
        """``!rempart purge`` (moderators), in reply to a member's event or with their Matrix
        id: ban them and redact what they sent in the last 48 h (read back from the room,
        ``PURGE_PAGES`` pages at most)."""
        r = self.runner
        target: str | None = None
        if message.reply_to is not None:
            replied = await r.get_event(message.room_id, message.reply_to)
            target = replied.sender_mxid if replied is not None else None
        elif args and USER_ID.fullmatch(args[0]):
            target = args[0]
        if not target or target == r.user_id:
            await self.reply(message.room_id, "Reply to an event of the member, or give "
                                              "their Matrix id (@name:server).")
            return
        events = await self._recent(message.room_id, target)
        numbers = [r.service.number("event", e) for e in events]
        user = r.service.number("user", target)
        actions = await r.io(r.service.bot.purge, message, user, numbers)
        await r.io(r.service.remember, [*r.numbers(message), user, *numbers,
                                        *self._admin(message)])
        r.outbox.send(actions)

    async def _recent(self, room_id: str, sender: str) -> list[str]:
        """Ids of the events ``sender`` sent in the room in the last 48 h, newest first."""
        r = self.runner
        since = (time.time() - PURGE_SECONDS) * 1000
        token, found = r.since or "", list[str]()
        for _ in range(PURGE_PAGES):
            page = await r.client.room_messages(room_id, start=token, limit=PURGE_PAGE,
                                                message_filter={"senders": [sender]})
            if isinstance(page, nio.ErrorResponse) or not page.chunk:
                break
            for event in page.chunk:
                source = event.source if isinstance(event.source, dict) else {}
                if source.get("origin_server_ts", 0) < since:
                    return found
                if source.get("sender") == sender and source.get("content"):
                    found.append(str(source.get("event_id")))
            if not page.end or page.end == token:
                break
            token = page.end
        return found

    async def on_report(self, message: MatrixMessage, args: list[str]) -> None:
        """``!report [category]`` in reply: the event's notice, or a short answer."""
        r = self.runner
        if message.reply_to is None:
            await self.reply(message.room_id, "Reply to the event you want to report with "
                                              "!report.")
            return
        reported = await r.get_event(message.room_id, message.reply_to)
        if reported is None:
            await self.reply(message.room_id, "That event cannot be found.")
            return
        category = args[0].lower()[:32] if args else "ncii"
        outcome = await r.io(r.service.bot.report, message, reported, category)
        await r.io(r.service.remember, [*r.numbers(message), reported.message_id,
                                        *self._admin(message)])
        r.outbox.send(outcome.actions)
        if outcome.status == "already_reported":
            await self.reply(message.room_id, "This event was already reported: the "
                                              "moderators will review it.")
        elif outcome.status == "too_many" and outcome.tell:
            await self.reply(message.room_id, f"Too many reports: wait "
                                              f"{math.ceil(outcome.wait)} seconds.")

    def _admin(self, message: MatrixMessage) -> list[int]:
        admin = self.runner.service.bot.policy(message.chat_id).admin_chat_id
        return [] if admin is None else [admin]
