"""``POST /api/v1/match``: an upload, or signals computed elsewhere, against the banks.

One handler answers it, in four steps, each refusing as early as it can:

- **guard**: the ``match`` token, its scope and its rate limit, checked once by
  :class:`~rempart.adapters.http.token_first.TokenFirst` before the body is read (the handler
  takes the token it left in the scope); then 503 while matching cannot be trusted;
- **parse**: JSON signals (:class:`SignalsIn`, checked by :func:`to_query`) or media (multipart
  part ``file`` parsed while it streams, or a raw body), refused with 413 at the declared
  ``Content-Length`` or as soon as the stream passes its limit, before any hashing;
- **match**: :func:`match_signals` (the index on the event loop, a match described in a worker
  thread) or :func:`match_upload` (hashing in a worker thread);
- **answer**: :func:`answer` as JSON.

Errors are raised to the application's handlers (``errors.install``, ``health.install``), as
any route's are. Where the handler is mounted: :mod:`~rempart.adapters.http.match_mount`.

Example::

    await handle_match(scope, receive, send)     # scope["app"]: the FastAPI application
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Collection
from functools import partial
from typing import Any, cast, get_args

from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from python_multipart.multipart import parse_options_header
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.types import Receive, Scope, Send

from rempart.adapters.http.deps import (
    TOKEN_KEY,
    Backend,
    MatchToken,
    scope_of,
    sees_provenance,
)
from rempart.adapters.http.errors import PayloadTooLarge
from rempart.adapters.http.health import MatchingUnavailable, untrusted
from rempart.adapters.http.metrics import Metrics
from rempart.adapters.http.schemas import SignalsIn
from rempart.adapters.http.uploads import check_length, read_media
from rempart.core.banks import normalize_signal
from rempart.core.matcher import Query as MatchQuery
from rempart.core.signals import vpdq
from rempart.core.tokens import ApiToken
from rempart.core.types import FrameHash, MediaHashes, PdqHash, PdqVariant
from rempart.core.verdict import Verdict
from rempart.services import banks as bank_service
from rempart.services.errors import InvalidSignal
from rempart.services.match_reports import unmatched


def _hex(kind: str, value: str, where: str) -> str:
    try:
        return normalize_signal(kind, value)
    except ValueError as e:
        raise InvalidSignal(f"{where}: {e}") from None


def to_query(s: SignalsIn) -> tuple[MatchQuery, list[str]]:
    """Signals from JSON as a query; also names the signals that were ignored."""
    pdq = None
    if s.pdq is not None:
        raw, quality = (s.pdq, 100) if isinstance(s.pdq, str) else (s.pdq.hash, s.pdq.quality)
        pdq = PdqHash(_hex("pdq", raw, "pdq"), quality)
    variants = []
    for i, v in enumerate(s.pdq_variants):
        if isinstance(v, str):
            variants.append(PdqVariant(f"variant{i}", _hex("pdq", v, f"pdq_variants[{i}]"), 100))
        else:
            h = _hex("pdq", v.hash, f"pdq_variants[{i}]")
            variants.append(PdqVariant(v.variant, h, v.quality))
    frames: tuple[FrameHash, ...] = ()
    if s.vpdq:  # an empty list: an image record from POST /hash
        try:
            if isinstance(s.vpdq, str):
                frames = vpdq.parse(s.vpdq)
            else:
                items = [f if isinstance(f, str) else f.model_dump() for f in s.vpdq]
                frames = vpdq.parse(json.dumps(items))
        except ValueError as e:
            raise InvalidSignal(f"vpdq: {e}") from None
    md5 = _hex("md5", s.md5, "md5") if s.md5 else ""
    sha256 = _hex("sha256", s.sha256, "sha256") if s.sha256 else ""
    if pdq is None and not variants and not frames and not md5 and not sha256:
        raise InvalidSignal("no signal to match: give pdq, pdq_variants, md5, sha256 or vpdq")
    hashes = MediaHashes(
        kind="video" if frames else "image", md5=md5, sha256=sha256, size=0, pdq=pdq,
        pdq_variants=tuple(variants), vpdq=frames,
    )
    return MatchQuery(hashes), (["orb"] if s.orb else [])


def _check_banks(backend: Backend, banks: Collection[str] | None) -> None:
    # A misspelt bank name must not silently match nothing.
    for name in banks or ():
        bank_service.get_bank(backend.store, name)


def seen_by(token: ApiToken | None) -> dict[str, Any]:
    """Where an API match is seen, as :meth:`MatchService.match_query` takes it: the token is
    the flood guard's place (``api:<token id>``) and the location of the review items its
    matches of unconfirmed entries raise (``source='api'``)."""
    if token is None:
        return {}
    return {"place": f"api:{token.id}", "review_source": "api",
            "location": {"platform": "api", "token_id": token.id, "token": token.name}}


def _match_query(backend: Backend, query: MatchQuery, banks: list[str] | None,
                 token: ApiToken | None) -> Verdict:
    _check_banks(backend, banks)
    return backend.matching.match_query(query, banks, **seen_by(token))


async def match_signals(
    backend: Backend, query: MatchQuery, banks: list[str] | None,
    token: ApiToken | None = None,
) -> Verdict:
    """The report of signals sent by ``token``'s holder.

    Most lookups at upload time match nothing: without a bank filter, the index is queried on
    the event loop and an empty answer is given at once. Anything else (a match to describe
    from the store, hits and review items to record, bank names to check) goes on in a worker
    thread, which reuses the lookup already made.
    """
    if banks:
        return await run_in_threadpool(_match_query, backend, query, banks, token)
    outcome = backend.matching.matcher.match(query)
    if not outcome.matches and not outcome.allowlisted:
        return unmatched(query.hashes)
    return await run_in_threadpool(
        partial(backend.matching.match_query, outcome=outcome, **seen_by(token)), query)


class EntryIds:
    """Opaque entry ids for integrators: an HMAC of the entry id under a server key, stable
    while the key is (``http.entry_id_secret``), meaningless without it.

    Example::

        EntryIds(b"key")(42)     # '5c0d…' (24 hexadecimal characters)
    """

    def __init__(self, key: bytes) -> None:
        self._key = key

    def __call__(self, entry_id: int) -> str:
        mac = hmac.new(self._key, b"rempart.entry:%d" % entry_id, hashlib.sha256)
        return mac.hexdigest()[:24]


# What an integrator is told of a match: what to do and how close, never where the entry comes
# from (case number, source, content group, victims' labels). A field added to the match
# record later stays out of this view until it is named here.
_PUBLIC_FIELDS = ("signal", "distance", "policy", "action", "bank_kind", "on_hold",
                  "entry_variant", "detail")


def public_match(match: dict[str, Any], ids: EntryIds) -> dict[str, Any]:
    """The integrator's view of one match, as :meth:`Verdict.to_json` gives it."""
    out = {"bank": match["bank"], "entry": ids(match["entry"])}
    for name in _PUBLIC_FIELDS:
        if name in match:
            out[name] = match[name]
    return out


def answer(
    verdict: Verdict, ignored: list[str], metrics: Metrics, ids: EntryIds | None
) -> dict[str, Any]:
    """The JSON answer of a match call (counted in the metrics): in full for moderators
    (``ids`` None), else with :func:`public_match` views."""
    metrics.count_matches(verdict.matches)
    out = verdict.to_json()
    if ids is not None:
        out["matches"] = [public_match(m, ids) for m in out["matches"]]
        if "allowlisted" in out:
            out["allowlisted"] = [public_match(m, ids) for m in out["allowlisted"]]
    if ignored:
        out["ignored"] = ignored
    return out


def view_of(token: ApiToken, ids: EntryIds) -> EntryIds | None:
    """The ``ids`` argument of :func:`answer` for ``token``: None (full detail) for a
    moderator's token."""
    return None if sees_provenance(token) else ids


def match_upload(backend: Backend, data: bytes, banks: list[str] | None,
                 token: ApiToken | None = None) -> Verdict:
    """The report of an upload sent by ``token``'s holder (blocking: run it in a thread)."""
    _check_banks(backend, banks)
    return backend.matching.match_bytes(data, banks, **seen_by(token))


# -- the handler --------------------------------------------------------------------------

_JSON = ("application/json", "")
_match_token = get_args(MatchToken)[1].dependency  # the route's own token dependency
_MATCH_SCOPE = cast(str, scope_of(_match_token))  # "match"
_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))


async def handle_match(scope: Scope, receive: Receive, send: Send) -> None:
    """``POST /api/v1/match`` answered: guard, parse, match, answer (see the module
    docstring)."""
    await send_answer(send, await match_answer(scope, receive))


async def match_answer(scope: Scope, receive: Receive) -> bytes:
    """The body of a 200 answer to ``POST /api/v1/match``; any refusal is raised before
    anything is sent (the caller's exception handlers answer it)."""
    state = scope["app"].state
    backend: Backend = state.backend
    token: ApiToken | None = scope.get(TOKEN_KEY)  # TokenFirst's check
    if token is None or not token.allows(_MATCH_SCOPE):
        token = await _match_token(Request(scope, receive))  # not behind TokenFirst
    reason = untrusted(backend)
    if reason is not None:
        raise MatchingUnavailable(reason)
    banks = Request(scope).query_params.getlist("bank") if scope.get("query_string") else []
    limits = backend.settings.http
    ignored: list[str] = []
    raw_type, declared = _headers(scope)
    if raw_type == b"application/json" or _media_type(raw_type) in _JSON:
        signals = _signals(await _read_json(receive, declared, limits.max_json_bytes))
        query, ignored = to_query(signals)
        verdict = await match_signals(backend, query, banks or signals.banks, token)
    else:
        data, form = await read_media(Request(scope, receive), limits.max_upload_bytes)
        if not banks and form is not None:
            banks = form.values("bank")
        try:
            verdict = await run_in_threadpool(match_upload, backend, data, banks or None, token)
        finally:
            del data
    out = answer(verdict, ignored, state.metrics, view_of(token, state.entry_ids))
    return _ENCODER.encode(out).encode()


def _headers(scope: Scope) -> tuple[bytes, bytes | None]:
    """The first ``Content-Type`` (empty if none) and ``Content-Length`` of a request."""
    raw_type: bytes | None = None
    declared: bytes | None = None
    for key, value in scope["headers"]:
        if key == b"content-type":
            raw_type = value if raw_type is None else raw_type
        elif key == b"content-length":
            declared = value if declared is None else declared
    return raw_type or b"", declared


def _media_type(raw: bytes) -> str:
    return parse_options_header(raw)[0].decode("latin-1").lower()


async def _read_json(receive: Receive, declared: bytes | None, limit: int) -> bytes:
    """A JSON body, as ``uploads.read_body`` reads one (413 at the declared length or as soon
    as the stream passes ``limit``), straight from ``receive``: the lookup's hot path."""
    check_length(declared, limit)
    buf = bytearray()
    while True:
        message = await receive()
        if message["type"] == "http.request":
            buf += message.get("body", b"")
            if len(buf) > limit:
                raise PayloadTooLarge(limit)
            if not message.get("more_body", False):
                return bytes(buf)
        elif message["type"] == "http.disconnect":
            raise ClientDisconnect


async def send_answer(send: Send, body: bytes) -> None:
    """Send ``body`` (from :func:`match_answer`) as a 200 JSON answer."""
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", b"%d" % len(body))]})
    await send({"type": "http.response.body", "body": body})


def _signals(body: bytes) -> SignalsIn:
    try:
        return SignalsIn.model_validate_json(body)
    except ValidationError as e:
        raise RequestValidationError(e.errors(include_url=False)) from None
