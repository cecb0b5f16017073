"""The console page of hash exchanges (``/console/exchanges``), read-only: each exchange, the
bank it fills, its last fetch and error, its feedback outbox; and the feeds this instance
publishes to other Rempart instances (follower names, never their tokens). Fetches and
feedback run from ``rempart exchange`` (on a schedule), which holds the credentials.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from rempart.adapters.web.session import SignedIn, render, state_of
from rempart.core.exchanges import FEEDBACK_ENV
from rempart.services.exchanges import ExchangeService

router = APIRouter(include_in_schema=False)


def exchange_service(request: Request) -> ExchangeService:
    """The application's :class:`ExchangeService`."""
    service: ExchangeService = getattr(state_of(request).backend, "exchanges")  # noqa: B009
    return service


@router.get("/console/exchanges", response_class=HTMLResponse)
async def exchanges_page(request: Request, _: SignedIn) -> Response:
    service = exchange_service(request)

    def read() -> tuple[list[object], list[dict[str, object]]]:
        rows: list[object] = []
        for e in service.exchanges():
            outbox = service.outbox(e.name) if e.kind in FEEDBACK_ENV else None
            rows.append((e, outbox))
        return rows, service.feed_tokens()

    rows, feeds = await run_in_threadpool(read)
    return render(request, "exchanges.html", rows=rows, feeds=feeds)
