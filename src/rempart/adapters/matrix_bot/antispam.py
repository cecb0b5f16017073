"""The pre-delivery check for Synapse, served by ``rempart serve``: Synapse's
`synapse-http-antispam` module (MIT) posts each new event to
``/_rempart/matrix/antispam/check_event_for_spam`` before it enters the room; an event whose
media the room's policy would remove at once (a ``block`` match) is refused with
``M_FORBIDDEN``, so it never reaches the room. Everything else answers ``200 {}`` (allowed).

The secret (``Authorization: Bearer``) is checked before the body is read. Media is read from
the homeserver with the bot's token, into memory, bounded as the bot does. A check that cannot
finish within ``antispam_timeout_seconds`` (or fails: the homeserver away) is allowed or
refused as the operator chose (``antispam_fail_open``); Synapse's own ``fail_open`` decides when
Rempart cannot be reached at all. The poster is told only that the media was refused, never
which bank matched.

Example (homeserver.yaml)::

    modules:
      - module: synapse_http_antispam.HTTPAntispam
        config:
          base_url: http://127.0.0.1:8000/_rempart/matrix/antispam
          authorization: <REMPART_MATRIX__ANTISPAM_SECRET>
          enabled_callbacks: [check_event_for_spam]
          fail_open: {check_event_for_spam: true}
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import APIRouter, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from rempart.adapters.matrix_bot.events import ENCRYPTED_PREFIX, message_of
from rempart.adapters.matrix_bot.media import MediaRefused, NotMedia, download
from rempart.config import MatrixSettings
from rempart.core.verdict import Verdict
from rempart.services.bot_messages import BotMedia
from rempart.services.matrix_bot import MatrixBotService

log = logging.getLogger(__name__)
PATH = "/_rempart/matrix/antispam"
MAX_BODY = 256 * 1024  # an event is at most 64 KiB; its JSON wrapping a little more
REFUSED = "This media cannot be posted here: it matches known abusive content."
NOT_CHECKED = "This media could not be checked in time; try again later."
router = APIRouter(include_in_schema=False)


@dataclass
class Antispam:
    """What the route needs: the service, the settings, the secret and the bot's token."""

    service: MatrixBotService
    settings: MatrixSettings
    secret: str
    token: str
    checked: int = 0
    refused: int = 0

    async def verdicts(self, media: tuple[BotMedia, ...]) -> list[Verdict]:
        """Each file's verdict (a file too large: its thumbnail's, or none)."""
        # A client per check: nothing outlives the request (the server's loop may change).
        async with httpx.AsyncClient(timeout=httpx.Timeout(30.0, connect=5.0)) as http:
            return await self._verdicts(http, media)

    async def _verdicts(self, http: httpx.AsyncClient, media: tuple[BotMedia, ...]
                        ) -> list[Verdict]:
        out: list[Verdict] = []
        for item in media:
            target: BotMedia | None = item
            while target is not None and not target.file_id.startswith(ENCRYPTED_PREFIX):
                try:
                    data = await download(http, self.settings.homeserver, self.token,
                                          target.file_id, self.settings.download_limit_bytes,
                                          sniffed=target.sniffed)
                except (NotMedia, MediaRefused):
                    break
                if data is not None:
                    out.append(await run_in_threadpool(self.service.bot.check_bytes, target,
                                                       data))
                    break
                target = target.thumbnail
        return out

    async def check(self, event: dict[str, Any]) -> str | None:
        """Why the event is refused, or None."""
        room_id = event.get("room_id")
        if not isinstance(room_id, str):
            return None
        message = message_of(event, room_id, None, self.service.number)
        if message is None or not message.media:
            return None
        self.checked += 1
        verdicts = await self.verdicts(message.media)
        return await run_in_threadpool(self.service.refusal, message, verdicts)


def mount(api: FastAPI, service: MatrixBotService, settings: MatrixSettings, token: str
          ) -> Antispam:
    """Serve the check on ``api`` (when ``settings.antispam_secret`` is set)."""
    if not settings.antispam_secret:
        raise ValueError("antispam_secret is not set")
    state = Antispam(service, settings, settings.antispam_secret, token)
    api.state.matrix_antispam = state
    api.include_router(router)
    return state


def _refuse(error: str) -> JSONResponse:
    return JSONResponse({"errcode": "M_FORBIDDEN", "error": error}, status_code=403)


@router.post(PATH + "/{callback}")
async def antispam_callback(callback: str, request: Request) -> JSONResponse:
    """One callback of synapse-http-antispam (``ping``, ``check_event_for_spam``; any other
    callback is allowed unchanged)."""
    state: Antispam = request.app.state.matrix_antispam
    given = request.headers.get("authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {state.secret}".encode()):
        return JSONResponse({"errcode": "M_UNAUTHORIZED", "error": "bad secret"},
                            status_code=401)
    body = await request.body()
    if len(body) > MAX_BODY:
        return JSONResponse({"errcode": "M_TOO_LARGE", "error": "body too large"},
                            status_code=413)
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return JSONResponse({"errcode": "M_BAD_JSON", "error": "not a JSON object"},
                            status_code=400)
    if callback == "ping":
        return JSONResponse({"id": data.get("id"), "status": "ok"})
    event = data.get("event")
    if callback != "check_event_for_spam" or not isinstance(event, dict):
        return JSONResponse({})
    settings = state.settings
    try:
        reason = await asyncio.wait_for(state.check(event), settings.antispam_timeout_seconds)
    except Exception as e:  # a timeout, the homeserver away: the operator's choice
        log.warning("pre-delivery check of %s not finished (%s): %s", event.get("event_id"),
                    type(e).__name__, "allowed" if settings.antispam_fail_open else "refused")
        return JSONResponse({}) if settings.antispam_fail_open else _refuse(NOT_CHECKED)
    if reason is None:
        return JSONResponse({})
    state.refused += 1
    log.info("refused %s in %s before delivery: %s", event.get("event_id"),
             event.get("room_id"), reason)
    return _refuse(REFUSED)
