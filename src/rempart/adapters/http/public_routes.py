"""What every public route (no token) shares: a rate limit per client address, shared by every
process, and a small body read streaming before it is validated.

Example::

    limiter = PublicLimiter(backend, "notice", per_minute=6, burst=3)
    await limiter.acheck(request)                       # 429 when this address sent too many
    body = await public_body(request, CaseSecretIn)     # 413 past PUBLIC_BODY_BYTES
"""

from __future__ import annotations

import math
from typing import Any, TypeVar

from fastapi import HTTPException, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool

from rempart.adapters.http.client_ip import client_ip
from rempart.adapters.http.deps import Backend
from rempart.adapters.http.uploads import read_body
from rempart.services.rate_limits import LimiterUnavailable, SharedLimiter

PUBLIC_BODY_BYTES = 128 * 1024
"""The largest body of a public route (a notice: 10,000 characters and a few links, escaped)."""

Model = TypeVar("Model", bound=BaseModel)


class PublicLimiter:
    """A token bucket per client address (behind the trusted proxies) for the public routes,
    shared by every process (:class:`SharedLimiter`); 429 when empty, 503 when the shared
    store (``backend.limits``) is unreachable."""

    def __init__(self, backend: Backend, name: str, per_minute: float, burst: int) -> None:
        self.shared = SharedLimiter(backend.limits, name, per_minute, burst)

    def check(self, client: str) -> None:
        """Raise 429 when ``client`` has no token left (a blocking call: use a thread)."""
        try:
            wait = self.shared.wait(client)
        except LimiterUnavailable as e:
            raise HTTPException(503, str(e), headers={"Retry-After": "5"}) from None
        if wait > 0:
            raise HTTPException(429, "too many requests from this address: try again later",
                                headers={"Retry-After": str(max(1, math.ceil(wait)))})

    async def acheck(self, request: Request) -> None:
        """:meth:`check` for the client of ``request``, off the event loop."""
        await run_in_threadpool(self.check, client_ip(request))


async def public_body(request: Request, model: type[Model]) -> Model:
    """The body of a public route as ``model``: read streaming (413 past
    :data:`PUBLIC_BODY_BYTES`), then validated (422, or 400 when it is not JSON)."""
    body = await read_body(request, PUBLIC_BODY_BYTES)
    try:
        return model.model_validate_json(body)
    except ValidationError as e:
        errors = [{**err, "loc": ("body", *err["loc"])} for err in e.errors(include_url=False)]
        raise RequestValidationError(errors) from None


def body_of(model: type[BaseModel]) -> dict[str, Any]:
    """``openapi_extra`` documenting a JSON body the route reads itself."""
    return {"requestBody": {"required": True, "content": {"application/json": {
        "schema": {"$ref": f"#/components/schemas/{model.__name__}"}}}}}
