"""`rempart matrix-bot`: the moderation bot for Matrix rooms (password from
``REMPART_MATRIX_PASSWORD`` or access token from ``REMPART_MATRIX_TOKEN``; never logged).

Example::

    $ export REMPART_MATRIX_TOKEN=syt_…
    $ rempart matrix-bot --homeserver https://matrix.example.org \\
          --user @rempart:example.org --moderators-room '!mods:example.org'

It joins the rooms it is invited to and checks their images, videos, files and stickers with
the Telegram bot's rules (per-room policy, strikes, review items); see docs/matrix.md. SIGTERM
or Ctrl-C stops it; the sync token is saved after each handled sync, so a restart resumes there.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from typing import Annotated

import typer

from rempart.adapters.cli.builders import builders_of
from rempart.adapters.cli.options import Db, stop_on_signals


def matrix_bot_command(
    ctx: typer.Context,
    homeserver: Annotated[str, typer.Option(
        help="The homeserver's client API base URL, e.g. https://matrix.example.org.")],
    user: Annotated[str, typer.Option(help="The bot's Matrix id, e.g. @rempart:example.org.")],
    db: Db = None,
    moderators_room: Annotated[str | None, typer.Option(
        help="Room id where alerts go (the default of every room; the bot joins it).")] = None,
    download_limit_mb: Annotated[float | None, typer.Option(
        help="Largest file downloaded (default 50).")] = None,
) -> None:
    """Run the Matrix bot: check every file posted, redact banked media, alert moderators."""
    from rempart.adapters.matrix_bot import LoginError, MatrixRunner, connect
    from rempart.config import Settings
    from rempart.services.matrix_bot import matrix_number

    token = os.environ.get("REMPART_MATRIX_TOKEN", "").strip() or None
    password = os.environ.get("REMPART_MATRIX_PASSWORD", "") or None
    if not token and not password:
        typer.echo("error: set REMPART_MATRIX_TOKEN or REMPART_MATRIX_PASSWORD", err=True)
        raise typer.Exit(2)
    if not homeserver.startswith(("http://", "https://")):
        typer.echo("error: --homeserver is an http:// or https:// URL", err=True)
        raise typer.Exit(2)
    if not (user.startswith("@") and ":" in user):
        typer.echo("error: --user is a Matrix id, @name:server", err=True)
        raise typer.Exit(2)
    if moderators_room is not None and not (moderators_room.startswith("!")
                                            and 1 < len(moderators_room) <= 255):
        typer.echo("error: --moderators-room is a room id (!id or !id:server)", err=True)
        raise typer.Exit(2)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    for noisy in ("httpx", "nio"):  # every request, every state event: not for operators
        logging.getLogger(noisy).setLevel(logging.WARNING)
    settings = Settings()
    if db:
        settings.database_url = db
    m = settings.matrix
    m.homeserver, m.user_id = homeserver, user
    if moderators_room:
        m.moderators_room = moderators_room
    if m.moderators_room:
        settings.bot.chat_defaults = {**settings.bot.chat_defaults,
                                      "admin_chat_id": matrix_number("room", m.moderators_room)}
    if download_limit_mb is not None:
        m.download_limit_bytes = int(download_limit_mb * 1024 * 1024)
    builders = builders_of(ctx)
    app = builders.build(settings)
    app.follower.start()
    service = builders.matrix_service(app)

    async def run() -> None:
        try:
            client = await connect(m.homeserver, m.user_id, token=token, password=password,
                                   device_name=m.device_name, store_path=m.store_path or None)
        except LoginError as e:
            typer.echo(f"error: {e}", err=True)
            raise typer.Exit(1) from None
        runner = MatrixRunner(client, service, m, settings.bot)
        stop = stop_on_signals()
        try:
            with contextlib.suppress(asyncio.CancelledError):
                await runner.run(stop)
        finally:
            await runner.close()

    try:
        asyncio.run(run())
    finally:
        app.close()


def register(app: typer.Typer) -> None:
    """Attach ``rempart matrix-bot``."""
    app.command("matrix-bot")(matrix_bot_command)
