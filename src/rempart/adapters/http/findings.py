"""Scan findings over HTTP (scope ``findings``): scans, their findings paged and filtered, and
every sighting of one banked item across scans. No media: findings are hashes, links, text.

Example::

    GET /api/v1/scans/3f2a…/findings?chat_id=123&has_match=true&offset=0&limit=100
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query

from rempart.adapters.http.deps import API_PREFIX, FindingsToken, Scans
from rempart.adapters.http.errors import TOKEN_ERRORS, responses
from rempart.adapters.http.schemas import Int64, PageOffset

router = APIRouter(prefix=API_PREFIX, tags=["findings"],
                   responses={**TOKEN_ERRORS, **responses(422)})
_NO_SCAN = responses(404, s404="No scan has this id.")


def _scan_json(record: Any) -> dict[str, Any]:
    out = asdict(record)
    for key in ("created_at", "updated_at", "finished_at"):
        out[key] = out[key].isoformat() if out[key] else None
    return out


@router.get("/scans", summary="Scans, newest first")
def list_scans(scans: Scans, _: FindingsToken,
               limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[dict[str, Any]]:
    """Stored scans with their inputs, status and counters."""
    return [_scan_json(s) for s in scans.list_scans(limit)]


@router.get("/scans/{scan_id}", summary="One scan", responses=_NO_SCAN)
def get_scan(scan_id: str, scans: Scans, _: FindingsToken) -> dict[str, Any]:
    """A scan's arguments, status, counters and progress per input."""
    record = scans.get_scan(scan_id)
    if record is None:
        raise HTTPException(404, f"no scan {scan_id!r}")
    return _scan_json(record)


def _keep(finding: dict[str, Any], chat_id: int | None, label: str | None,
          has_match: bool | None, bank: str | None) -> bool:
    source = finding.get("source") or {}
    matches = finding.get("matches") or []
    labels = (finding.get("text") or {}).get("labels") or []
    return ((chat_id is None or source.get("chat_id") == chat_id)
            and (label is None or label in labels)
            and (has_match is None or bool(matches) == has_match)
            and (bank is None or any(m.get("bank") == bank for m in matches)))


@router.get("/scans/{scan_id}/findings", summary="A scan's findings, filtered and paged",
            responses=_NO_SCAN)
def list_findings(
    scan_id: str, store: Scans, _: FindingsToken,
    chat_id: Annotated[Int64 | None, Query()] = None, label: str | None = None,
    has_match: bool | None = None, bank: str | None = None, offset: PageOffset = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """Findings in stored order; ``total`` counts those passing the filters."""
    if store.get_scan(scan_id) is None:
        raise HTTPException(404, f"no scan {scan_id!r}")
    items: list[dict[str, Any]] = []
    total = 0
    for finding in store.iter_findings(scan_id):
        if not _keep(finding, chat_id, label, has_match, bank):
            continue
        if offset <= total < offset + limit:
            items.append(finding)
        total += 1
    return {"total": total, "offset": offset, "limit": limit, "items": items}


@router.get("/contents/{content_group}/sightings", summary="Where one banked item was seen")
def sightings(content_group: str, scans: Scans, _: FindingsToken,
              limit: Annotated[int, Query(ge=1, le=10_000)] = 1000) -> list[dict[str, Any]]:
    """Every message, in every scan, where the banked item ``content_group`` was found."""
    return [asdict(s) for s in scans.sightings(content_group, limit=limit)]
