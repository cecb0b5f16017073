"""Moderators' and integrations' notice routes (DSA art. 16, 17, 20), behind a token.

With a token of scope ``notices``: list, read, assign, export statements of reasons; ``audit``
(or ``admin``): the audit log. Decisions and appeal decisions are taken by a person signed in to
the console: a token is refused (403). The public routes (submit, status, appeal) are in
:mod:`notice_intake`.

Texts are returned as JSON strings exactly as they were written; escaping is the job of whatever
renders them.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict

from rempart.adapters.http.deps import API_PREFIX, Notices, scoped, token_actor
from rempart.adapters.http.errors import BODY_ERRORS, TOKEN_ERRORS, responses
from rempart.adapters.http.notice_deps import Window, notice_errors
from rempart.adapters.http.schemas import PageLimit, PageOffset, Timestamp, page_json
from rempart.core.audit import AuditFilter
from rempart.core.clock import utc
from rempart.core.notices import AppealFilter, DecisionFilter, NoticeFilter
from rempart.core.tokens import ApiToken
from rempart.core.workflow import Action, AppealOutcome, Category, NoticeState

router = APIRouter(prefix=API_PREFIX, tags=["notices"])
_TOKEN = {**TOKEN_ERRORS, **responses(422)}
_NOTICE = {**_TOKEN, **responses(404, s404="No notice has this case number.")}
NoticesToken = Annotated[ApiToken, scoped("notices")]
AuditToken = Annotated[ApiToken, scoped("audit")]


class AssignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    assignee: str


class PersonOnlyOut(BaseModel):
    """Why a token may not do this: a person decides, signed in to the console."""

    detail: str
    code: str = "person_required"


@router.get("/notices", responses=_TOKEN)
def list_notices(
    service: Notices,
    _: NoticesToken,
    state: Annotated[list[NoticeState] | None, Query()] = None,
    category: Category | None = None,
    deadline_before: Timestamp | None = None,
    escalated: bool | None = None,
    limit: PageLimit = 50,
    offset: PageOffset = 0,
) -> dict[str, Any]:
    """Notices, most urgent deadline first."""
    flt = NoticeFilter(tuple(state or ()), category, utc(deadline_before), escalated)
    page = service.list(flt, limit, offset)
    return page_json([service.to_json(n) for n in page.items], page.total, limit, offset)


@router.get("/notices/{case_number}", responses=_NOTICE)
def get_notice(case_number: str, service: Notices, _: NoticesToken) -> dict[str, Any]:
    """A notice with its decisions and appeal."""
    with notice_errors():
        return service.detail(case_number)


@router.post("/notices/{case_number}/assign", responses={
    **_NOTICE, **BODY_ERRORS, **responses(403, 409, s403="The assignee may not review notices.")})
def assign_notice(
    case_number: str, body: AssignIn, service: Notices, token: NoticesToken
) -> dict[str, Any]:
    """Put a notice in review with a moderator."""
    with notice_errors():
        service.assign(case_number, body.assignee, token_actor(token))
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
    service: Notices,
    _: NoticesToken,
    action: Action | None = None,
    decided_by: Annotated[str | None, Query(max_length=100)] = None,
    after_appeal: bool | None = None,
    *,
    window: Window,  # keyword-only: its query parameters (since, until, limit, offset) last
) -> dict[str, Any]:
    """Decisions across notices, newest first (``decided_by``: a console user name;
    ``after_appeal``: only those that replaced a decision after an appeal, or only first ones)."""
    user = service.user_id(decided_by) if decided_by else None
    if decided_by and user is None:
        return window.page([], 0)
    flt = DecisionFilter(action, user, window.since, window.until, after_appeal)
    page = service.decisions(flt, window.limit, window.offset)
    return window.page(page.items, page.total)


@router.get("/appeals", responses=_TOKEN)
def list_appeals(
    service: Notices,
    _: NoticesToken,
    open_only: Annotated[bool | None, Query(alias="open")] = None,
    outcome: AppealOutcome | None = None,
    *,
    window: Window,  # keyword-only: its query parameters (since, until, limit, offset) last
) -> dict[str, Any]:
    """Appeals (internal complaints) across notices: open ones first, oldest first
    (``open=true`` only those awaiting a decision, ``open=false`` only decided ones)."""
    flt = AppealFilter(open_only, outcome, window.since, window.until)
    page = service.appeals(flt, window.limit, window.offset)
    return window.page(page.items, page.total)


@router.get("/statements", responses=_TOKEN)
def export_statements(
    service: Notices,
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
    service: Notices,
    _: AuditToken,
    actor_type: str | None = None,
    actor_id: str | None = None,
    action: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    *,
    window: Window,  # keyword-only: its query parameters (since, until, limit, offset) last
) -> dict[str, Any]:
    """The audit log, newest first."""
    flt = AuditFilter(actor_type, actor_id, action, object_type, object_id, window.since,
                      window.until)
    page = service.audit(flt, window.limit, window.offset)
    return window.page([e.to_json() for e in page.items], page.total)
