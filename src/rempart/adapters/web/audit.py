"""The audit log, read-only, for admins and analysts: filters by actor, action, object and
dates, newest first, paged (the "show more" link appends the next page with HTMX).

Every value is shown as escaped text; the log itself is append-only in the database.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from rempart.adapters.web.session import Forbidden, SignedIn, is_htmx, render, state_of
from rempart.core.audit import AuditFilter
from rempart.core.workflow import Role

router = APIRouter(include_in_schema=False)
PAGE = 50
READERS = frozenset({Role.ADMIN, Role.ANALYST})
ACTOR_TYPES = ("user", "token", "public", "system")
FILTERS = ("actor_type", "actor_id", "action", "object_type", "object_id", "since", "until")


def day(value: str | None) -> date | None:
    """A YYYY-MM-DD date, or None (empty or malformed).

    >>> day("2026-05-01"), day("May 1st")
    (datetime.date(2026, 5, 1), None)
    """
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def day_range(since: str | None, until: str | None) -> tuple[datetime | None, datetime | None]:
    """UTC bounds of the days from ``since`` to ``until``, both included."""
    start, end = day(since), day(until)
    return (datetime.combine(start, datetime.min.time(), UTC) if start else None,
            datetime.combine(end + timedelta(days=1), datetime.min.time(), UTC)
            if end else None)


def _text(value: str | None, limit: int) -> str | None:
    value = (value or "").strip()[:limit]
    return value or None


@router.get("/console/audit", response_class=HTMLResponse)
def audit_page(request: Request, session: SignedIn, offset: int = 0) -> Response:
    if session.user.role not in READERS:
        raise Forbidden("error.audit_readers")
    q = request.query_params
    chosen = {name: (q.get(name) or "")[:200] for name in FILTERS}
    actor_type = chosen["actor_type"] if chosen["actor_type"] in ACTOR_TYPES else None
    since, until = day_range(chosen["since"], chosen["until"])
    bad_date = any(chosen[k] and day(chosen[k]) is None for k in ("since", "until"))
    flt = AuditFilter(actor_type, _text(chosen["actor_id"], 200), _text(chosen["action"], 64),
                      _text(chosen["object_type"], 32), _text(chosen["object_id"], 64),
                      since, until)
    offset = max(0, offset)
    page = state_of(request).notices.audit(flt, PAGE, offset)
    query = urlencode({k: v for k, v in chosen.items() if v})
    more = f"/console/audit?{query}&offset={offset + PAGE}" if offset + PAGE < page.total \
        else None
    template = "audit_rows.html" if is_htmx(request) and offset > 0 else "audit.html"
    return render(request, template, events=page.items, total=page.total, offset=offset,
                  page=PAGE, chosen=chosen, actor_types=ACTOR_TYPES, more=more,
                  bad_date=bad_date)
