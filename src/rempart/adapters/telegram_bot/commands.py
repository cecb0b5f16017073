"""The bot's commands (``/report``, ``/rempart``, ``/rempart_purge``) and its reaction to being
added to a chat. Commands run after the message was checked like any other: a command in a
caption never shields the media, and ``/report`` never reaches the moderators without the
reporter's message removed.

Example::

    commands = Commands(runner)
    handled = await commands.on_command(message, raw)
"""

from __future__ import annotations

import logging
import math
import time
from typing import TYPE_CHECKING

from telegram import BotCommand, ChatMemberUpdated, Message, Update
from telegram.error import TelegramError

from rempart.adapters.telegram_bot.calls import with_retries
from rempart.adapters.telegram_bot.items import message_of
from rempart.core.bot_policy import missing_rights
from rempart.services.bot_messages import BotMessage

if TYPE_CHECKING:
    from rempart.adapters.telegram_bot.runner import BotRunner

log = logging.getLogger(__name__)
COMMANDS = [
    BotCommand("report", "Report the message you reply to (sent to the moderators)"),
    BotCommand("rempart", "Admins: status and policy of Rempart in this chat"),
    BotCommand("rempart_purge", "Admins: ban a user and delete their last 48 h of messages"),
]
ADMIN_CACHE_SECONDS = 300.0
RIGHTS = ("can_delete_messages", "can_restrict_members")


def command_of(text: str) -> tuple[str, list[str]] | None:
    """``("report", ["ncii"])`` for ``/report@rempart_bot ncii``; None when not a command.

    >>> command_of("/Report@rempart_bot ncii"), command_of("hello /report")
    (('report', ['ncii']), None)
    """
    if not text.startswith("/"):
        return None
    words = text[:200].split()
    if not words:
        return None
    return words[0][1:].split("@", 1)[0].lower(), words[1:]


class Commands:
    """Commands and membership changes of one runner."""

    def __init__(self, runner: BotRunner) -> None:
        self.runner = runner
        self._admins: dict[int, tuple[float, set[int]]] = {}

    async def on_my_chat_member(self, change: ChatMemberUpdated, update_id: int) -> None:
        """The bot was added, promoted, restricted or removed: record and report its rights."""
        r = self.runner
        chat = change.chat
        member = change.new_chat_member
        rights = {k: bool(getattr(member, k, False)) for k in RIGHTS}
        missing = missing_rights(chat.type, member.status, rights)
        rows = await r.io(r.service.chat_changed, chat.id, chat.type, chat.title,
                          member.status, rights, update_id, missing)
        r.outbox.send(rows)

    async def is_admin(self, chat_id: int, user_id: int | None) -> bool:
        """Whether the user administers the chat (cached a few minutes)."""
        if user_id is None:
            return False
        cached = self._admins.get(chat_id)
        if cached is None or time.monotonic() - cached[0] > ADMIN_CACHE_SECONDS:
            try:
                admins = await with_retries(
                    lambda: self.runner.bot.get_chat_administrators(chat_id))
            except TelegramError as e:
                log.warning("getChatAdministrators(%s) failed: %s", chat_id, e)
                return False
            cached = (time.monotonic(), {a.user.id for a in admins})
            self._admins[chat_id] = cached
        return user_id in cached[1]

    def reply(self, chat_id: int, text: str) -> None:
        """An answer to a command (not stored: the admin sees it or asks again)."""
        self.runner.calls.call("send_message", chat_id, message=True, chat_id=chat_id,
                               text=text)

    async def on_command(self, message: BotMessage, raw: Message) -> bool:
        """Handle ``/rempart``, ``/report`` and ``/rempart_purge``; False for other texts."""
        parsed = command_of(message.text)
        if parsed is None:
            return False
        command, args = parsed
        if command == "report":
            await self.on_report(message, raw, args)
        elif command == "rempart":
            await self.on_rempart(message, args)
        elif command == "rempart_purge":
            await self.on_purge(message, raw, args)
        else:
            return False
        return True

    async def on_rempart(self, message: BotMessage, args: list[str]) -> None:
        """``/rempart`` (admins): status, or ``/rempart set KEY VALUE``."""
        r = self.runner
        if not await self.is_admin(message.chat_id, message.user_id):
            return
        if len(args) >= 3 and args[0] == "set":
            try:
                await r.io(r.service.set_policy, message.chat_id, message.chat_type, args[1],
                           " ".join(args[2:]))
                self.reply(message.chat_id, f"Set {args[1]}.")
            except ValueError as e:
                self.reply(message.chat_id, f"Not changed: {e}")
            return
        member = await with_retries(lambda: r.bot.get_chat_member(message.chat_id, r.bot.id))
        rights = {k: bool(getattr(member, k, False)) for k in RIGHTS}
        missing = missing_rights(message.chat_type, member.status, rights)
        self.reply(message.chat_id, await r.io(r.service.status_text, message.chat_id, missing))

    async def on_report(self, message: BotMessage, raw: Message, args: list[str]) -> None:
        """``/report [category]`` in reply: a notice; the command removed, a private receipt
        and the admins' notice sent from the outbox. A message already reported, or a member
        over her limit, gets a short answer in the chat instead."""
        target = raw.reply_to_message
        if target is None:
            self.reply(message.chat_id, "Reply to the message you want to report with /report.")
            return
        reported = message_of(Update(message.update_id, message=target))
        assert reported is not None
        category = args[0].lower()[:32] if args else "ncii"
        r = self.runner
        outcome = await r.io(r.service.report, message, reported, category)
        r.outbox.send(outcome.actions)
        if outcome.status == "already_reported":
            self.reply(message.chat_id, "This message was already reported: the moderators "
                                        "will review it.")
        elif outcome.status == "too_many" and outcome.tell:
            self.reply(message.chat_id, f"Too many reports: wait {math.ceil(outcome.wait)} "
                                        "seconds before reporting again.")

    async def on_purge(self, message: BotMessage, raw: Message, args: list[str]) -> None:
        """``/rempart_purge`` (admins): ban the user, delete their last 48 h of messages."""
        if not await self.is_admin(message.chat_id, message.user_id):
            return
        user_id: int | None = None
        target = raw.reply_to_message
        if target is not None and target.from_user is not None:
            user_id = target.from_user.id
        elif args and args[0].lstrip("-").isdigit() and len(args[0]) < 20:
            user_id = int(args[0])
        if user_id is None:
            self.reply(message.chat_id, "Reply to a message of the user, or give their id.")
            return
        r = self.runner
        r.outbox.send(await r.io(r.service.purge, message, user_id))
