"""Webhook mode: Telegram POSTs each update; the secret token header is checked first, the
update is stored, and only then answered 200 (handled afterwards, in its chat's order).

Example::

    app = webhook_app(runner, secret="s3cret")   # uvicorn.run(app, port=8443)
"""

from __future__ import annotations

import contextlib
import hmac
import json
import logging
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from rempart.adapters.telegram_bot.runner import BotRunner

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_UPDATE_BYTES = 1024 * 1024  # an update is a few KB; Telegram's own limits keep it small


def webhook_app(runner: BotRunner, secret: str, path: str = "/telegram") -> Starlette:
    """An ASGI app receiving updates on ``path`` (401 without the right secret header)."""

    async def receive(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return JSONResponse({"ok": False}, status_code=401)
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_UPDATE_BYTES:
                return JSONResponse({"ok": False}, status_code=413)
        try:
            update = json.loads(body)
        except (ValueError, RecursionError):  # RecursionError: nested past Python's stack
            update = None
        if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
            # Malformed: accepted so that Telegram does not send it again forever.
            log.warning("malformed webhook update ignored")
            return JSONResponse({"ok": True})
        # A database failure raises: the answer is 500 and Telegram sends the update again.
        await runner.accept([update])
        return JSONResponse({"ok": True})

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        await runner.start()
        try:
            yield
        finally:
            await runner.close()

    return Starlette(routes=[Route(path, receive, methods=["POST"])], lifespan=lifespan)
