"""The victim's case page: ``/protect/status``. The case number and the secret are
posted (never in a URL, never in a cookie) and sent back in hidden fields of the page's forms.

What the page shows, all from ``CaseService.status``: the items (number, kind, registration
date, withdrawn or not, matches), the matches by place type and by day with first and last
seen, the actions taken (removed by the bot; confirmed, under review, dismissed by a
moderator), the notices about the content (state and deadline only) and the public messages
where a moderator confirmed her image (a ``t.me/<username>/<id>`` link she can report). A
wrong secret is answered exactly like an unknown case (same status, same bytes).

Actions: ``action=withdraw`` with the checked ``item`` ids, ``action=close`` (withdraw all and
close). Rate limited per client address like the other public forms.

Example::

    POST /protect/status  case_number=VIC-2026-000001&secret=…&csrf_token=…
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from rempart.adapters.http.notice_deps import limit_public
from rempart.adapters.web.protect import PROTECT_CSP, protect_state
from rempart.adapters.web.session import checked_form, field, render
from rempart.services.cases import CaseNotFound

router = APIRouter(include_in_schema=False)
TEMPLATE = "protect_status.html"


def _page(request: Request, status_code: int = 200, **context: Any) -> Response:
    response = render(request, TEMPLATE, status_code=status_code, **context)
    response.headers["Content-Security-Policy"] = PROTECT_CSP
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@router.get("/protect/status", response_class=HTMLResponse)
def status_page(request: Request) -> Response:
    """The look-up form."""
    return _page(request, status=None)


@router.post("/protect/status")
async def status(request: Request) -> Response:
    """Look a case up; ``action=withdraw`` (checked ``item`` ids) or ``action=close``."""
    await limit_public(request)  # before any byte of the form is read
    _, form = await checked_form(request, write=False)
    service = protect_state(request).service
    case, secret = field(form, "case_number", 32).strip(), field(form, "secret", 200).strip()
    action = field(form, "action", 16)
    done = None
    try:
        if action == "withdraw":
            ids = [int(v) for v in form.getlist("item") if isinstance(v, str) and v.isdigit()]
            if ids:
                n = await run_in_threadpool(service.withdraw, case, secret, ids)
                done = ("protect.withdrawn", n)
            else:
                done = ("case_status.none_checked", 0)
        elif action == "close":
            await run_in_threadpool(service.close, case, secret)
            done = ("protect.closed_done", 0)
        found = await run_in_threadpool(service.status, case, secret)
    except CaseNotFound:
        return _page(request, status_code=404, status=None, not_found=True)
    return _page(request, status=found, case_number=found.case_number, secret=secret,
                 done=done)
