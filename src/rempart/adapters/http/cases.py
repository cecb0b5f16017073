"""Review cases over HTTP (scope ``cases``): the matches and flagged texts awaiting (or past)
human review, with their evidence — signal, distance, the bank entry's provenance, where it was
seen, the text and why it was flagged. Never media. Read-only: decisions are taken by a human in
the console.

Example::

    GET /api/v1/cases?status=open&offset=0&limit=50
    GET /api/v1/cases/12
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query

from rempart.adapters.http.deps import API_PREFIX, Reviews, scoped
from rempart.adapters.http.errors import TOKEN_ERRORS, responses
from rempart.adapters.http.schemas import PageOffset, RowId, page_json
from rempart.core.tokens import ApiToken
from rempart.services.reviews import ReviewItem, ReviewNotFound

router = APIRouter(prefix=API_PREFIX, tags=["cases"],
                   responses={**TOKEN_ERRORS, **responses(422)})
CasesToken = Annotated[ApiToken, scoped("cases")]


def plain(value: Any) -> Any:
    """``value`` with dates as ISO strings and tuples as lists (JSON-ready)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def item_json(item: ReviewItem, decided_by: str | None = None) -> dict[str, Any]:
    """A review case as JSON: its evidence, status and decision (who, when, why)."""
    out: dict[str, Any] = {"id": item.id, **plain(asdict(item.new)), "status": item.status,
                           "updated_at": item.updated_at.isoformat(),
                           "decision": item.decision, "decision_reason": item.decision_reason,
                           "decided_at": plain(item.decided_at)}
    if decided_by is not None:
        out["decided_by"] = decided_by
    return out


@router.get("/cases", summary="Review cases, oldest first, filtered by status and paged")
def list_cases(
    reviews: Reviews, _: CasesToken,
    status: Literal["open", "confirmed", "dismissed", "all"] = "open",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: PageOffset = 0,
) -> dict[str, Any]:
    """Matches and flagged texts in queue order; ``total`` counts those of ``status``."""
    page = reviews.list(None if status == "all" else status, limit, offset)
    return page_json([item_json(i) for i in page.items], page.total, limit, offset)


@router.get("/cases/{item_id}", summary="One review case with its evidence",
            responses=responses(404, s404="No review case has this id."))
def get_case(item_id: RowId, reviews: Reviews, _: CasesToken) -> dict[str, Any]:
    """The case, the bank entry it matched (signal and provenance) and who decided it."""
    try:
        found = reviews.evidence(item_id)
    except ReviewNotFound as e:
        raise HTTPException(404, str(e)) from None
    out = item_json(found.item, found.decided_by)
    entry = found.entry
    out["entry"] = None if entry is None else {
        "id": entry.id, "signal_type": entry.signal_type, "value": entry.value,
        "status": entry.status.value,
        "provenance": plain(asdict(entry.provenance)),
    }
    return out
