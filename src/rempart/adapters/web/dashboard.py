"""The console's home: open notices by deadline (escalated first), the review queue and its
age, matches per day by bank and by source (charts as inline SVG), banks."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from rempart.adapters.transparency.charts import BarChart, bar_chart
from rempart.adapters.web.session import SignedIn, render, state_of
from rempart.core.notices import NoticeFilter
from rempart.core.workflow import NoticeState
from rempart.services.banks import list_banks
from rempart.services.transparency import DashboardFigures, console_figures

router = APIRouter(include_in_schema=False)
OPEN_STATES = (NoticeState.RECEIVED, NoticeState.IN_REVIEW, NoticeState.APPEALED)


@router.get("/console")
def console_root(_: SignedIn) -> Response:
    return RedirectResponse("/console/", 303)


@router.get("/console/", response_class=HTMLResponse)
def dashboard(request: Request, session: SignedIn) -> Response:
    web = state_of(request)
    escalated = web.notices.list(NoticeFilter(OPEN_STATES, escalated=True), 20)
    others = web.notices.list(NoticeFilter(OPEN_STATES, escalated=False), 20)
    count, oldest = web.reviews.summary()
    return render(request, "dashboard.html",
                  notices=escalated.items + others.items,
                  notices_total=escalated.total + others.total,
                  review_count=count, review_oldest=oldest,
                  banks=list_banks(web.backend.store),
                  charts=_charts(console_figures(web.backend.store)))


def _charts(f: DashboardFigures) -> dict[str, BarChart | bool]:
    days = [d.strftime("%m-%d") for d in f.days]
    return {
        "by_bank": bar_chart("", days, list(f.by_bank.items())),
        "by_source": bar_chart("", days, list(f.by_source.items())),
        "backlog": bar_chart("", [label for label, _ in f.backlog],
                             [("open", [count for _, count in f.backlog])]),
        "chats": bar_chart("", [place for place, _ in f.chats],
                           [("matches", [count for _, count in f.chats])]),
        "notices": bar_chart("", [category for category, _ in f.notices],
                             [("notices", [count for _, count in f.notices])]),
        "decision_times": bar_chart("", [label for label, _ in f.decision_times],
                                    [("notices", [count for _, count in f.decision_times])]),
        "any_notices": bool(f.notices),
        "any": bool(f.by_bank), "truncated": f.truncated,
    }
