"""Evidence packages on the web. The case holder downloads her package
(``VictimEvidence``: confirmed sightings, complaint fields only) from the status page
(``POST /protect/evidence``: case number and secret posted, CSRF and rate limit as the status
form; a wrong secret is answered like an unknown case). Moderators and admins choose findings
on ``/console/evidence`` (filters by chat and scan), or give a case number, and download the
moderators' package (``ModeratorEvidence``: senders, texts, neighbours). Each package built is
written to the audit log. Analysts (read-only) cannot build packages.

Example::

    POST /protect/evidence        case_number=VIC-2026-000001&secret=…&language=fr&csrf_token=…
    POST /console/evidence        finding=12&finding=15&language=en&csrf_token=…
    POST /console/evidence/case   case_number=VIC-2026-000001&language=fr&csrf_token=…
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from rempart.adapters.evidence import evidence_zip
from rempart.adapters.http.notice_deps import limit_public
from rempart.adapters.web.protect import PROTECT_CSP
from rempart.adapters.web.session import (
    Forbidden,
    SignedIn,
    checked_form,
    field,
    language,
    render,
    state_of,
)
from rempart.core.evidence import TimelineEntry, timeline_entry
from rempart.core.evidence_package import EvidencePackage
from rempart.services.cases import CaseNotFound
from rempart.services.errors import InvalidArgument
from rempart.services.evidence import EvidenceService

router = APIRouter(include_in_schema=False)
PAGE = 100


def evidence_service(request: Request) -> EvidenceService:
    """The application's evidence service."""
    return state_of(request).backend.evidence


def zip_response(package: EvidencePackage, data: bytes) -> Response:
    """The ZIP as a download that no cache keeps."""
    name = f"rempart-evidence-{package.reference}.zip"
    return Response(data, media_type="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"})


def _language(request: Request, chosen: str) -> str:
    return chosen if chosen in ("fr", "en") else language(request)


@router.post("/protect/evidence")
async def victim_package(request: Request) -> Response:
    """The case holder's ZIP (``VictimEvidence`` only); the status page's 404 for a wrong
    number or secret."""
    await limit_public(request)  # before any byte of the form is read
    _, form = await checked_form(request, write=False)
    service = evidence_service(request)
    case, secret = field(form, "case_number", 32).strip(), field(form, "secret", 200).strip()
    lang = _language(request, field(form, "language", 2))
    try:
        package = await run_in_threadpool(
            lambda: service.for_case(case, secret, language=lang))
    except CaseNotFound:
        response = render(request, "protect_status.html", status_code=404, status=None,
                          not_found=True)
        response.headers["Content-Security-Policy"] = PROTECT_CSP
        return response
    return zip_response(package, await run_in_threadpool(evidence_zip, package))


def _moderator(session: Any) -> None:
    if not session.can_write:
        raise Forbidden("evidence.forbidden")


def _int(value: str) -> int | None:
    value = value.strip()
    return int(value) if value.lstrip("-").isdigit() and len(value) < 20 else None


def _rows(service: EvidenceService, chat: int | None, scan: str | None,
          offset: int) -> list[TimelineEntry]:
    stored = service.reads.recent(chat_id=chat, scan_id=scan, limit=PAGE, offset=offset)
    return [timeline_entry(s.id, s.finding) for s in stored]


def _page(request: Request, status_code: int = 200, error: str | None = None) -> Response:
    q = request.query_params
    chat, scan = _int(q.get("chat_id", "")), q.get("scan_id", "").strip()[:36] or None
    offset = max(_int(q.get("offset", "")) or 0, 0)
    rows = _rows(evidence_service(request), chat, scan, offset)
    return render(request, "evidence.html", status_code=status_code, rows=rows, page=PAGE,
                  offset=offset, chosen={"chat_id": "" if chat is None else str(chat),
                                         "scan_id": scan or ""}, error=error)


@router.get("/console/evidence", response_class=HTMLResponse)
def console_page(request: Request, session: SignedIn) -> Response:
    """Recent findings with checkboxes, filtered by chat or scan."""
    _moderator(session)
    return _page(request)


@router.post("/console/evidence")
async def console_package(request: Request) -> Response:
    """The ZIP of the checked findings (moderators and admins; audited)."""
    session, form = await checked_form(request, write=True)
    assert session is not None
    ids = [n for v in form.getlist("finding") if isinstance(v, str)
           for n in [_int(v)] if n is not None]
    lang = _language(request, field(form, "language", 2))
    service = evidence_service(request)
    try:
        package = await run_in_threadpool(lambda: service.for_findings(
            ids, requested_by=session.user.username, language=lang))
    except InvalidArgument as e:
        return await run_in_threadpool(_page, request, 422, str(e))
    return zip_response(package, await run_in_threadpool(evidence_zip, package))


@router.post("/console/evidence/case")
async def console_case_package(request: Request) -> Response:
    """The moderators' ZIP of a case's sightings, by case number (moderators and admins;
    audited); 422 with the page for an unknown case."""
    session, form = await checked_form(request, write=True)
    assert session is not None
    case = field(form, "case_number", 32).strip()
    lang = _language(request, field(form, "language", 2))
    service = evidence_service(request)
    try:
        package = await run_in_threadpool(lambda: service.for_case_moderators(
            case, requested_by=session.user.username, language=lang))
    except CaseNotFound:
        return await run_in_threadpool(_page, request, 422, f"unknown case {case[:32]!r}")
    return zip_response(package, await run_in_threadpool(evidence_zip, package))
