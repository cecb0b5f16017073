"""Notice and action over HTTP (DSA art. 16, 17, 20).

Public, without a token (rate-limited per client address): ``POST /notices`` (acknowledged with a
case number and a secret shown once), ``POST /notices/status`` and ``POST /notices/appeal``
(case number and secret in the body, never in a URL). With a token of scope ``notices``: list,
read, assign, decide, decide appeals, export statements of reasons;
``audit`` (or ``admin``): the audit log.

Texts are returned as JSON strings exactly as they were written; escaping is the job of whatever
renders them.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from rempart.adapters.http.auth import TokenBucket
from rempart.adapters.http.deps import API_PREFIX, BackendDep, _scoped
from rempart.core.workflow import (
    Action,
    AppealOutcome,
    Category,
    NoticeState,
    StatementOfReasons,
    WorkflowError,
)
from rempart.services.notices import (
    NotAllowed,
    NoticeConflict,
    NoticeNotFound,
    NoticeService,
    Submission,
)
from rempart.services.users import Actor
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
NoticesToken = Annotated[ApiToken, _scoped("notices")]
AuditToken = Annotated[ApiToken, _scoped("audit")]
_MAX_BUCKETS = 100_000


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
    chat_id: int | None = None
    message_id: int | None = None
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


class DecisionIn(BaseModel):
    """``decided_by`` is the human who decided (a user name); ``statement`` the TDB fields."""

    model_config = ConfigDict(extra="forbid")
    decided_by: str
    action: Action
    summary: str = Field(max_length=5000)
    statement: dict[str, Any] | None = None


class AppealDecisionIn(BaseModel):
    """Decided by another human than the first decision; a reversal states the new action."""

    model_config = ConfigDict(extra="forbid")
    decided_by: str
    outcome: AppealOutcome
    reason: str = Field(max_length=5000)
    action: Action | None = None
    summary: str | None = Field(None, max_length=5000)
    statement: dict[str, Any] | None = None


class PublicLimiter:
    """A token bucket per client address for the public routes."""

    def __init__(self, per_minute: float, burst: int) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self._buckets: dict[str, TokenBucket] = {}
        self._lock = threading.Lock()

    def check(self, client: str, now: float) -> None:
        """Raise 429 when ``client`` has no token left."""
        with self._lock:
            bucket = self._buckets.get(client)
            if bucket is None:
                if len(self._buckets) >= _MAX_BUCKETS:
                    self._buckets.clear()
                bucket = self._buckets[client] = TokenBucket(self.rate, self.burst,
                                                             self.burst, now)
            wait = bucket.take(now)
        if wait > 0:
            raise HTTPException(429, "too many notices from this address: try again later",
                                headers={"Retry-After": str(max(1, math.ceil(wait)))})


def _state(request: Request, backend: BackendDep) -> tuple[NoticeService, PublicLimiter]:
    state = request.app.state
    with _INIT:
        if getattr(state, "notice_service", None) is None:
            settings = backend.settings.notices
            state.notice_service = NoticeService(SqlNoticeStore(backend.store.engine), settings)
            state.notice_limiter = PublicLimiter(settings.public_rate_per_minute,
                                                 settings.public_burst)
    return state.notice_service, state.notice_limiter


_INIT = threading.Lock()


def get_service(request: Request, backend: BackendDep) -> NoticeService:
    """The notice service of this app (made on first use, over the app's database)."""
    return _state(request, backend)[0]


def rate_limited(request: Request, backend: BackendDep) -> None:
    """429 when the client address sent too many public requests."""
    limiter = _state(request, backend)[1]
    guard = request.app.state.guard
    limiter.check(request.client.host if request.client else "unknown", guard.clock())


Service = Annotated[NoticeService, Depends(get_service)]
Limited = Depends(rate_limited)


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


def _statement(data: dict[str, Any] | None) -> StatementOfReasons | None:
    return None if data is None else StatementOfReasons.from_json(data)


def _actor(token: ApiToken) -> Actor:
    return Actor("token", f"{token.id}:{token.name}")


# --- public ---------------------------------------------------------------------------------


@router.post("/notices", status_code=201, response_model=ReceiptOut, dependencies=[Limited])
def submit_notice(body: NoticeIn, service: Service) -> ReceiptOut:
    """Report content (no account needed); answered at once with a case number and a secret."""
    receipt = service.submit(Submission(**body.model_dump()))
    return ReceiptOut(case_number=receipt.case_number, secret=receipt.secret,
                      received_at=receipt.received_at, escalated=receipt.escalated)


@router.post("/notices/status", dependencies=[Limited])
def notice_status(body: CaseSecretIn, service: Service) -> dict[str, Any]:
    """Where a notice stands: state, dates, the decision and the appeal (case and secret)."""
    with _http():
        return service.status(body.case_number, body.secret)


@router.post("/notices/appeal", dependencies=[Limited])
def appeal_notice(body: AppealIn, service: Service) -> dict[str, Any]:
    """Contest a decision within its window (at least six months)."""
    with _http():
        return service.appeal(body.case_number, body.secret, body.reason)


# --- moderators and integrations --------------------------------------------------------


@router.get("/notices")
def list_notices(
    service: Service,
    _: NoticesToken,
    state: Annotated[list[NoticeState] | None, Query()] = None,
    category: Category | None = None,
    deadline_before: datetime | None = None,
    escalated: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """Notices, most urgent deadline first."""
    flt = NoticeFilter(tuple(state or ()), category, utc(deadline_before), escalated)
    page = service.list(flt, limit, offset)
    return {"items": [service.to_json(n) for n in page.items], "total": page.total,
            "limit": limit, "offset": offset}


@router.get("/notices/{case_number}")
def get_notice(case_number: str, service: Service, _: NoticesToken) -> dict[str, Any]:
    """A notice with its decisions and appeal."""
    with _http():
        return service.detail(case_number)


@router.post("/notices/{case_number}/assign")
def assign_notice(
    case_number: str, body: AssignIn, service: Service, token: NoticesToken
) -> dict[str, Any]:
    """Put a notice in review with a moderator."""
    with _http():
        service.assign(case_number, body.assignee, _actor(token))
        return service.detail(case_number)


@router.post("/notices/{case_number}/decision")
def decide_notice(
    case_number: str, body: DecisionIn, service: Service, token: NoticesToken
) -> dict[str, Any]:
    """Decide a notice; any action but ``no_action`` carries a statement of reasons."""
    with _http():
        service.decide(case_number, body.decided_by, body.action, body.summary,
                       _statement(body.statement), _actor(token))
        return service.detail(case_number)


@router.post("/notices/{case_number}/appeal-decision")
def decide_appeal(
    case_number: str, body: AppealDecisionIn, service: Service, token: NoticesToken
) -> dict[str, Any]:
    """Decide the appeal of a notice (by someone else than the first decider)."""
    with _http():
        service.decide_appeal(case_number, body.decided_by, body.outcome, body.reason,
                              _actor(token), action=body.action, summary=body.summary,
                              statement=_statement(body.statement))
        return service.detail(case_number)


@router.get("/decisions")
def list_decisions(
    service: Service,
    _: NoticesToken,
    action: Action | None = None,
    decided_by: Annotated[str | None, Query(max_length=100)] = None,
    after_appeal: bool | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """Decisions across notices, newest first (``decided_by``: a console user name;
    ``after_appeal``: only those that replaced a decision after an appeal, or only first ones)."""
    user = service.user_id(decided_by) if decided_by else None
    if decided_by and user is None:
        return {"items": [], "total": 0, "limit": limit, "offset": offset}
    flt = DecisionFilter(action, user, utc(since), utc(until), after_appeal)
    page = service.decisions(flt, limit, offset)
    return {"items": page.items, "total": page.total, "limit": limit, "offset": offset}


@router.get("/appeals")
def list_appeals(
    service: Service,
    _: NoticesToken,
    open_only: Annotated[bool | None, Query(alias="open")] = None,
    outcome: AppealOutcome | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """Appeals (internal complaints) across notices: open ones first, oldest first
    (``open=true`` only those awaiting a decision, ``open=false`` only decided ones)."""
    flt = AppealFilter(open_only, outcome, utc(since), utc(until))
    page = service.appeals(flt, limit, offset)
    return {"items": page.items, "total": page.total, "limit": limit, "offset": offset}


@router.get("/statements")
def export_statements(
    service: Service,
    _: NoticesToken,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """Statements of reasons in the Transparency Database schema (up to 100, as its API takes
    them per call)."""
    page = service.statements(utc(since), utc(until), limit, offset)
    return {"statements": page.items, "total": page.total, "limit": limit, "offset": offset}


@router.get("/audit")
def audit_events(
    service: Service,
    _: AuditToken,
    actor_type: str | None = None,
    actor_id: str | None = None,
    action: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """The audit log, newest first."""
    flt = AuditFilter(actor_type, actor_id, action, object_type, object_id, utc(since),
                      utc(until))
    page = service.audit(flt, limit, offset)
    return {"items": [e.to_json() for e in page.items], "total": page.total,
            "limit": limit, "offset": offset}
