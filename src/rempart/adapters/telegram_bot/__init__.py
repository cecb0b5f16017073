"""Telegram Bot API adapter: updates → :class:`~rempart.services.bot.BotMessage`, decisions →
Bot API calls through a rate-limited queue (python-telegram-bot's ``Bot`` as the HTTP client).

Example::

    bot = make_bot(token, "http://127.0.0.1:8081/bot")
    await BotRunner(bot, service).run_polling()
"""

from __future__ import annotations

import os

# Opt in to python-telegram-bot's future behaviour (durations as timedelta) so that reading
# RetryAfter.retry_after raises no deprecation warning.
os.environ.setdefault("PTB_TIMEDELTA", "true")

from telegram import Bot
from telegram.request import HTTPXRequest

from rempart.adapters.telegram_bot.runner import BotRunner

__all__ = ["BotRunner", "file_url_for", "make_bot"]


def file_url_for(api_url: str) -> str:
    """The file download base for a Bot API base URL (``.../bot`` → ``.../file/bot``)."""
    base = api_url.rstrip("/")
    if base.endswith("/bot"):
        return base[: -len("/bot")] + "/file/bot"
    return base + "/file/bot"


def make_bot(token: str, api_url: str, file_url: str | None = None,
             poll_timeout: float = 30.0) -> Bot:
    """A python-telegram-bot ``Bot`` speaking to ``api_url`` (cloud, self-hosted or a fake)."""
    return Bot(
        token,
        base_url=api_url,
        base_file_url=file_url or file_url_for(api_url),
        request=HTTPXRequest(connection_pool_size=32, read_timeout=20.0, write_timeout=20.0,
                             connect_timeout=10.0),
        get_updates_request=HTTPXRequest(connection_pool_size=2,
                                         read_timeout=poll_timeout + 15.0),
    )
