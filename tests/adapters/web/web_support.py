"""Helpers of the web console tests: a synchronous ASGI client keeping cookies, users, forms."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from functools import partial
from typing import Any

import httpx
import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from argon2 import PasswordHasher
from fastapi import FastAPI

from rempart.app import App, create_http_app
from rempart.core.workflow import Role
from rempart.services.proof_of_work import solve
from rempart.services.users import SYSTEM, UserService
from rempart.store.users import SqlUserStore

PASSWORD = "a long enough passphrase"
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
POW = re.compile(r'name="pow_challenge" value="([^"]+)"')


class WebClient:
    """httpx over ASGITransport with the app's lifespan, cookies kept, redirects not followed."""

    __test__ = False

    def __init__(self, api: FastAPI) -> None:
        self.api = api
        self._stack = ExitStack()

    def __enter__(self) -> WebClient:
        self.portal: BlockingPortal = self._stack.enter_context(start_blocking_portal())
        self._stack.enter_context(
            self.portal.wrap_async_context_manager(self.api.router.lifespan_context(self.api)))
        self.client = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.api),
                                        base_url="http://testserver")
        self._stack.callback(self.portal.call, self.client.aclose)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return self.portal.call(partial(self.client.request, method, url, **kwargs))

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def csrf(self, url: str) -> str:
        """The CSRF token of the form on the page at ``url``."""
        page = self.get(url)
        found = CSRF.search(page.text)
        assert found, f"no CSRF field on {url}: {page.status_code}"
        return found.group(1)

    def form(self, url: str, page: str, data: dict[str, Any]) -> httpx.Response:
        """POST ``data`` to ``url`` with the CSRF token read from ``page`` (and the proof of
        work its form asks for, solved as the browser would)."""
        text = self.get(page).text
        found = CSRF.search(text)
        assert found, f"no CSRF field on {page}"
        extra = {"csrf_token": found.group(1)}
        challenge = POW.search(text)
        if challenge and "pow_nonce" not in data:
            bits = int(challenge.group(1).split(".")[1])
            extra |= {"pow_challenge": challenge.group(1),
                      "pow_nonce": solve(challenge.group(1), bits)}
        return self.post(url, data={**data, **extra})

    def login(self, username: str, password: str = PASSWORD) -> httpx.Response:
        r = self.form("/console/login", "/console/login",
                      {"username": username, "password": password})
        assert r.status_code == 303, r.text
        return r


def add_users(app: App) -> None:
    """admin ``boss``, moderators ``mod-a`` and ``mod-b``, analyst ``reader``."""
    users = UserService(SqlUserStore(app.store.engine), FAST_HASHER, sessions=None,
                        audit_log=None)
    for name, role in (("boss", Role.ADMIN), ("mod-a", Role.MODERATOR),
                       ("mod-b", Role.MODERATOR), ("reader", Role.ANALYST)):
        users.create(name, PASSWORD, role, SYSTEM)


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def served_url(app: App) -> Iterator[str]:
    """``app`` served by uvicorn in a thread on 127.0.0.1 (a free port), while inside."""
    import uvicorn

    port = free_port()
    config = uvicorn.Config(create_http_app(app), host="127.0.0.1", port=port,
                            log_level="warning", lifespan="on")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(10)
