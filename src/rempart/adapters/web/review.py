"""The review queue: matches and flagged texts with their evidence (signal, distance, the bank
entry's provenance and trust, where it was seen, the text and why it was flagged); confirm (an
unconfirmed item or its whole case then acts alone), dismiss, or withdraw a poisoned item."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from rempart.adapters.web.session import SignedIn, checked_form, field, is_htmx, render, state_of
from rempart.core.banks import BankKind
from rempart.services.errors import RempartError
from rempart.services.reviews import ReviewNotFound
from rempart.store.sql import SqlBankStore

router = APIRouter(include_in_schema=False)
PAGE = 20


def _allowlists(store: SqlBankStore) -> list[str]:
    return [b.name for b in store.list_banks() if b.kind is BankKind.ALLOWLIST]


@router.get("/console/review", response_class=HTMLResponse)
def review_queue(request: Request, _: SignedIn, offset: int = 0, all: bool = False) -> Response:
    web = state_of(request)
    page = web.reviews.list(None if all else "open", PAGE, max(0, offset))
    items = [web.reviews.evidence(i.id) for i in page.items]
    return render(request, "review.html", items=items, total=page.total, offset=offset,
                  page=PAGE, show_all=all, allowlists=_allowlists(web.backend.store))


@router.get("/console/review/{item_id}", response_class=HTMLResponse)
def review_item(request: Request, item_id: int, _: SignedIn) -> Response:
    web = state_of(request)
    try:
        found = web.reviews.evidence(item_id)
    except ReviewNotFound:
        return render(request, "error.html", status_code=404, message_key="error.not_found")
    return render(request, "review_item.html", ev=found,
                  allowlists=_allowlists(web.backend.store))


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
                      ev=found, error=error,
                      allowlists=_allowlists(web.backend.store))
    return RedirectResponse("/console/review", 303)
