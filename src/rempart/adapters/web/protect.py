"""The victim portal (issue 7), no account: ``/protect`` registers images by their signals
computed in the browser (``static/protect.js`` with ``static/pdq.js``: PDQ and its dihedral
variants, SHA-256 of the file bytes by WebCrypto); the images never leave the device. The answer
is a case number and a secret shown once. ``/protect/status`` (case number and secret, posted,
never in a URL) shows counts of matches, withdraws items and closes the case.

Anti-abuse on ``POST /protect/register`` (JSON):

- a proof-of-work: ``GET /protect/challenge`` issues an HMAC-signed challenge with a difficulty
  and an expiry; the browser finds a nonce such that ``sha256(challenge + nonce)`` starts with
  that many zero bits; the server checks it and spends the challenge (one use, in the database);
- CSRF: the double-submit token of the other anonymous forms, sent in the ``X-CSRF-Token``
  header (JSON bodies cannot carry a form field), plus an ``Origin``/``Sec-Fetch-Site``
  same-origin check. The proof-of-work alone would not stop a cross-site page from making a
  visitor's browser do the work and register hashes in her name; the token does;
- a token bucket per client address (``protect_rate_per_minute``, ``protect_burst``), the cap of
  items per case (``protect_max_items``) and a body size limit; the banks' allowlist and flood
  rules apply to the registered signals at matching time.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from rempart.adapters.http.notices import PublicLimiter
from rempart.adapters.web.session import CSRF_COOKIE, render, state_of
from rempart.services.cases import (
    CaseFull,
    CaseService,
    ItemSignals,
    ProofOfWork,
    ProofRejected,
)
from rempart.services.errors import InvalidArgument
from rempart.store.cases import SqlCaseStore
from rempart.store.scans import SqlScanStore

router = APIRouter(include_in_schema=False)
CSRF_HEADER = "x-csrf-token"
# Per item: SHA-256, 8 PDQ hashes and their names, quality: well under 1 KB as JSON.
MAX_BODY = 2048 + 1024 * 64
# The thumbnails are object URLs (blob:) of the person's own files, shown locally.
PROTECT_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob:; "
               "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
               "base-uri 'none'; object-src 'none'")
_INIT = threading.Lock()


@dataclass
class ProtectState:
    service: CaseService
    pow: ProofOfWork
    limiter: PublicLimiter


def protect_state(request: Request) -> ProtectState:
    """The portal's service, proof-of-work and limiter (made on first use, per app)."""
    app_state = request.app.state
    with _INIT:
        found: ProtectState | None = getattr(app_state, "protect", None)
        if found is None:
            web = state_of(request)
            engine = web.backend.store.engine
            s = web.settings
            secret = s.session_secret or secrets.token_urlsafe(32)
            key = hmac.new(secret.encode(), b"rempart.protect.pow", hashlib.sha256).digest()
            found = ProtectState(
                CaseService(SqlCaseStore(engine), web.backend.store, SqlScanStore(engine),
                            s.protect_max_items),
                ProofOfWork(key, s.protect_pow_bits, s.protect_challenge_seconds),
                PublicLimiter(s.protect_rate_per_minute, s.protect_burst))
            app_state.protect = found
    return found


class ItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sha256: str = Field(max_length=64)
    pdq: str | None = Field(None, max_length=64)
    pdq_quality: int | None = None
    variants: dict[str, str] = Field(default_factory=dict, max_length=7)
    md5: str | None = Field(None, max_length=32)


class RegisterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    challenge: str = Field(max_length=120)
    nonce: str = Field(max_length=32)
    minor: bool = False
    contact: str | None = Field(None, max_length=320)
    items: list[ItemIn] = Field(max_length=1000)


def _page(request: Request, template: str, status_code: int = 200, **context: Any) -> Response:
    response = render(request, template, status_code=status_code, **context)
    response.headers["Content-Security-Policy"] = PROTECT_CSP
    return response


def _error(status: int, code: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": code, **extra}, status_code=status,
                        headers={"Cache-Control": "no-store"})


def _same_origin(request: Request) -> bool:
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    if origin is None:
        return True
    host = request.headers.get("host", "")
    return origin in (f"{request.url.scheme}://{host}", f"https://{host}")


def _csrf_ok(request: Request) -> bool:
    given = request.headers.get(CSRF_HEADER, "")
    expected = request.cookies.get(CSRF_COOKIE, "")
    return bool(given and expected) and hmac.compare_digest(given.encode(), expected.encode())


@router.get("/protect", response_class=HTMLResponse)
def protect_page(request: Request) -> Response:
    state = protect_state(request)
    return _page(request, "protect.html", max_items=state.service.max_items,
                 bits=state.pow.bits)


@router.get("/protect/challenge")
def challenge(request: Request) -> JSONResponse:
    """A fresh proof-of-work challenge and its difficulty (zero bits)."""
    state = protect_state(request)
    return JSONResponse({"challenge": state.pow.issue(time.time()), "bits": state.pow.bits},
                        headers={"Cache-Control": "no-store"})


@router.post("/protect/register")
async def register(request: Request) -> Response:
    """Signals only (JSON); answered once with the case number and the secret."""
    if not _same_origin(request):
        return _error(403, "origin")
    if not _csrf_ok(request):
        return _error(403, "csrf")
    state = protect_state(request)
    client = request.client.host if request.client else "unknown"
    state.limiter.check(client, time.monotonic())
    body = await request.body()
    if len(body) > MAX_BODY:
        return _error(413, "too_large")
    try:
        data = RegisterIn.model_validate(json.loads(body))
    except (ValueError, ValidationError):
        return _error(422, "invalid")
    if len(data.items) > state.service.max_items:
        return _error(422, "cap", max_items=state.service.max_items)
    try:
        await run_in_threadpool(state.service.spend, state.pow, data.challenge, data.nonce,
                                time.time())
    except ProofRejected as e:
        return _error(400, "pow", reason=e.reason)
    items = [ItemSignals(i.sha256, i.pdq, i.pdq_quality, i.variants, i.md5) for i in data.items]
    try:
        done = await run_in_threadpool(lambda: state.service.register(
            items, minor=data.minor, contact=data.contact))
    except CaseFull as e:
        return _error(422, "cap", max_items=e.cap)
    except InvalidArgument as e:
        return _error(422, "invalid", reason=str(e))
    return JSONResponse({"case_number": done.case_number, "secret": done.secret,
                         "items": done.items, "minor": done.minor}, status_code=201,
                        headers={"Cache-Control": "no-store"})
