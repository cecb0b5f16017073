"""`rempart bot`: the Telegram moderation bot (token from ``REMPART_TELEGRAM_TOKEN``).

Example::

    $ export REMPART_TELEGRAM_TOKEN=123:ABC
    $ rempart bot --db postgresql://rempart@/rempart
    $ rempart bot --api-url http://127.0.0.1:8081         # self-hosted Bot API: no 20 MB cap
    $ rempart bot --webhook https://bot.example.org/telegram --listen 0.0.0.0:8443
    $ rempart bot --broker redis://127.0.0.1:6379/1 --db postgresql://rempart@/rempart
      # queue mode: updates handled by `rempart worker`s (same token in their environment)

SIGTERM or Ctrl-C stops it within ``stop_grace_seconds`` (plus a few seconds to close): updates
still in flight stay pending in the database and are handled at the next start.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
from typing import TYPE_CHECKING, Annotated

import typer

from rempart.adapters.cli.builders import builders_of
from rempart.adapters.cli.options import Db, stop_on_signals

if TYPE_CHECKING:
    from celery import Celery
    from telegram import Bot

    from rempart.adapters.telegram_bot import BotRunner
    from rempart.config import Settings
    from rempart.services.bot import BotService


def bot_command(
    ctx: typer.Context,
    db: Db = None,
    api_url: Annotated[str | None, typer.Option(
        "--api-url", help="Bot API server: http://host:port or …/bot (default: the cloud "
        "API).")] = None,
    download_limit_mb: Annotated[float | None, typer.Option(
        help="Largest file downloaded (cloud API: 20; self-hosted --local: more).")] = None,
    webhook: Annotated[str | None, typer.Option(
        help="Public HTTPS URL for webhook mode (default: long polling).")] = None,
    listen: Annotated[str, typer.Option(
        help="host:port the webhook server listens on.")] = "127.0.0.1:8443",
    webhook_secret: Annotated[str | None, typer.Option(
        envvar="REMPART_WEBHOOK_SECRET",
        help="Secret token Telegram sends back (random when not given).")] = None,
    broker: Annotated[str | None, typer.Option(
        "--broker", help="Queue mode: updates go to `rempart worker`s through this broker "
        "(default: REMPART_BROKER_URL; none: handled in this process).",
        show_default=False)] = None,
) -> None:
    """Run the bot: check every message, remove banked media, alert the admins."""
    from rempart.adapters.telegram_bot import ApiUrlError, BotRunner, bot_api_urls, make_bot
    from rempart.config import Settings

    token = os.environ.get("REMPART_TELEGRAM_TOKEN", "").strip()
    if not token:
        typer.echo("error: set REMPART_TELEGRAM_TOKEN to the bot's token", err=True)
        raise typer.Exit(2)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    settings = Settings()
    if db:
        settings.database_url = db
    if api_url is not None:
        settings.bot.api_url = api_url
    try:
        bot_api_urls(settings.bot.api_url)
    except ApiUrlError as e:
        typer.echo(f"error: {e}", err=True)
        raise typer.Exit(2) from None
    if broker:
        settings.broker_url = broker
    if download_limit_mb is not None:
        settings.bot.download_limit_bytes = int(download_limit_mb * 1024 * 1024)
    builders = builders_of(ctx)
    app = builders.build(settings)
    app.follower.start()
    service = builders.telegram_service(app)
    bot = make_bot(token, settings.bot.api_url, settings.bot.file_url,
                   settings.bot.poll_timeout_seconds)
    runner = BotRunner(bot, service, settings.bot) if not settings.broker_url else (
        _receiver(bot, service, settings, builders.celery(settings, app)))
    try:
        if webhook:
            _run_webhook(runner, webhook, listen, webhook_secret or secrets.token_urlsafe(32))
        else:
            asyncio.run(_poll(runner))
    finally:
        app.close()
    if runner.abandoned:
        # Threads still busy with work given up on (a timeout) would hold the interpreter's
        # exit until they finish; everything is stored, so leave now.
        logging.getLogger(__name__).warning("exiting with %d abandoned task(s)",
                                            runner.abandoned)
        logging.shutdown()
        os._exit(0)


def _receiver(bot: Bot, service: BotService, settings: Settings, celery: Celery) -> BotRunner:
    """A queue-mode receiver: updates stored here, handled by the workers."""
    from rempart.adapters.telegram_bot.queue import CHAT_TASK, QueueReceiver

    return QueueReceiver(bot, service, settings.bot,
                         send=lambda chat: celery.send_task(CHAT_TASK, args=[chat]))


async def _poll(runner: object) -> None:
    from rempart.adapters.telegram_bot import BotRunner

    assert isinstance(runner, BotRunner)
    stop = stop_on_signals()
    with contextlib.suppress(asyncio.CancelledError):
        await runner.run_polling(stop)


def _run_webhook(runner: object, url: str, listen: str, secret: str) -> None:
    import uvicorn

    from rempart.adapters.telegram_bot import BotRunner
    from rempart.adapters.telegram_bot.runner import ALLOWED_UPDATES
    from rempart.adapters.telegram_bot.webhook import webhook_app

    assert isinstance(runner, BotRunner)
    host, _, port = listen.rpartition(":")
    path = "/" + url.split("://", 1)[-1].split("/", 1)[-1] if "/" in url.split("://")[-1] else (
        "/telegram")

    async def register() -> None:
        async with runner.bot:
            await runner.bot.set_webhook(url, secret_token=secret,
                                         allowed_updates=ALLOWED_UPDATES)

    asyncio.run(register())
    uvicorn.run(webhook_app(runner, secret, path), host=host or "127.0.0.1", port=int(port),
                log_level="warning")


def register(app: typer.Typer) -> None:
    """Attach ``rempart bot``."""
    app.command("bot")(bot_command)
