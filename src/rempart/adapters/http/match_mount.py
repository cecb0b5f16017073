"""Where ``POST /api/v1/match`` is mounted: a route for OpenAPI and TokenFirst, and a short
path in front of the framework that answers it.

Most calls a platform makes at upload time are this one, and FastAPI's routing, its framework
middleware and dependency resolution cost more than the index lookup. So the one handler,
:func:`~rempart.adapters.http.matching.handle_match`, is mounted twice over, answering alike:

- :class:`MatchRoute` in the application's router, documented from the :func:`match` endpoint
  (request bodies, answers, errors) and read by
  :class:`~rempart.adapters.http.token_first.TokenFirst` for the token's scope;
- :class:`MatchMount` in front of the framework, which sends the route's requests straight to
  the handler inside the application's own middleware (``api.user_middleware``: body limit,
  metrics) and exception handlers: they apply once, as for a routed request.

Example::

    mount(api)                                       # the route, in create_api
    entry = TokenFirst(MatchMount(inner, api), api)  # in RempartAPI.__call__
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Annotated, Any

from fastapi import FastAPI, Query
from fastapi.routing import APIRoute
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from rempart.adapters.http.deps import API_PREFIX, MatchToken
from rempart.adapters.http.errors import BODY_ERRORS, TOKEN_ERRORS, responses
from rempart.adapters.http.health import UNAVAILABLE
from rempart.adapters.http.matching import handle_match, match_answer, send_answer
from rempart.adapters.http.schemas import MatchOut
from rempart.adapters.http.uploads import MEDIA_BODY

_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/SignalsIn"}},
            **MEDIA_BODY["requestBody"]["content"],  # type: ignore[index]
        },
    }
}


class MatchRoute(APIRoute):
    """The route of :func:`handle_match`: routed, documented and guarded from its endpoint
    like any route, answered without FastAPI's dependency resolution and response classes."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] in (self.methods or ()):
            await handle_match(scope, receive, send)
        else:
            await super().handle(scope, receive, send)  # 405


async def match(
    token: MatchToken,
    bank: Annotated[list[str] | None, Query(description="Only these banks (repeat).")] = None,
) -> MatchOut:
    """Match an upload (multipart part ``file``, or a raw body) or JSON signals.

    ``matches`` lists each matched bank item: ``bank``, ``entry`` (an opaque id, stable per
    deployment), ``signal``, ``distance``, ``policy``, ``action``, ``bank_kind``. Tokens with
    the ``cases`` scope (moderators) get the `rempart match --jsonl` record instead: the entry's
    number, case number, source, content group and labels. A bank filter comes from the query
    (``bank``, repeated), the JSON ``banks`` or the multipart field ``bank``. 503 when matching
    cannot be trusted (see ``/readyz``).
    """
    # The signature and this docstring document the route; MatchRoute.handle answers it.
    raise NotImplementedError


def mount(api: FastAPI) -> None:
    """Add the route to ``api`` (before the routers, so that it is the first one tried)."""
    api.router.add_api_route(
        f"{API_PREFIX}/match", match, methods=["POST"], route_class_override=MatchRoute,
        tags=["matching"], response_model=None, openapi_extra=_BODY,
        responses={200: {"model": MatchOut}, **TOKEN_ERRORS, **BODY_ERRORS,
                   **responses(404, s404="A bank of the filter does not exist."),
                   **UNAVAILABLE},
    )


class MatchMount:
    """Pure ASGI middleware in front of the framework; see the module docstring.

    Built on the first call (every route, middleware and handler is added by then) as
    ``FastAPI.build_middleware_stack`` builds the application, without the router and the
    framework's own layers (telemetry, its body limit and exit stack: unused here)::

        ServerErrorMiddleware → api.user_middleware → answer (handle_match; on error, the
        application's exception handlers through Starlette's ExceptionMiddleware)

    A request answered without error goes through no exception layer: the handler's refusal
    or failure, raised before anything is sent, is handed to an ``ExceptionMiddleware`` that
    raises it again, so that the application's handlers answer it exactly as for a routed
    request.
    """

    def __init__(self, app: ASGIApp, api: FastAPI) -> None:
        self.app = app
        self.api = api
        self._built = False
        self._path = ""
        self._methods: Collection[str] = ()
        self._route: MatchRoute | None = None
        self._stack: ASGIApp = app
        self._errors: ASGIApp = _raise_failure

    def _build(self) -> None:
        self._built = True
        found = [r for r in self.api.routes if isinstance(r, MatchRoute)]
        if not found:
            return
        handlers = self.api.exception_handlers
        server_error = next((h for k, h in handlers.items() if k in (500, Exception)), None)
        self._errors = ExceptionMiddleware(
            _raise_failure, debug=self.api.debug,
            handlers={k: h for k, h in handlers.items() if k not in (500, Exception)})
        stack: ASGIApp = self._answer
        for cls, args, kwargs in reversed(self.api.user_middleware):
            stack = cls(stack, *args, **kwargs)
        self._stack = ServerErrorMiddleware(stack, handler=server_error, debug=self.api.debug)
        self._route = found[0]
        self._path = found[0].path
        self._methods = frozenset(found[0].methods or ())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._built:
            self._build()
        if (scope["type"] != "http" or scope["path"] != self._path
                or scope["method"] not in self._methods):
            await self.app(scope, receive, send)
            return
        scope["app"] = self.api
        scope["route"] = self._route  # the metrics label, as the router would set it
        await self._stack(scope, receive, send)

    async def _answer(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            body = await match_answer(scope, receive)
        except Exception as exc:  # answered, or raised on, by the handlers below
            scope[_FAILURE] = exc
        else:
            await send_answer(send, body)
            return
        await self._errors(scope, receive, send)


_FAILURE = "rempart.match_failure"


async def _raise_failure(scope: Scope, receive: Receive, send: Send) -> None:
    # The app of MatchMount's ExceptionMiddleware: the handler's exception, raised again.
    raise scope.pop(_FAILURE)
