"""The victim portal, no account: ``/protect`` registers images by their signals
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
- a token bucket per client address behind the trusted proxies, shared by every process
  (``protect_rate_per_minute``, ``protect_burst``), the cap of
  items per case (``protect_max_items``) and a body size limit; the banks' allowlist and flood
  rules apply to the registered signals at matching time.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from rempart.adapters.http.deps import Backend
from rempart.adapters.http.public_routes import PublicLimiter
from rempart.adapters.web.protect_items import (
    TRACKS,
    AddIn,
    RegisterIn,
    TooLarge,
    body_ceiling,
    body_need,
    read_body,
)
from rempart.adapters.web.session import CSRF_COOKIE, render, state_of
from rempart.services.case_items import ItemSignals
from rempart.services.cases import CaseClosed, CaseFull, CaseNotFound, CaseService
from rempart.services.errors import InvalidArgument
from rempart.services.proof_of_work import ProofOfWork, ProofRejected

router = APIRouter(include_in_schema=False)
CSRF_HEADER = "x-csrf-token"
# The thumbnails are object URLs (blob:) of the person's own files, shown locally; videos are
# read from object URLs too (frames drawn to a canvas and hashed on the device).
PROTECT_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob:; "
               "media-src 'self' blob:; connect-src 'self'; form-action 'self'; "
               "frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
_CASE_NUMBER = re.compile(r"^VIC-\d{4}-\d{6,}$")
_Body = TypeVar("_Body", RegisterIn, AddIn)


@dataclass
class ProtectState:
    """The portal's service, its proofs of work (the portal's and the report form's, keyed
    apart from the deployment's secret: a challenge issued by one process is checked by
    whichever receives the answer) and its limiter."""

    service: CaseService
    pow: ProofOfWork
    report_pow: ProofOfWork
    limiter: PublicLimiter


def make_protect_state(backend: Backend) -> ProtectState:
    """The portal's state over ``backend``'s case service."""
    s = backend.settings.web
    key = hmac.new(backend.secret.encode(), b"rempart.protect.pow", hashlib.sha256).digest()
    report_key = hmac.new(key, b"rempart.report.pow", hashlib.sha256).digest()
    return ProtectState(
        backend.cases,
        ProofOfWork(key, s.protect_pow_bits, s.protect_challenge_seconds),
        ProofOfWork(report_key, s.report_pow_bits, s.protect_challenge_seconds),
        PublicLimiter(backend, "protect", s.protect_rate_per_minute, s.protect_burst))


def protect_state(request: Request) -> ProtectState:
    """The portal's state of this application (made by ``mount``)."""
    found: ProtectState = request.app.state.protect
    return found


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
    """Register images and videos; ``?case=VIC-…`` adds them to that case (its secret is
    asked for in the page, never in a URL)."""
    state = protect_state(request)
    hashing = state_of(request).backend.settings.hashing
    case = request.query_params.get("case", "").strip().upper()[:32]
    return _page(request, "protect.html", max_items=state.service.max_items,
                 bits=state.pow.bits, case_number=case if _CASE_NUMBER.match(case) else "",
                 add_mode="case" in request.query_params, video_fps=hashing.video_fps,
                 max_video_seconds=int(hashing.limits.max_video_seconds),
                 max_video_frames=hashing.limits.max_video_frames,
                 max_bytes=hashing.limits.max_bytes)


@router.get("/protect/challenge")
def challenge(request: Request) -> JSONResponse:
    """A fresh proof-of-work challenge and its difficulty (zero bits)."""
    state = protect_state(request)
    return JSONResponse({"challenge": state.pow.issue(time.time()), "bits": state.pow.bits},
                        headers={"Cache-Control": "no-store"})


@router.post("/protect/register")
async def register(request: Request) -> Response:
    """Signals only (JSON); answered once with the case number and the secret."""
    def store(service: CaseService, data: RegisterIn,
              items: list[ItemSignals]) -> dict[str, Any]:
        done = service.register(items, minor=data.minor, contact=data.contact)
        return {"case_number": done.case_number, "secret": done.secret, "items": done.items,
                "minor": done.minor}

    return await _store_signals(request, RegisterIn, store)


@router.post("/protect/add")
async def add(request: Request) -> Response:
    """Signals appended to an existing open case (case number and secret in the body)."""
    def store(service: CaseService, data: AddIn, items: list[ItemSignals]) -> dict[str, Any]:
        done = service.add_items(data.case_number, data.secret, items)
        return {"case_number": done.case_number, "items": done.items}

    return await _store_signals(request, AddIn, store)


async def _store_signals(
        request: Request, model: type[_Body],
        store: Callable[[CaseService, _Body, list[ItemSignals]], dict[str, Any]]) -> Response:
    """The checked request's items given to ``store``; its answer as JSON (201), or the
    error of a case not found, closed or full, or of items the service refuses."""
    state = protect_state(request)
    data = await _signals_request(request, state, model)
    if isinstance(data, Response):
        return data
    items = [i.signals() for i in data.items]
    try:
        answer = await run_in_threadpool(store, state.service, data, items)
    except CaseNotFound:
        return _error(404, "not_found")
    except CaseClosed:
        return _error(409, "closed")
    except CaseFull as e:
        return _error(422, "cap", max_items=e.cap)
    except InvalidArgument as e:
        return _error(422, "invalid", reason=str(e))
    return JSONResponse(answer, status_code=201, headers={"Cache-Control": "no-store"})


async def _signals_request(request: Request, state: ProtectState,
                           model: type[_Body]) -> _Body | Response:
    """The checks shared by registering and adding: same origin, CSRF token, rate, a body no
    larger than its signals need, caps of items and frames, then the proof-of-work (spent)."""
    if not _same_origin(request):
        return _error(403, "origin")
    if not _csrf_ok(request):
        return _error(403, "csrf")
    await state.limiter.acheck(request)
    service = state.service
    try:
        body = await read_body(request.stream(),
                               body_ceiling(service.max_items, service.max_frames))
    except TooLarge:
        return _error(413, "too_large")
    try:
        data = model.model_validate(json.loads(body))
    except (ValueError, RecursionError, ValidationError):  # RecursionError: deep nesting
        # Not signals: past what photos alone could need, it is a body too large.
        if len(body) > body_ceiling(service.max_items, 0):
            return _error(413, "too_large")
        return _error(422, "invalid")
    if len(data.items) > service.max_items:
        return _error(422, "cap", max_items=service.max_items)
    # A view's track holds a hash per frame: TRACKS × the frame cap at most, all tracks told.
    if (sum(len(i.frames) for i in data.items) > service.max_frames
            or sum(i.frame_count() for i in data.items) > TRACKS * service.max_frames):
        return _error(422, "cap", max_frames=service.max_frames)
    if len(body) > body_need(data.items):
        return _error(413, "too_large")
    try:
        await run_in_threadpool(service.spend, state.pow, data.challenge, data.nonce,
                                time.time())
    except ProofRejected as e:
        return _error(400, "pow", reason=e.reason)
    return data
