"""The token of a request is checked before a byte of its body is read.

FastAPI reads and parses a route's body before it resolves the route's dependencies, so a
client without a token could make the server read (and parse) a body up to the body limit.
This pure ASGI layer finds the route a request goes to; when that route takes a token of some
scope (a ``MatchToken``-style dependency, see ``deps.scoped``), it checks the token, its scope
and its rate limit with the route's own :class:`Guard` before anything else. A refused request
gets the route's own error (401, 403 or 429, rendered by the application's ``HTTPException``
handler) and its body is never read; an accepted one carries its token in the ASGI scope
(``deps.TOKEN_KEY``), where the route's dependency finds it (one check, one rate-limit take).

Example::

    entry = TokenFirst(inner_app, fastapi_app)     # in front of FastMatch and FastAPI
"""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from typing import cast

from fastapi import FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.responses import Response
from starlette.routing import compile_path
from starlette.types import ASGIApp, Receive, Scope, Send

from rempart.adapters.http.auth import Guard
from rempart.adapters.http.deps import TOKEN_KEY, scope_of
from rempart.adapters.http.metrics import Metrics

_Guarded = tuple[str, set[str], str]  # a route's path, methods and the scope its token needs
Handler = Callable[[Request, Exception], Awaitable[Response]]


def _scopes(dependant: Dependant) -> Iterable[str]:
    for dep in dependant.dependencies:
        scope = scope_of(dep.call)
        if scope is not None:
            yield scope
        yield from _scopes(dep)


def token_routes(api: FastAPI) -> Iterator[tuple[str, APIRoute, str]]:
    """(path, route, scope) of every route of ``api`` that takes a token of some scope."""
    for context in iter_route_contexts(api.routes):  # routes of included routers too
        route = context.original_route
        if isinstance(route, APIRoute):
            scopes = list(_scopes(route.dependant))
            if scopes:
                yield context.path or route.path, route, scopes[0]


class TokenFirst:
    """Pure ASGI middleware; see the module docstring."""

    def __init__(self, app: ASGIApp, api: FastAPI) -> None:
        self.app = app
        self.api = api
        self._static: dict[tuple[str, str], _Guarded] | None = None
        self._dynamic: list[tuple[re.Pattern[str], _Guarded]] = []

    def _index(self) -> dict[tuple[str, str], _Guarded]:
        # Built on the first request: every router is included by then.
        static: dict[tuple[str, str], _Guarded] = {}
        for path, route, scope in token_routes(self.api):
            guarded = (path, route.methods or set(), scope)
            if "{" in path:
                self._dynamic.append((compile_path(path)[0], guarded))
            else:
                for method in guarded[1]:
                    static[(method, path)] = guarded
        self._static = static
        return static

    def _find(self, method: str, path: str) -> _Guarded | None:
        static = self._static if self._static is not None else self._index()
        found = static.get((method, path))
        if found is not None:
            return found
        for regex, guarded in self._dynamic:
            if method in guarded[1] and regex.match(path):
                return guarded
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        found = self._find(scope["method"], scope["path"])
        if found is None:
            await self.app(scope, receive, send)
            return
        label, _methods, needed = found
        start = time.perf_counter()
        guard: Guard = self.api.state.guard
        authorization = None
        for key, value in scope["headers"]:
            if key == b"authorization":
                authorization = value.decode("latin-1")
                break
        try:
            scope[TOKEN_KEY] = await guard.check(authorization, needed)
        except Exception as exc:  # 401/403/429, or the token store down (503)
            handler = self._handler(exc)
            if handler is None:
                raise
            response = await handler(Request(scope), exc)
            await response(scope, receive, send)
            metrics: Metrics = self.api.state.metrics
            metrics.observe(label, scope["method"], response.status_code,
                            time.perf_counter() - start)
            return
        await self.app(scope, receive, send)

    def _handler(self, exc: Exception) -> Handler | None:
        """The application's handler of ``exc`` (the route would answer it the same way)."""
        handlers = self.api.exception_handlers
        for cls in type(exc).__mro__:
            if cls in handlers:
                return cast(Handler, handlers[cls])
        return None
