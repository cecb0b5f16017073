"""The FastAPI application: routers under ``/api/v1``, health and metrics at the root.

Example::

    api = create_api(backend)      # backend: rempart.app.App
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel
from starlette.requests import ClientDisconnect
from starlette.types import Receive, Scope, Send

from rempart.adapters.http import (
    bank_feed,
    banks,
    cases,
    errors,
    evidence,
    findings,
    hashing,
    health,
    match_mount,
    notice_intake,
    notices,
    text,
    tokens,
)
from rempart.adapters.http.auth import Guard
from rempart.adapters.http.deps import Backend
from rempart.adapters.http.match_mount import MatchMount
from rempart.adapters.http.matching import EntryIds
from rempart.adapters.http.metrics import Metrics, MetricsMiddleware
from rempart.adapters.http.public_routes import PublicLimiter
from rempart.adapters.http.schemas import SignalsBulkIn, SignalsIn
from rempart.adapters.http.token_first import TokenFirst
from rempart.adapters.http.uploads import BodyLimit
from rempart.services.rate_limits import LeasedLimiter

# Models used by routes that parse their bodies themselves (kept in the OpenAPI document).
_EXTRA_SCHEMAS: tuple[type[BaseModel], ...] = (SignalsIn, SignalsBulkIn, *errors.MODELS,
                                               *notice_intake.PUBLIC_MODELS)
_DESCRIPTION = """Match media against hash banks at upload time.

Authenticate with `Authorization: Bearer <token>` (create one with `rempart token create`).
Scopes: `match`, `hash`, `banks:read`, `banks:write`, `metrics`, `notices`, `findings`, `cases`,
`audit`, `admin` (all).
The token is checked before any byte of a request body is read.
Matches are described to integrators by bank, opaque entry id, policy, action, signal and
distance; only moderators' tokens (`cases` or `admin`) see case numbers, sources and labels.
Match routes answer 503 while matching cannot be trusted (see `/readyz`).
Uploads are read into memory, hashed and dropped: nothing of them is written to disk.
The API never fetches URLs.
"""


class RempartAPI(FastAPI):
    """FastAPI behind two pure ASGI layers: :mod:`token_first` (a route's token is checked
    before its body is read), then the short path of ``POST /api/v1/match``
    (:mod:`match_mount`)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._entry: TokenFirst | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._entry is None:
            self._entry = TokenFirst(MatchMount(super().__call__, self), self)
        await self._entry(scope, receive, send)


def entry_id_key(backend: Backend) -> bytes:
    """The key of the opaque entry ids shown to integrators (see ``EntryIds``): the same in
    every process of the deployment (see ``Backend.secret``)."""
    secret = backend.settings.http.entry_id_secret or backend.secret
    return hmac.new(secret.encode(), b"rempart.entry-ids", hashlib.sha256).digest()


def create_api(
    backend: Backend,
    on_start: Callable[[], None] | None = None,
    on_stop: Callable[[], None] | None = None,
) -> FastAPI:
    """A FastAPI instance serving ``backend``; ``on_start``/``on_stop`` run with its lifespan."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if on_start is not None:
            on_start()
        try:
            yield
        finally:
            if on_stop is not None:
                on_stop()

    api = RempartAPI(
        title="Rempart", version="1", description=_DESCRIPTION, lifespan=lifespan,
    )
    metrics = Metrics()
    api.state.backend = backend
    api.state.metrics = metrics
    api.state.guard = Guard(backend.tokens, backend.settings.http, limits=LeasedLimiter(
        backend.limits, lease_seconds=backend.settings.http.rate_lease_seconds))
    api.state.entry_ids = EntryIds(entry_id_key(backend))
    public = backend.settings.notices
    api.state.notice_limiter = PublicLimiter(backend, "notice", public.public_rate_per_minute,
                                             public.public_burst)
    limits = backend.settings.http
    api.add_middleware(BodyLimit, limit=max(limits.max_upload_bytes, limits.max_json_bytes))
    api.add_middleware(MetricsMiddleware, metrics=metrics)
    errors.install(api)
    health.install(api)
    api.add_exception_handler(ClientDisconnect, _client_gone)
    match_mount.mount(api)
    for module in (hashing, text, banks, bank_feed, tokens, notice_intake, notices, findings,
                   evidence, health):
        api.include_router(module.router)
    api.include_router(cases.router)
    from rempart.adapters.web import mount as mount_web  # the console and the public pages

    mount_web(api, backend)
    _document_extra_schemas(api)
    return api


async def _client_gone(_: Request, __: Exception) -> Response:
    # The body stopped: the client left, or BodyLimit cut it off and already answered 413.
    # Either way nobody reads this answer (BodyLimit drops it), and nothing went wrong here.
    return Response(status_code=400)


def _document_extra_schemas(api: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if api.openapi_schema is None:
            schema = get_openapi(
                title=api.title, version=api.version, description=api.description,
                routes=api.routes,
            )
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            for model in _EXTRA_SCHEMAS:
                extra = model.model_json_schema(ref_template="#/components/schemas/{model}")
                components.update(extra.pop("$defs", {}))
                components[model.__name__] = extra
            api.openapi_schema = schema
        return api.openapi_schema

    api.openapi = openapi  # type: ignore[method-assign]
