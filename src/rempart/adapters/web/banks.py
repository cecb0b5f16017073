"""Banks: the list with counts, and one bank's thresholds, policy and recent entries'
provenance and trust (hashes and where they come from; never media). Moderators confirm, hold,
release or withdraw an item (every signal of its content group) from there."""

from __future__ import annotations

from itertools import islice
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from rempart.adapters.web.session import SignedIn, checked_form, field, render, state_of
from rempart.core.banks import EntryStatus
from rempart.services.banks import get_bank, list_banks
from rempart.services.errors import BankNotFound, RempartError
from rempart.services.reviews import ENTRY_ACTIONS

router = APIRouter(include_in_schema=False)
RECENT = 25


@router.get("/console/banks", response_class=HTMLResponse)
def banks_page(request: Request, _: SignedIn) -> Response:
    return render(request, "banks.html", banks=list_banks(state_of(request).backend.store))


def _bank_page(request: Request, name: str, status_code: int = 200, **context: object
               ) -> Response:
    store = state_of(request).backend.store
    try:
        bank = get_bank(store, name)
    except BankNotFound:
        return render(request, "error.html", status_code=404, message_key="error.not_found")
    # Newest first would need another index; the first page in id order is cheap and stable.
    entries = list(islice(store.iter_entries(bank.id, tuple(EntryStatus), batch_size=RECENT),
                          RECENT))
    return render(request, "bank.html", status_code=status_code, bank=bank,
                  counts=store.count_entries(bank.id), entries=entries, actions=ENTRY_ACTIONS,
                  **context)


@router.get("/console/banks/{name}", response_class=HTMLResponse)
def bank_page(request: Request, name: str, _: SignedIn) -> Response:
    return _bank_page(request, name)


@router.post("/console/banks/{name}/entries/{entry_id}")
async def act_on_entry(request: Request, name: str, entry_id: int) -> Response:
    """Confirm, hold, release or withdraw the item an entry belongs to."""
    session, form = await checked_form(request)
    assert session is not None
    web = state_of(request)
    entry = await run_in_threadpool(web.backend.store.get_entry, entry_id)
    bank = await run_in_threadpool(web.backend.store.get_bank, name)
    if entry is None or bank is None or entry.bank_id != bank.id:
        return render(request, "error.html", status_code=404, message_key="error.not_found")
    try:
        changed = await run_in_threadpool(
            web.reviews.act_on_entry, entry_id, field(form, "action", 16), session.user,
            field(form, "reason", 5000))
    except RempartError as e:
        return _bank_page(request, name, 422, error=str(e))
    return RedirectResponse(f"/console/banks/{quote(name, safe='')}?changed={changed}", 303)
