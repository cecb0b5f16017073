"""Webhook mode: Telegram POSTs each update; the secret token header is checked first.

Example::

    app = webhook_app(runner, secret="s3cret")   # uvicorn.run(app, port=8443)
"""

from __future__ import annotations

import contextlib
import hmac
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from telegram import Update

from rempart.adapters.telegram_bot.runner import BotRunner

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def webhook_app(runner: BotRunner, secret: str, path: str = "/telegram") -> Starlette:
    """An ASGI app receiving updates on ``path`` (401 without the right secret header)."""

    async def receive(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return JSONResponse({"ok": False}, status_code=401)
        try:
            update = Update.de_json(await request.json(), runner.bot)
        except Exception:  # malformed: accept it so Telegram does not resend it forever
            log.warning("malformed webhook update ignored")
            return JSONResponse({"ok": True})
        await runner.handle_batch([update])
        return JSONResponse({"ok": True})

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        await runner.start()
        try:
            yield
        finally:
            await runner.close()

    return Starlette(routes=[Route(path, receive, methods=["POST"])], lifespan=lifespan)
