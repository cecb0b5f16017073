"""Notice and action over HTTP (DSA art. 16, 17, 20).

Public, without a token (rate-limited per client address): ``POST /notices`` (acknowledged with a
case number and a secret shown once), ``POST /notices/status`` and ``POST /notices/appeal``
(case number and secret in the body, never in a URL). The public routes take the rate limit
first, then read their small bodies streaming under :data:`PUBLIC_BODY_BYTES`. An anonymous
``POST /notices`` carries the proof of work of the report form (``/report``): a challenge from
``GET /report/challenge`` solved on the device, sent in ``X-Proof-Challenge`` and
``X-Proof-Nonce``; a caller with a token of scope ``notices`` (a trusted flagger, a platform
forwarding its users' notices) sends that instead. With a token of scope ``notices``: list,
read, assign, export statements of reasons; ``audit`` (or ``admin``): the audit log. Decisions
and appeal decisions are taken by a person signed in to the console: a token is refused (403).

Texts are returned as JSON strings exactly as they were written; escaping is the job of whatever
renders them.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Header, HTTPException, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from rempart.adapters.http.client_ip import client_ip
from rempart.adapters.http.deps import API_PREFIX, BackendDep, _scoped
from rempart.adapters.http.errors import BODY_ERRORS, TOKEN_ERRORS, responses
from rempart.adapters.http.schemas import Int64, PageOffset, Timestamp
from rempart.adapters.http.uploads import check_declared, read_body
from rempart.core.workflow import (
    Action,
    AppealOutcome,
    Category,
    NoticeState,
    WorkflowError,
)
from rempart.services.notices import (
    NotAllowed,
    NoticeConflict,
    NoticeNotFound,
    NoticeService,
    Submission,
)
from rempart.services.rate_limits import LimiterUnavailable, SharedLimiter
from rempart.services.users import Actor
from rempart.store.limits import RateStore
from rempart.store.notices import (
    AppealFilter,
    AuditFilter,
    DecisionFilter,
    NoticeFilter,
    SqlNoticeStore,
)
from rempart.store.rows import utc
from rempart.store.tokens import ApiToken

router = APIRouter(prefix=API_PREFIX, tags=["notices"])
PUBLIC_BODY_BYTES = 128 * 1024
"""The largest body of a public route (a notice: 10,000 characters and a few links, escaped)."""
_PUBLIC = {**BODY_ERRORS, **responses(429, 503)}
_TOKEN = {**TOKEN_ERRORS, **responses(422)}
_NOTICE = {**_TOKEN, **responses(404, s404="No notice has this case number.")}
NoticesToken = Annotated[ApiToken, _scoped("notices")]
AuditToken = Annotated[ApiToken, _scoped("audit")]


class NoticeIn(BaseModel):
    """A report: where the content is, what it is and why it is illegal. Contact is optional
    (and never needed for child sexual abuse)."""

    model_config = ConfigDict(extra="forbid")
    category: Category
    explanation: str = Field(max_length=10_000)
    good_faith: bool = False
    imminent_danger: bool = False
    message_link: str | None = Field(None, max_length=2000)
    invite_link: str | None = Field(None, max_length=2000)
    chat_id: Int64 | None = None
    message_id: Int64 | None = None
    location_text: str | None = Field(None, max_length=2000)
    contact_name: str | None = Field(None, max_length=200)
    contact_email: str | None = Field(None, max_length=320)


class ReceiptOut(BaseModel):
    """Keep the secret: it is the only way to follow the notice, and it is not stored."""

    case_number: str
    secret: str
    received_at: datetime
    escalated: bool


class CaseSecretIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    case_number: str = Field(max_length=32)
    secret: str = Field(max_length=200)


class AppealIn(CaseSecretIn):
    reason: str = Field(max_length=5000)


class AssignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    assignee: str


class PersonOnlyOut(BaseModel):
    """Why a token may not do this: a person decides, signed in to the console."""

    detail: str
    code: str = "person_required"


class PublicLimiter:
    """A token bucket per client address (behind the trusted proxies) for the public routes,
    shared by every process (:class:`SharedLimiter`); 429 when empty, 503 when the shared
    store is unreachable."""

    def __init__(self, store: RateStore, name: str, per_minute: float, burst: int) -> None:
        self.shared = SharedLimiter(store, name, per_minute, burst)

    def check(self, client: str) -> None:
        """Raise 429 when ``client`` has no token left (a blocking call: use a thread)."""
        try:
            wait = self.shared.wait(client)
        except LimiterUnavailable as e:
            raise HTTPException(503, str(e), headers={"Retry-After": "5"}) from None
        if wait > 0:
            raise HTTPException(429, "too many requests from this address: try again later",
                                headers={"Retry-After": str(max(1, math.ceil(wait)))})

    async def acheck(self, request: Request) -> None:
        """:meth:`check` for the client of ``request``, off the event loop."""
        await run_in_threadpool(self.check, client_ip(request))


def _state(request: Request, backend: BackendDep) -> tuple[NoticeService, PublicLimiter]:
    state = request.app.state
    with _INIT:
        if getattr(state, "notice_service", None) is None:
            settings = backend.settings.notices
            state.notice_service = NoticeService(SqlNoticeStore(backend.store.engine), settings)
            state.notice_limiter = PublicLimiter(backend.limits, "notice",
                                                 settings.public_rate_per_minute,
                                                 settings.public_burst)
    return state.notice_service, state.notice_limiter


_INIT = threading.Lock()


def get_service(request: Request, backend: BackendDep) -> NoticeService:
    """The notice service of this app (made on first use, over the app's database)."""
    return _state(request, backend)[0]


def rate_limited(request: Request, backend: BackendDep) -> None:
    """429 when the client address sent too many public requests (blocking: a sync
    dependency runs in a thread; async views await :func:`limit_public`)."""
    _state(request, backend)[1].check(client_ip(request))


async def limit_public(request: Request) -> None:
    """:func:`rate_limited` off the event loop, for async views of the public pages."""
    await run_in_threadpool(rate_limited, request, request.app.state.backend)


Service = Annotated[NoticeService, Depends(get_service)]


@contextmanager
def _http() -> Iterator[None]:
    """Domain errors of the workflow as HTTP statuses."""
    try:
        yield
    except NoticeNotFound as e:
        raise HTTPException(404, str(e)) from None
    except NotAllowed as e:
        raise HTTPException(403, str(e)) from None
    except NoticeConflict as e:
        raise HTTPException(409, {"message": str(e), "code": e.code}) from None
    except WorkflowError as e:  # a statement of reasons outside the TDB schema
        raise HTTPException(422, {"message": str(e), "code": e.code}) from None


def _actor(token: ApiToken) -> Actor:
    return Actor("token", f"{token.id}:{token.name}")


# --- public ---------------------------------------------------------------------------------


_Model = TypeVar("_Model", bound=BaseModel)


async def public_body(request: Request, model: type[_Model]) -> _Model:
    """The body of a public route as ``model``: read streaming (413 past
    :data:`PUBLIC_BODY_BYTES`), then validated (422, or 400 when it is not JSON)."""
    body = await read_body(request, PUBLIC_BODY_BYTES)
    try:
        return model.model_validate_json(body)
    except ValidationError as e:
        errors = [{**err, "loc": ("body", *err["loc"])} for err in e.errors(include_url=False)]
        raise RequestValidationError(errors) from None


def _body_of(model: type[BaseModel]) -> dict[str, Any]:
    """``openapi_extra`` documenting a JSON body the route reads itself."""
    return {"requestBody": {"required": True, "content": {"application/json": {
        "schema": {"$ref": f"#/components/schemas/{model.__name__}"}}}}}


PUBLIC_MODELS: tuple[type[BaseModel], ...] = (NoticeIn, CaseSecretIn, AppealIn)
"""The bodies the public routes read themselves (kept in the OpenAPI document by ``api.py``)."""
_PROOF_REFUSED = responses(403, s403="An anonymous notice without a valid proof of work, or "
                                      "a token lacking the `notices` scope.")


async def _admitted(request: Request, challenge: str | None, nonce: str | None) -> None:
    """A notice's sender may send it: a token of scope ``notices`` (its own rate limit), or
    the public rate limit of its address and a proof of work spent now (403 otherwise)."""
    authorization = request.headers.get("authorization")
    if authorization is not None:
        await request.app.state.guard.check(authorization, "notices")
        return
    await limit_public(request)
    from rempart.adapters.web.public import spend_report_proof  # the /report form's proof

    if not await spend_report_proof(request, challenge or "", nonce or ""):
        raise HTTPException(403, {"message": "a proof of work is needed: solve a challenge of "
                                  "GET /report/challenge and send X-Proof-Challenge and "
                                  "X-Proof-Nonce (each challenge once)", "code": "proof_needed"})


@router.post("/notices", status_code=201, response_model=ReceiptOut,
             responses={**_PUBLIC, **responses(401), **_PROOF_REFUSED},
             openapi_extra=_body_of(NoticeIn))
async def submit_notice(
    request: Request,
    service: Service,
    challenge: Annotated[str | None, Header(
        alias="X-Proof-Challenge", max_length=200,
        description="A challenge of `GET /report/challenge` (anonymous senders).")] = None,
    nonce: Annotated[str | None, Header(
        alias="X-Proof-Nonce", max_length=40,
        description="Its solution: `sha256(challenge + nonce)` starts with `bits` zero bits."
    )] = None,
) -> ReceiptOut:
    """Report content (no account needed); answered at once with a case number and a secret.

    Anonymous: rate-limited per address and a proof of work in ``X-Proof-Challenge`` and
    ``X-Proof-Nonce`` (the report form's, see the module); or a token of scope ``notices``.
    """
    check_declared(request, PUBLIC_BODY_BYTES)  # a proof is not spent on a body refused anyway
    await _admitted(request, challenge, nonce)
    body = await public_body(request, NoticeIn)
    receipt = await run_in_threadpool(service.submit, Submission(**body.model_dump()))
    return ReceiptOut(case_number=receipt.case_number, secret=receipt.secret,
                      received_at=receipt.received_at, escalated=receipt.escalated)


@router.post("/notices/status", openapi_extra=_body_of(CaseSecretIn), responses={
    **_PUBLIC, **responses(404, s404="No notice has this case number and secret.")})
async def notice_status(request: Request, service: Service) -> dict[str, Any]:
    """Where a notice stands: state, dates, the decision and the appeal (case and secret)."""
    await limit_public(request)
    body = await public_body(request, CaseSecretIn)
    with _http():
        found: dict[str, Any] = await run_in_threadpool(service.status, body.case_number,
                                                        body.secret)
    return found


@router.post("/notices/appeal", openapi_extra=_body_of(AppealIn), responses={
    **_PUBLIC, **responses(404, 409, s404="No notice has this case number and secret.",
                           s409="No decision to appeal, or the appeal window is closed.")})
async def appeal_notice(request: Request, service: Service) -> dict[str, Any]:
    """Contest a decision within its window (at least six months)."""
    await limit_public(request)
    body = await public_body(request, AppealIn)
    with _http():
        found: dict[str, Any] = await run_in_threadpool(service.appeal, body.case_number,
                                                        body.secret, body.reason)
    return found


# --- moderators and integrations --------------------------------------------------------


@router.get("/notices", responses=_TOKEN)
def list_notices(
    service: Service,
    _: NoticesToken,
    state: Annotated[list[NoticeState] | None, Query()] = None,
    category: Category | None = None,
    deadline_before: Timestamp | None = None,
    escalated: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: PageOffset = 0,
) -> dict[str, Any]:
    """Notices, most urgent deadline first."""
    flt = NoticeFilter(tuple(state or ()), category, utc(deadline_before), escalated)
    page = service.list(flt, limit, offset)
    return {"items": [service.to_json(n) for n in page.items], "total": page.total,
            "limit": limit, "offset": offset}


@router.get("/notices/{case_number}", responses=_NOTICE)
def get_notice(case_number: str, service: Service, _: NoticesToken) -> dict[str, Any]:
    """A notice with its decisions and appeal."""
    with _http():
        return service.detail(case_number)


@router.post("/notices/{case_number}/assign", responses={
    **_NOTICE, **BODY_ERRORS, **responses(403, 409, s403="The assignee may not review notices.")})
def assign_notice(
    case_number: str, body: AssignIn, service: Service, token: NoticesToken
) -> dict[str, Any]:
    """Put a notice in review with a moderator."""
    with _http():
        service.assign(case_number, body.assignee, _actor(token))
        return service.detail(case_number)


# A decision names the person who took it (DSA art. 17, and art. 20: an appeal is decided by
# someone else, under human supervision). A token is not a person and cannot vouch for one: a
# user name it sends would be believed blindly. Decisions are taken in the console, by the
# signed-in moderator; these routes only say so.
_PERSON_ONLY: dict[int | str, dict[str, Any]] = {
    403: {"model": PersonOnlyOut,
          "description": "Always: decisions are taken by a person signed in to the console."},
}


def _person_only(what: str, case_number: str) -> JSONResponse:
    return JSONResponse(PersonOnlyOut(detail=(
        f"{what} are taken by a person signed in to the console"
        f" (/console/notices/{case_number}), never by an API token")).model_dump(),
        status_code=403)


@router.post("/notices/{case_number}/decision", deprecated=True, response_model=None,
             responses={**_TOKEN, **_PERSON_ONLY})
def decide_notice(case_number: Annotated[str, Path(max_length=32)],
                  _: NoticesToken) -> JSONResponse:
    """Refused to tokens (403): a moderator decides a notice in the console, and the decision
    records who."""
    return _person_only("decisions on notices", case_number)


@router.post("/notices/{case_number}/appeal-decision", deprecated=True, response_model=None,
             responses={**_TOKEN, **_PERSON_ONLY})
def decide_appeal(case_number: Annotated[str, Path(max_length=32)],
                  _: NoticesToken) -> JSONResponse:
    """Refused to tokens (403): an appeal is decided in the console by a signed-in person other
    than the one who took the first decision."""
    return _person_only("decisions on appeals", case_number)


@router.get("/decisions", responses=_TOKEN)
def list_decisions(
    service: Service,
    _: NoticesToken,
    action: Action | None = None,
    decided_by: Annotated[str | None, Query(max_length=100)] = None,
    after_appeal: bool | None = None,
    since: Timestamp | None = None,
    until: Timestamp | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: PageOffset = 0,
) -> dict[str, Any]:
    """Decisions across notices, newest first (``decided_by``: a console user name;
    ``after_appeal``: only those that replaced a decision after an appeal, or only first ones)."""
    user = service.user_id(decided_by) if decided_by else None
    if decided_by and user is None:
        return {"items": [], "total": 0, "limit": limit, "offset": offset}
    flt = DecisionFilter(action, user, utc(since), utc(until), after_appeal)
    page = service.decisions(flt, limit, offset)
    return {"items": page.items, "total": page.total, "limit": limit, "offset": offset}


@router.get("/appeals", responses=_TOKEN)
def list_appeals(
    service: Service,
    _: NoticesToken,
    open_only: Annotated[bool | None, Query(alias="open")] = None,
    outcome: AppealOutcome | None = None,
    since: Timestamp | None = None,
    until: Timestamp | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: PageOffset = 0,
) -> dict[str, Any]:
    """Appeals (internal complaints) across notices: open ones first, oldest first
    (``open=true`` only those awaiting a decision, ``open=false`` only decided ones)."""
    flt = AppealFilter(open_only, outcome, utc(since), utc(until))
    page = service.appeals(flt, limit, offset)
    return {"items": page.items, "total": page.total, "limit": limit, "offset": offset}


@router.get("/statements", responses=_TOKEN)
def export_statements(
    service: Service,
    _: NoticesToken,
    since: Timestamp | None = None,
    until: Timestamp | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 100,
    offset: PageOffset = 0,
) -> dict[str, Any]:
    """Statements of reasons in the Transparency Database schema (up to 100, as its API takes
    them per call)."""
    page = service.statements(utc(since), utc(until), limit, offset)
    return {"statements": page.items, "total": page.total, "limit": limit, "offset": offset}


@router.get("/audit", responses=_TOKEN)
def audit_events(
    service: Service,
    _: AuditToken,
    actor_type: str | None = None,
    actor_id: str | None = None,
    action: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    since: Timestamp | None = None,
    until: Timestamp | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: PageOffset = 0,
) -> dict[str, Any]:
    """The audit log, newest first."""
    flt = AuditFilter(actor_type, actor_id, action, object_type, object_id, utc(since),
                      utc(until))
    page = service.audit(flt, limit, offset)
    return {"items": [e.to_json() for e in page.items], "total": page.total,
            "limit": limit, "offset": offset}
