"""Telegram Bot API adapter: updates → :class:`~rempart.services.bot_messages.BotMessage`,
decisions → Bot API calls through a rate-limited queue (python-telegram-bot's ``Bot`` as the
HTTP client).

Example::

    bot = make_bot(token, "http://127.0.0.1:8081")       # or "…/bot"
    await BotRunner(bot, service).run_polling()
"""

from __future__ import annotations

import os

# Opt in to python-telegram-bot's future behaviour (durations as timedelta) so that reading
# RetryAfter.retry_after raises no deprecation warning.
os.environ.setdefault("PTB_TIMEDELTA", "true")

from telegram import Bot
from telegram.request import HTTPXRequest

from rempart.adapters.telegram_bot.api_url import ApiUrlError, bot_api_urls
from rempart.adapters.telegram_bot.runner import BotRunner

__all__ = ["ApiUrlError", "BotRunner", "bot_api_urls", "make_bot"]


def make_bot(token: str, api_url: str, file_url: str | None = None,
             poll_timeout: float = 30.0) -> Bot:
    """A python-telegram-bot ``Bot`` speaking to ``api_url`` (cloud, self-hosted or a fake).

    ``api_url`` is a server address (``http://host:port``) or a ``…/bot`` URL; ApiUrlError
    says what is wrong with an unusable one."""
    base_url, default_file_url = bot_api_urls(api_url)
    return Bot(
        token,
        base_url=base_url,
        base_file_url=file_url or default_file_url,
        request=HTTPXRequest(connection_pool_size=32, read_timeout=20.0, write_timeout=20.0,
                             connect_timeout=10.0),
        get_updates_request=HTTPXRequest(connection_pool_size=2,
                                         read_timeout=poll_timeout + 15.0),
    )
