"""The bot's failed work, for the console: Bot API actions (deletions, restrictions, bans,
alerts, receipts) and updates that failed and are being retried, or were given up (``dead``),
with a "retry" button for moderators and admins (audited). Read-only for analysts.

No message text is shown: an alert names a group and a receipt holds a reporter's secret.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from rempart.adapters.web.session import SignedIn, checked_form, render, state_of
from rempart.services.bot_work import BotWork

router = APIRouter(include_in_schema=False)
KINDS = ("action", "update")


def bot_work(request: Request) -> BotWork:
    """The application's :class:`BotWork`."""
    return state_of(request).backend.bot_work


@router.get("/console/bot", response_class=HTMLResponse)
def bot_page(request: Request, _: SignedIn, retried: str | None = None) -> Response:
    items = bot_work(request).troubled()
    return render(request, "bot_work.html", items=items, retried=retried in ("1", "0"),
                  retried_ok=retried == "1")


@router.post("/console/bot/{kind}/{item_id}/retry")
async def retry(request: Request, kind: str, item_id: int) -> Response:
    session, _ = await checked_form(request)
    assert session is not None
    if kind not in KINDS:
        return render(request, "error.html", status_code=404, message_key="error.not_found")
    ok = await run_in_threadpool(bot_work(request).retry, kind, item_id, session.user)
    return RedirectResponse(f"/console/bot?retried={1 if ok else 0}", 303)
