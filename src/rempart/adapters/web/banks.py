"""Banks: the list with counts, and one bank's thresholds, policy and recent entries'
provenance (hashes and where they come from; never media)."""

from __future__ import annotations

from itertools import islice

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from rempart.adapters.web.session import SignedIn, render, state_of
from rempart.core.banks import EntryStatus
from rempart.services.banks import get_bank, list_banks
from rempart.services.errors import BankNotFound

router = APIRouter(include_in_schema=False)
RECENT = 25


@router.get("/console/banks", response_class=HTMLResponse)
def banks_page(request: Request, _: SignedIn) -> Response:
    return render(request, "banks.html", banks=list_banks(state_of(request).backend.store))


@router.get("/console/banks/{name}", response_class=HTMLResponse)
def bank_page(request: Request, name: str, _: SignedIn) -> Response:
    store = state_of(request).backend.store
    try:
        bank = get_bank(store, name)
    except BankNotFound:
        return render(request, "error.html", status_code=404, message_key="error.not_found")
    # Newest first would need another index; the first page in id order is cheap and stable.
    entries = list(islice(store.iter_entries(bank.id, tuple(EntryStatus), batch_size=RECENT),
                          RECENT))
    return render(request, "bank.html", bank=bank, counts=store.count_entries(bank.id),
                  entries=entries)
