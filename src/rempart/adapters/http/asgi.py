"""Pure ASGI middleware acting on HTTP requests only: anything else (the lifespan, a
websocket) goes straight to the app.

Example::

    class Timing(HttpMiddleware):
        async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
            start = time.perf_counter()
            await self.app(scope, receive, send)
            log.info("%s took %.3f s", scope["path"], time.perf_counter() - start)
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send


class HttpMiddleware:
    """The base of a pure ASGI middleware that handles HTTP requests in :meth:`http`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.http(scope, receive, send)

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one HTTP request, passing it on to ``self.app``."""
        raise NotImplementedError
