"""Notices for moderators: list with filters, detail (every text escaped), assign, decide with a
statement of reasons (the DSA Transparency Database fields), decide an appeal (someone else
than the first decider: the service enforces it)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from rempart.adapters.web.session import (
    SignedIn,
    WebState,
    checked_form,
    field,
    render,
    state_of,
)
from rempart.core.notices import NoticeFilter
from rempart.core.workflow import (
    ACCOUNT,
    CONTENT_TYPES,
    DECIDING_ROLES,
    GROUND_ILLEGAL,
    GROUND_INCOMPATIBLE,
    SOURCE_TYPES,
    TDB_CATEGORIES,
    TDB_MAPPING,
    VISIBILITY,
    Action,
    AppealOutcome,
    Category,
    NoticeState,
    StatementOfReasons,
    WorkflowError,
)
from rempart.services.errors import RempartError
from rempart.services.notices import NotAllowed, NoticeNotFound
from rempart.services.users import Actor

router = APIRouter(include_in_schema=False)
PAGE = 25
CHOICES = {
    "grounds": (GROUND_ILLEGAL, GROUND_INCOMPATIBLE),
    "tdb_categories": sorted(TDB_CATEGORIES),
    "content_types": sorted(CONTENT_TYPES),
    "visibility": sorted(VISIBILITY),
    "accounts": sorted(ACCOUNT),
    "source_types": sorted(SOURCE_TYPES),
}


def _enum(cls: Any, value: str | None) -> Any:
    try:
        return cls(value) if value else None
    except ValueError:
        return None


@router.get("/console/notices", response_class=HTMLResponse)
def notices_page(request: Request, _: SignedIn, state: str | None = None,
                 category: str | None = None, escalated: str | None = None,
                 offset: int = 0) -> Response:
    web = state_of(request)
    chosen_state = _enum(NoticeState, state)
    flt = NoticeFilter(states=(chosen_state,) if chosen_state else (),
                       category=_enum(Category, category),
                       escalated={"yes": True, "no": False}.get(escalated or ""))
    offset = max(0, offset)
    page = web.notices.list(flt, PAGE, offset)
    return render(request, "notices.html", notices=page.items, total=page.total,
                  offset=offset, page=PAGE, states=list(NoticeState),
                  categories=list(Category),
                  chosen={"state": state or "", "category": category or "",
                          "escalated": escalated or ""})


def _detail(request: Request, case_number: str, status_code: int = 200,
            error: str | None = None) -> Response:
    web = state_of(request)
    try:
        notice = web.notices.detail(case_number)
    except NoticeNotFound:
        return render(request, "error.html", status_code=404, message_key="error.not_found")
    deciders = [u.username for u in web.users.list()
                if u.role in DECIDING_ROLES and not u.disabled]
    category = Category(notice["category"])
    return render(request, "notice.html", status_code=status_code, n=notice, error=error,
                  deciders=deciders, actions=list(Action), outcomes=list(AppealOutcome),
                  default_tdb=TDB_MAPPING[category][0], today=date.today().isoformat(),
                  content_date=notice["received_at"][:10], **CHOICES)


@router.get("/console/notices/{case_number}", response_class=HTMLResponse)
def notice_page(request: Request, case_number: str, _: SignedIn) -> Response:
    return _detail(request, case_number)


def statement_from(form: FormData, category: Category) -> StatementOfReasons:
    """A statement of reasons from the decision form's fields."""
    ground = field(form, "decision_ground", 100)
    legal, explanation = field(form, "legal_ground", 500), field(form, "ground_explanation", 2000)
    illegal = ground == GROUND_ILLEGAL
    scope = tuple(c.strip().upper() for c in field(form, "territorial_scope", 200).split(",")
                  if c.strip())
    try:
        content_date = date.fromisoformat(field(form, "content_date", 10))
        application_date = date.fromisoformat(field(form, "application_date", 10))
    except ValueError:
        raise WorkflowError("dates are YYYY-MM-DD") from None
    keywords = TDB_MAPPING[category][1]
    tdb_category = field(form, "tdb_category", 100)
    return StatementOfReasons(
        decision_ground=ground, category=tdb_category,
        content_type=tuple(v for v in form.getlist("content_type") if isinstance(v, str)),
        decision_facts=field(form, "decision_facts", 5000),
        content_date=content_date, application_date=application_date,
        source_type=field(form, "source_type", 100) or "SOURCE_ARTICLE_16",
        automated_detection=form.get("automated_detection") == "on",
        territorial_scope=scope or ("FR",),
        decision_visibility=tuple(v for v in form.getlist("decision_visibility")
                                  if isinstance(v, str)),
        decision_account=field(form, "decision_account", 100) or None,
        illegal_content_legal_ground=legal if illegal else None,
        illegal_content_explanation=explanation if illegal else None,
        incompatible_content_ground=None if illegal else legal,
        incompatible_content_explanation=None if illegal else explanation,
        category_specification=keywords if tdb_category == TDB_MAPPING[category][0] else (),
    )


@router.post("/console/notices/{case_number}/assign")
async def assign(request: Request, case_number: str) -> Response:
    def run(web: WebState, form: FormData, user: str, actor: Actor) -> None:
        web.notices.assign(case_number, field(form, "assignee", 64) or user, actor)

    # An assignee who may not decide is a wrong form (422), not a refusal of the one posting.
    return await _post(request, case_number, run, refused=422)


@router.post("/console/notices/{case_number}/decide")
async def decide(request: Request, case_number: str) -> Response:
    def run(web: WebState, form: FormData, user: str, actor: Actor) -> None:
        notice = web.notices.get(case_number)
        action = Action(field(form, "action", 32))
        statement = None if action is Action.NO_ACTION else \
            statement_from(form, notice.new.category)
        # The human deciding is the one signed in: the console never decides for someone else.
        web.notices.decide(case_number, user, action, field(form, "summary", 5000), statement,
                           actor)

    return await _post(request, case_number, run)


@router.post("/console/notices/{case_number}/appeal-decision")
async def decide_appeal(request: Request, case_number: str) -> Response:
    def run(web: WebState, form: FormData, user: str, actor: Actor) -> None:
        notice = web.notices.get(case_number)
        outcome = AppealOutcome(field(form, "outcome", 16))
        action = _enum(Action, field(form, "action", 32)) \
            if outcome is AppealOutcome.REVERSED else None
        statement = statement_from(form, notice.new.category) \
            if action not in (None, Action.NO_ACTION) else None
        web.notices.decide_appeal(case_number, user, outcome, field(form, "reason", 5000),
                                  actor, action=action,
                                  summary=field(form, "summary", 5000) or None,
                                  statement=statement)

    return await _post(request, case_number, run)


async def _post(request: Request, case_number: str,
                run: Callable[[WebState, FormData, str, Actor], None],
                refused: int = 403) -> Response:
    """Run a moderator's change of a notice with the posted form, the signed-in username and
    its audit actor; then back to the notice, or the notice with the error (``refused`` is the
    status of a ``NotAllowed``)."""
    session, form = await checked_form(request)
    assert session is not None
    user = session.user.username
    try:
        await run_in_threadpool(run, state_of(request), form, user, Actor("user", user))
    except NoticeNotFound:
        return render(request, "error.html", status_code=404, message_key="error.not_found")
    except (RempartError, WorkflowError, ValueError) as e:
        status = refused if isinstance(e, NotAllowed) else 422
        return await run_in_threadpool(_detail, request, case_number, status, str(e))
    return RedirectResponse(f"/console/notices/{case_number}", 303)
