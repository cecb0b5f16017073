"""Queue mode: several bot receivers and any number of Celery workers serve one bot token.

A receiver (:class:`QueueReceiver`, webhook or polling) stores each update exactly as the
in-process bot does (idempotent on ``update_id``), sends the task ``rempart.bot.chat`` with
the update's chat id — only ids travel through the broker, never media or text — and answers
Telegram. A worker (``telegram_bot.tasks``) handles that chat's pending updates in order with
the same pipeline (:class:`WorkerRunner`), holding the chat's lock so that two workers never
handle one chat at once; the findings and actions it decides are stored, and the outbox is
sent by one receiver at a time (the holder of the ``sender`` lock; another takes over when it
dies), through its call queue, so that Telegram's limits hold however many receivers run.

Nothing is lost: an update whose task vanished (a broker that lost its queue, a worker killed
before acknowledging) is still pending in the store, and the receivers' sweep sends its chat
again once it has waited ``STALE_SECONDS``; a task run twice finds the update done.

Example::

    receiver = QueueReceiver(bot, service, settings.bot, send=lambda chat: celery.send_task(
        CHAT_TASK, args=[chat]))
    await receiver.run_polling(stop)                  # or webhook_app(receiver, secret)
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

from telegram import Bot

from rempart.adapters.telegram_bot.calls import with_retries
from rempart.adapters.telegram_bot.outbox import Outbox
from rempart.adapters.telegram_bot.runner import BotRunner
from rempart.config import BotSettings
from rempart.core.bot_queue import InboxRow, OutboxRow
from rempart.core.clock import utc_now
from rempart.services.bot import BotService

log = logging.getLogger(__name__)
CHAT_TASK = "rempart.bot.chat"
STALE_SECONDS = 10.0  # a pending update due this long ago: its chat is sent to the workers again
OUTBOX_SECONDS = 0.05  # how often the sender looks for actions the workers stored
RESEND_MAX_SECONDS = 300.0
CHECK_SECONDS = 1.0  # how often stale chats and the sender lock are looked at


class QueueReceiver(BotRunner):
    """A bot receiver in queue mode: stores updates, sends their chats to the workers, sends
    the outbox while it holds the ``sender`` lock."""

    def __init__(self, bot: Bot, service: BotService, settings: BotSettings | None = None, *,
                 send: Callable[[int | None], Any],
                 on_call: Callable[[str, dict[str, Any]], None] | None = None) -> None:
        super().__init__(bot, service, settings, on_call=on_call)
        self._send = send
        self.sweep_seconds = OUTBOX_SECONDS
        self._sender: Any = None  # the sender lock while this receiver holds it
        self._checked_at = 0.0
        self._sent_at: dict[int | None, float] = {}
        self._resends: dict[int | None, float] = {}  # how long a chat sent again waits next

    @property
    def sending(self) -> bool:
        """Whether this receiver is the one sending the outbox."""
        return self._sender is not None

    async def dispatch(self, rows: list[InboxRow]) -> None:
        """Send each fresh update's chat to the workers (once per chat per batch)."""
        chats = list(dict.fromkeys(row.chat_id for row in rows))
        if chats:
            await self.io(self._send_chats, chats)

    def _send_chats(self, chats: Iterable[int | None]) -> None:
        now = time.monotonic()
        for chat in chats:
            self._send(chat)
            self._sent_at[chat] = now
            self._resends.pop(chat, None)

    async def sweep(self) -> None:
        """The outbox (while sending); every second, the sender lock and stale chats."""
        now = time.monotonic()
        if now >= self._checked_at:
            self._checked_at = now + CHECK_SECONDS
            await self._lead()
            await self._resend(now)
            if self.sending:
                await self.tidy()
        if self.sending:
            await self.outbox.sweep()

    async def _lead(self) -> None:
        if self._sender is not None and not await self.io(self._sender.alive):
            log.warning("lost the outbox sender lock")
            self._sender = None
        if self._sender is None:
            self._sender = await self.io(self.service.work.sender_lock)
            if self._sender is not None:
                log.info("this receiver now sends the bot's outbox")

    async def _resend(self, now: float) -> None:
        """Send again the chats whose updates wait too long; a chat sent again and again
        (no worker running) waits twice as long each time, up to ``RESEND_MAX_SECONDS``, so
        that the broker's backlog stays small."""
        since = utc_now() - timedelta(seconds=STALE_SECONDS)
        stale = [chat for chat in await self.io(self.service.store.stale_chats, since)
                 if now - self._sent_at.get(chat, 0.0) >= self._resends.get(chat, STALE_SECONDS)]
        if stale:
            log.info("sending %d chat(s) with waiting updates to the workers again", len(stale))
            waits = {chat: min(2 * self._resends.get(chat, STALE_SECONDS / 2),
                               RESEND_MAX_SECONDS) for chat in stale}
            await self.io(self._send_chats, stale)
            self._resends.update(waits)
        if len(self._sent_at) > 100_000:
            self._sent_at.clear()
            self._resends.clear()

    async def close(self, *, grace: float | None = None) -> None:
        """Stop (see :meth:`BotRunner.close`) and let another receiver send the outbox."""
        try:
            await super().close(grace=grace)
        finally:
            sender, self._sender = self._sender, None
            if sender is not None:
                sender.release()


class StoredOutbox(Outbox):
    """A worker's outbox: actions are stored with the decision; the sending receiver sends
    them."""

    def send(self, rows: Iterable[OutboxRow]) -> None:
        """Nothing to do here (see the class)."""


class WorkerRunner(BotRunner):
    """The pipeline of one update inside a worker: no intake, no sweeps, no sending of the
    outbox (:class:`StoredOutbox`); direct answers to commands use this process's call
    queue."""

    def __init__(self, bot: Bot, service: BotService, settings: BotSettings | None = None
                 ) -> None:
        super().__init__(bot, service, settings)
        self.outbox = StoredOutbox(self.calls, service.work, self.io)

    async def start(self) -> None:
        """Initialise the bot client (getMe) and the call queue."""
        if self._started:
            return
        self._started = True
        await with_retries(self.bot.initialize)
        await self.calls.start()

    async def handle(self, row: InboxRow) -> None:
        """Handle one stored update; record it done, or failed (retried, then dead)."""
        await self._handle_row(row)
