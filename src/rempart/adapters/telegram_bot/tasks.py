"""The bot's Celery task: ``rempart.bot.chat`` handles one chat's pending updates, in order, on a
worker (queue mode, see ``telegram_bot.queue``).

The task holds the chat's lock (``BotWork.chat_lock``) while it works: when another worker
holds it, the task returns at once, and that holder looks again for pending updates after
letting go, so an update stored meanwhile is not left waiting. Every update is handled by the
same pipeline as in-process (``WorkerRunner``); python-telegram-bot is async, so each worker
process keeps one event loop, in a thread of its own, for its Bot API client. The bot's token
comes from ``REMPART_TELEGRAM_TOKEN`` in the worker's environment.

Exactly once: an update already done is not read again; a task delivered twice, or run after a
worker died holding it (the lock dies with the process), finds nothing left to do or redoes an
unfinished update, whose findings and actions carry keys that store them once.

Example::

    celery.send_task("rempart.bot.chat", args=[-1001234567890])
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from celery import Celery

from rempart.adapters.telegram_bot import make_bot
from rempart.adapters.telegram_bot.queue import CHAT_TASK, WorkerRunner
from rempart.core.clock import utc_now
from rempart.services.bot_setup import bot_service

T = TypeVar("T")
BATCH = 50  # a chat's updates read at once


class ChatHandler:
    """One worker process's bot: its service, its Bot API client and their event loop."""

    def __init__(self, app: Any) -> None:
        token = os.environ.get("REMPART_TELEGRAM_TOKEN", "").strip()
        if not token:
            raise RuntimeError("set REMPART_TELEGRAM_TOKEN in the worker's environment")
        settings = app.settings
        self.service = bot_service(app.store, app.matching, settings, limits=app.limits)
        bot = make_bot(token, settings.bot.api_url, settings.bot.file_url)
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True,
                                        name="rempart-bot-loop")
        self._thread.start()
        self.runner = WorkerRunner(bot, self.service, settings.bot)
        self._await(self.runner.start())

    def close(self) -> None:
        """Stop the Bot API client and the event loop (tests; a worker just exits)."""
        self._await(self.runner.close(grace=0.0))
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)
        self.loop.close()

    def _await(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    def run(self, chat_id: int | None) -> int:
        """Handle the chat's pending updates while holding its lock; how many were handled
        (0 when another worker holds the chat)."""
        handled = 0
        while True:
            held = self.service.work.chat_lock(chat_id)
            if held is None:
                return handled
            try:
                handled += self._drain(chat_id)
            finally:
                held.release()
            # An update stored while the lock was held may have had its task turned away.
            if not self.service.store.chat_updates(chat_id, utc_now(), 1):
                return handled

    def _drain(self, chat_id: int | None) -> int:
        if chat_id is not None:
            self.service.forget_policy(chat_id)  # /rempart set may have run on another worker
        seen: set[int] = set()
        while True:
            rows = [r for r in self.service.store.chat_updates(chat_id, utc_now(), BATCH)
                    if r.update_id not in seen]
            if not rows:
                return len(seen)
            for row in rows:
                seen.add(row.update_id)
                self._await(self.runner.handle(row))


_handlers: dict[int, ChatHandler] = {}
_guard = threading.Lock()


def handler(app: Any) -> ChatHandler:
    """This process's :class:`ChatHandler` (built on first use, after a worker's fork)."""
    with _guard:
        found = _handlers.get(os.getpid())
        if found is None:
            found = _handlers[os.getpid()] = ChatHandler(app)
        return found


def register(celery: Celery) -> None:
    """Add ``rempart.bot.chat`` to ``celery`` (routed to the ``bot`` queue)."""

    @celery.task(name=CHAT_TASK, shared=False)
    def chat_task(chat_id: int | None) -> int:
        return handler(celery.rempart.get()).run(chat_id)
