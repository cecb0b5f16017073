"""Helpers of the HTTP API tests: a synchronous ASGI client, apps, bearer headers."""

from __future__ import annotations

from contextlib import ExitStack
from functools import partial
from typing import Any

import httpx
from anyio.from_thread import BlockingPortal, start_blocking_portal
from fastapi import FastAPI

from rempart.app import App, build
from rempart.config import HttpSettings, Settings

Headers = dict[str, str]


class TestClient:
    """A synchronous client of an ASGI app through httpx's ASGITransport, lifespan included.

    (Starlette's own TestClient warns about httpx; this is the same idea in a few lines.)
    """

    __test__ = False

    def __init__(self, api: FastAPI) -> None:
        self.api = api
        self._stack = ExitStack()

    def __enter__(self) -> TestClient:
        self.portal: BlockingPortal = self._stack.enter_context(start_blocking_portal())
        self._stack.enter_context(
            self.portal.wrap_async_context_manager(self.api.router.lifespan_context(self.api))
        )
        transport = httpx.ASGITransport(app=self.api)
        self.client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        self._stack.callback(self.portal.call, self.client.aclose)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """One request, answered in full."""
        return self.portal.call(partial(self.client.request, method, url, **kwargs))

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", url, **kwargs)


def make_app(url: str, **http: Any) -> App:
    """An app on ``url`` with HTTP settings overridden."""
    return build(Settings(database_url=url, http=HttpSettings(**http)))


def proof(client: Any) -> Headers:
    """The proof-of-work headers of an anonymous ``POST /api/v1/notices``: a challenge of
    ``GET /report/challenge``, solved as a browser or an API client does."""
    from rempart.services.proof_of_work import solve

    found = client.get("/report/challenge").json()
    return {"X-Proof-Challenge": found["challenge"],
            "X-Proof-Nonce": solve(found["challenge"], found["bits"])}


def bearer(secret: str) -> Headers:
    """The Authorization header of a secret."""
    return {"Authorization": f"Bearer {secret}"}
