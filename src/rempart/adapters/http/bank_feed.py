"""``GET /api/v1/feeds/{bank}/changes``: one bank's change feed, for the Rempart instances that
follow it (``rempart exchange add … --kind rempart``).

It takes a feed token (``rempart exchange publish BANK``), not an API token: a feed token reads
its one bank; another bank and an unknown bank get the same 404, a missing, unknown or revoked
token a 401. The route is left out of the OpenAPI schema, which describes the API tokens'
routes; ``docs/exchanges.md`` describes it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request
from starlette.concurrency import run_in_threadpool

from rempart.adapters.http.deps import API_PREFIX
from rempart.services.exchanges import (
    FEED_MAX_LIMIT,
    ExchangeService,
    FeedNotFound,
    FeedTokenInvalid,
)

router = APIRouter(prefix=f"{API_PREFIX}/feeds", tags=["feeds"])
_CHALLENGE = {"WWW-Authenticate": "Bearer"}


async def get_exchanges(request: Request) -> ExchangeService:
    """The exchange service of the application."""
    service: ExchangeService = request.app.state.backend.exchanges
    return service


Exchanges = Annotated[ExchangeService, Depends(get_exchanges)]


@router.get("/{bank}/changes", include_in_schema=False)
async def feed_changes(
    bank: str,
    service: Exchanges,
    authorization: Annotated[str | None, Header()] = None,
    since: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Annotated[int, Query(ge=1, le=FEED_MAX_LIMIT)] = 500,
) -> dict[str, Any]:
    """The bank's entries changed after seq ``since`` (``next`` is the following page's
    ``since``): signal, state (``active`` or ``removed``), ``derived`` label; no provenance."""
    scheme, _, secret = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise HTTPException(401, "a feed token is required", headers=_CHALLENGE)
    try:
        page = await run_in_threadpool(service.read_feed, secret.strip(), bank, since, limit)
    except FeedTokenInvalid as e:
        raise HTTPException(401, str(e), headers=_CHALLENGE) from None
    except FeedNotFound as e:
        raise HTTPException(404, str(e)) from None
    return page.to_json()
