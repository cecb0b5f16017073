"""The review queue, by content: items seeing the same banked content (or the same flagged text)
across chats and sources are one group ("seen 37 times in 12 chats since …") that one decision
covers; filters, bulk decisions on selected groups and keyboard shortcuts
(``static/review_keys.js``). Each item keeps its own page with its evidence (signal, distance,
the entry's provenance and trust, where it was seen, the text and why it was flagged) and its
own decision: confirm (an unconfirmed item or its whole case then acts alone), dismiss, or
withdraw a poisoned item."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from rempart.adapters.web.session import SignedIn, checked_form, field, is_htmx, render, state_of
from rempart.services.errors import RempartError
from rempart.services.review_groups import (
    MAX_DECISION_GROUPS,
    MAX_DECISION_ITEMS,
    ReviewFilter,
)
from rempart.services.reviews import KINDS, ReviewNotFound

router = APIRouter(include_in_schema=False)
PAGE = 25  # groups per page of the queue
PREVIEW = 10  # sightings shown when a group is expanded
SIGHTINGS = 50  # sightings per page of a group's page
SOURCES = ("bot", "scan", "api", "victim_portal")
FILTERS = ("kind", "source", "bank", "place", "since", "until", "q")


def _day(value: str, end: bool = False) -> datetime | None:
    """A ``YYYY-MM-DD`` filter as a UTC instant (its day's end with ``end``); None if unset."""
    try:
        day = datetime.strptime(value.strip()[:10], "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        return None
    return day + timedelta(days=1) if end else day


def _filters(request: Request) -> dict[str, str]:
    """The queue's filters from the query string, cut short, unknown choices dropped."""
    q = request.query_params
    out = {k: q.get(k, "").strip()[:200] for k in FILTERS}
    if out["kind"] not in KINDS:
        out["kind"] = ""
    if out["source"] not in SOURCES:
        out["source"] = ""
    return out


def _filter_of(chosen: dict[str, str], show_all: bool) -> ReviewFilter:
    return ReviewFilter(
        status=None if show_all else "open", kind=chosen["kind"] or None,
        source=chosen["source"] or None, bank=chosen["bank"] or None,
        place=chosen["place"] or None, since=_day(chosen["since"]),
        until=_day(chosen["until"], end=True), text=chosen["q"] or None)


def _query(chosen: dict[str, str], show_all: bool, **more: object) -> str:
    pairs = [(k, v) for k, v in chosen.items() if v]
    pairs += [("all", "true")] if show_all else []
    pairs += [(k, str(v)) for k, v in more.items()]
    return urlencode(pairs)


def _queue_context(request: Request, show_all: bool, offset: int) -> dict[str, Any]:
    """Everything the queue page shows (blocking: call it in a thread)."""
    web = state_of(request)
    chosen = _filters(request)
    page = web.reviews.groups.list(_filter_of(chosen, show_all), PAGE, max(0, offset))
    status = None if show_all else "open"
    rows = [(g, web.reviews.evidence(g.first_item_id),
             web.reviews.groups.sightings(g.key, status, PREVIEW).items) for g in page.items]
    return {"rows": rows, "total": page.total, "offset": max(0, offset), "page": PAGE,
            "show_all": show_all, "chosen": chosen, "kinds": KINDS, "sources": SOURCES,
            "query": _query(chosen, show_all), "allowlists": web.reviews.allowlists(),
            "max_items": MAX_DECISION_ITEMS, "max_groups": MAX_DECISION_GROUPS}


@router.get("/console/review", response_class=HTMLResponse)
async def review_queue(request: Request, _: SignedIn, offset: int = 0,
                       all: bool = False, decided: int = -1, left: int = 0) -> Response:
    try:
        context = await run_in_threadpool(_queue_context, request, all, offset)
    except RempartError as e:
        return render(request, "review_error.html", status_code=422, message=str(e))
    return render(request, "review.html", decided=decided, left=left, **context)


@router.get("/console/review/groups/{key}", response_class=HTMLResponse)
async def review_group(request: Request, key: str, _: SignedIn, offset: int = 0,
                       all: bool = False) -> Response:
    web = state_of(request)

    def load() -> dict[str, Any]:
        items = web.reviews.groups.sightings(key, None if all else "open", SIGHTINGS,
                                             max(0, offset))
        first = items.items[0] if items.items else None
        return {"items": items.items, "total": items.total,
                "first": web.reviews.evidence(first.id) if first else None}

    try:
        context = await run_in_threadpool(load)
    except ReviewNotFound:
        return render(request, "error.html", status_code=404, message_key="error.not_found")
    return render(request, "review_group.html", key=key, offset=max(0, offset), page=SIGHTINGS,
                  show_all=all, allowlists=web.reviews.allowlists(),
                  max_items=MAX_DECISION_ITEMS, **context)


def _back(form_value: str) -> str:
    """Where a decision returns: the queue (with its filters) or a group page, nothing else."""
    if form_value.startswith("/console/review") and form_value.isprintable() and \
            "//" not in form_value and "\\" not in form_value:
        return form_value
    return "/console/review"


@router.post("/console/review/groups/decide")
async def decide_groups(request: Request) -> Response:
    session, form = await checked_form(request)
    assert session is not None
    web = state_of(request)
    keys = [k for k in form.getlist("group") if isinstance(k, str)][:MAX_DECISION_GROUPS + 1]
    back = _back(field(form, "back", 1000))
    try:
        done = await run_in_threadpool(
            web.reviews.groups.decide, keys, field(form, "decision", 16), session.user,
            field(form, "reason", 5000), field(form, "allowlist", 200) or None)
    except RempartError as e:
        return render(request, "review_error.html", status_code=422, message=str(e), back=back)
    if back.startswith("/console/review/groups/") and not done.remaining:
        back = "/console/review"
    path, _, query = back.partition("?")
    parts = [p for p in query.split("&") if p and not p.startswith(("decided=", "left="))]
    parts += [f"decided={done.decided}", f"left={done.remaining}"]
    return RedirectResponse(f"{path}?{'&'.join(parts)}", 303)


@router.get("/console/review/{item_id}", response_class=HTMLResponse)
def review_item(request: Request, item_id: int, _: SignedIn) -> Response:
    web = state_of(request)
    try:
        found = web.reviews.evidence(item_id)
    except ReviewNotFound:
        return render(request, "error.html", status_code=404, message_key="error.not_found")
    return render(request, "review_item.html", ev=found, allowlists=web.reviews.allowlists())


@router.post("/console/review/{item_id}/decide")
async def decide(request: Request, item_id: int) -> Response:
    session, form = await checked_form(request)
    assert session is not None
    web = state_of(request)
    error = None
    try:
        await run_in_threadpool(
            web.reviews.decide, item_id, field(form, "decision", 16), session.user,
            field(form, "reason", 5000), field(form, "allowlist", 200) or None,
            whole_case=field(form, "whole_case", 1) == "1")
    except ReviewNotFound:
        return render(request, "error.html", status_code=404, message_key="error.not_found")
    except RempartError as e:
        error = str(e)
    if is_htmx(request) or error:
        found = await run_in_threadpool(web.reviews.evidence, item_id)
        return render(request, "review_card.html" if is_htmx(request) else "review_item.html",
                      status_code=422 if error and not is_htmx(request) else 200,
                      ev=found, error=error, allowlists=web.reviews.allowlists())
    return RedirectResponse("/console/review", 303)

