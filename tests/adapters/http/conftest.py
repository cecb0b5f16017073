"""Fixtures of the HTTP API tests: an app per backend, tokens, and a disk-write watch."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from http_support import Headers, TestClient, bearer, make_app

from rempart.app import App, create_http_app
from rempart.store.tokens import SCOPES

_WRITES: list[list[str]] = []
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event != "open" or not _WRITES:
        return
    path, mode, flags = args
    if isinstance(mode, str):
        writing = any(c in mode for c in "wax+")
    else:
        writing = isinstance(flags, int) and bool(flags & _WRITE_FLAGS)
    if writing and "__pycache__" not in str(path):
        _WRITES[-1].append(str(path))


if not getattr(sys, "_rempart_http_audit", False):  # audit hooks cannot be removed: add once
    sys.addaudithook(_audit)
    sys._rempart_http_audit = True  # type: ignore[attr-defined]


@pytest.fixture
def no_disk_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[], Any]:
    """A context manager failing when anything is written to disk (or spooled) inside it."""
    spool = tmp_path / "spool"
    spool.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spool))

    @contextmanager
    def watch() -> Iterator[None]:
        _WRITES.append([])
        try:
            yield
        finally:
            written = _WRITES.pop()
        assert written == [], f"files opened for writing: {written}"
        assert list(spool.iterdir()) == [], "a temporary file was created"

    return watch


@pytest.fixture
def app(db_url: str) -> Iterator[App]:
    """An app on each backend."""
    built = make_app(db_url)
    yield built
    built.close()


@pytest.fixture
def sqlite_app(sqlite_url: str) -> Iterator[App]:
    """An app on SQLite only (for tests that do not depend on the backend)."""
    built = make_app(sqlite_url)
    yield built
    built.close()


@pytest.fixture
def client(app: App) -> Iterator[TestClient]:
    """A client of ``app`` (lifespan run: the change-feed follower is on)."""
    with TestClient(create_http_app(app)) as c:
        yield c


@pytest.fixture
def sqlite_client(sqlite_app: App) -> Iterator[TestClient]:
    """A client of ``sqlite_app``."""
    with TestClient(create_http_app(sqlite_app)) as c:
        yield c


@pytest.fixture
def auth(request: pytest.FixtureRequest) -> Callable[..., Headers]:
    """``auth("match", ...)``: headers of a fresh token with these scopes on the test's app."""

    def make(*scopes: str, rate: float | None = None, burst: int | None = None) -> Headers:
        names = [n for n in ("app", "sqlite_app") if n in request.fixturenames]
        built: App = request.getfixturevalue(names[0])
        _, secret = built.tokens.create("test", scopes or SCOPES, rate, burst)
        return bearer(secret)

    return make
