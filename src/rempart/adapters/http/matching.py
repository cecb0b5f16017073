"""``POST /api/v1/match``: an upload, or signals computed elsewhere, against the banks."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Collection
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from rempart.adapters.http.deps import (
    API_PREFIX,
    Backend,
    BackendDep,
    MatchToken,
    MetricsDep,
    sees_provenance,
)
from rempart.adapters.http.errors import BODY_ERRORS, TOKEN_ERRORS, responses
from rempart.adapters.http.health import UNAVAILABLE, Trusted
from rempart.adapters.http.metrics import Metrics
from rempart.adapters.http.schemas import MatchOut, SignalsIn
from rempart.adapters.http.uploads import MEDIA_BODY, content_type, read_body, read_media
from rempart.core.banks import normalize_signal
from rempart.core.matcher import Query as MatchQuery
from rempart.core.signals import vpdq
from rempart.core.tokens import ApiToken
from rempart.core.types import FrameHash, MediaHashes, PdqHash, PdqVariant
from rempart.services import banks as bank_service
from rempart.services.errors import InvalidSignal
from rempart.services.match_reports import MatchReport

router = APIRouter(prefix=API_PREFIX, tags=["matching"])

_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/SignalsIn"}},
            **MEDIA_BODY["requestBody"]["content"],  # type: ignore[index]
        },
    }
}


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
                 token: ApiToken | None) -> MatchReport:
    _check_banks(backend, banks)
    return backend.matching.match_query(query, banks, **seen_by(token))


async def match_signals(
    backend: Backend, query: MatchQuery, banks: list[str] | None,
    token: ApiToken | None = None,
) -> MatchReport:
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
        return MatchReport(query.hashes)
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
    """The integrator's view of one match of :meth:`MatchService.match_query`."""
    out = {"bank": match["bank"], "entry": ids(match["entry"])}
    for name in _PUBLIC_FIELDS:
        if name in match:
            out[name] = match[name]
    return out


def answer(
    report: MatchReport, ignored: list[str], metrics: Metrics, ids: EntryIds | None
) -> dict[str, Any]:
    """The JSON answer of a match call (counted in the metrics): in full for moderators
    (``ids`` None), else with :func:`public_match` views."""
    metrics.count_matches(report.matches)
    out = report.to_json()
    if ids is not None:
        out["matches"] = [public_match(m, ids) for m in report.matches]
        if report.allowlisted:
            out["allowlisted"] = [public_match(m, ids) for m in report.allowlisted]
    if ignored:
        out["ignored"] = ignored
    return out


def view_of(token: ApiToken, ids: EntryIds) -> EntryIds | None:
    """The ``ids`` argument of :func:`answer` for ``token``: None (full detail) for a
    moderator's token."""
    return None if sees_provenance(token) else ids


def match_upload(backend: Backend, data: bytes, banks: list[str] | None,
                 token: ApiToken | None = None) -> MatchReport:
    """The report of an upload sent by ``token``'s holder (blocking: run it in a thread)."""
    _check_banks(backend, banks)
    return backend.matching.match_bytes(data, banks, **seen_by(token))


@router.post(
    "/match", response_model=None,
    responses={200: {"model": MatchOut}, **TOKEN_ERRORS, **BODY_ERRORS,
               **responses(404, s404="A bank of the filter does not exist."), **UNAVAILABLE},
    openapi_extra=_BODY,
)
async def match(
    request: Request,
    backend: BackendDep,
    metrics: MetricsDep,
    token: MatchToken,
    _: Trusted,
    bank: Annotated[list[str] | None, Query(description="Only these banks (repeat).")] = None,
) -> JSONResponse:
    """Match an upload (multipart part ``file``, or a raw body) or JSON signals.

    ``matches`` lists each matched bank item: ``bank``, ``entry`` (an opaque id, stable per
    deployment), ``signal``, ``distance``, ``policy``, ``action``, ``bank_kind``. Tokens with
    the ``cases`` scope (moderators) get the `rempart match --jsonl` record instead: the entry's
    number, case number, source, content group and labels. 503 when matching cannot be trusted
    (see ``/readyz``).
    """
    ctype, _params = content_type(request)
    ignored: list[str] = []
    if ctype in ("application/json", ""):
        body = await read_body(request, backend.settings.http.max_json_bytes)
        try:
            signals = SignalsIn.model_validate_json(body)
        except ValidationError as e:
            raise RequestValidationError(e.errors(include_url=False)) from None
        query, ignored = to_query(signals)
        report = await match_signals(backend, query, bank or signals.banks, token)
    else:
        data, form = await read_media(request, backend.settings.http.max_upload_bytes)
        banks = bank or (form.values("bank") if form else None) or None
        try:
            report = await run_in_threadpool(match_upload, backend, data, banks, token)
        finally:
            del data
    ids: EntryIds = request.app.state.entry_ids
    return JSONResponse(answer(report, ignored, metrics, view_of(token, ids)))
