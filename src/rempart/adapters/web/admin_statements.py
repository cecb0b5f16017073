"""Statements of reasons (DSA art. 17) for every signed-in role: the decisions of a date range,
and their export as JSON in the EU Transparency Database schema (the same objects as
``GET /api/v1/statements``) or as CSV (same fields; cells a spreadsheet would run as a formula
are neutralised, lists joined with ``;``).

Example::

    GET /console/statements/export.json?since=2026-01-01&until=2026-06-30
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import fields
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from rempart.adapters.web.audit import day, day_range
from rempart.adapters.web.session import SECURITY_HEADERS, SignedIn, render, state_of
from rempart.core.spreadsheet import neutralise
from rempart.core.workflow import StatementOfReasons
from rempart.services.notices import NoticeService

router = APIRouter(include_in_schema=False)
PAGE = 50
BATCH = 100  # the service's page limit
EXPORT_MAX = 100_000
COLUMNS: tuple[str, ...] = ("puid", *(f.name for f in fields(StatementOfReasons)))


def _all(service: NoticeService, since: str | None,
         until: str | None) -> Iterator[dict[str, Any]]:
    start, end = day_range(since, until)
    offset = 0
    while offset < EXPORT_MAX:
        page = service.statements(start, end, BATCH, offset)
        yield from page.items
        offset += BATCH
        if offset >= page.total:
            return


def csv_cell(value: Any) -> str:
    """One CSV cell: lists joined with ``;``, formulas neutralised.

    >>> csv_cell(["A", "B"]), csv_cell("=HYPERLINK(1)"), csv_cell(None)
    ('A;B', "'=HYPERLINK(1)", '')
    """
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        value = ";".join(str(v) for v in value)
    return neutralise(str(value))


def statements_csv(items: Iterator[dict[str, Any]]) -> str:
    """Statements as CSV text with a header row (every field of the schema)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for item in items:
        writer.writerow([csv_cell(item.get(c)) for c in COLUMNS])
    return out.getvalue()


def _window(request: Request) -> tuple[str, str]:
    q = request.query_params
    return ((q.get("since") or "")[:10], (q.get("until") or "")[:10])


@router.get("/console/statements", response_class=HTMLResponse)
def statements_page(request: Request, _: SignedIn, offset: int = 0) -> Response:
    since, until = _window(request)
    start, end = day_range(since, until)
    offset = max(0, offset)
    page = state_of(request).notices.statements(start, end, min(PAGE, BATCH), offset)
    return render(request, "statements.html", items=page.items, total=page.total,
                  offset=offset, page=PAGE, since=since, until=until,
                  bad_date=any(v and day(v) is None for v in (since, until)))


def _download(body: str, media_type: str, name: str) -> Response:
    response = Response(body, media_type=media_type)
    response.headers.update(SECURITY_HEADERS)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _name(since: str, until: str, ext: str) -> str:
    parts = [p for p in (since if day(since) else "", until if day(until) else "") if p]
    return "statements" + ("-" + "_".join(parts) if parts else "") + "." + ext


@router.get("/console/statements/export.json")
def export_json(request: Request, _: SignedIn) -> Response:
    since, until = _window(request)
    items = list(_all(state_of(request).notices, since, until))
    body = json.dumps({"statements": items, "total": len(items)}, ensure_ascii=False, indent=1)
    return _download(body, "application/json", _name(since, until, "json"))


@router.get("/console/statements/export.csv")
def export_csv(request: Request, _: SignedIn) -> Response:
    since, until = _window(request)
    body = statements_csv(_all(state_of(request).notices, since, until))
    return _download(body, "text/csv; charset=utf-8", _name(since, until, "csv"))
