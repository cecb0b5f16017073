"""Fixtures of the web console tests: an app per backend with users, and clients."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from web_support import WebClient, add_users

from rempart.app import App, build, create_http_app
from rempart.config import Settings


def make_app(url: str) -> App:
    built = build(Settings(database_url=url))
    add_users(built)
    return built


@pytest.fixture
def app(db_url: str) -> Iterator[App]:
    """An app with users on each backend."""
    built = make_app(db_url)
    yield built
    built.close()


@pytest.fixture
def sqlite_app(sqlite_url: str) -> Iterator[App]:
    """An app with users on SQLite only (backend-independent tests)."""
    built = make_app(sqlite_url)
    yield built
    built.close()


@pytest.fixture
def web(sqlite_app: App) -> Iterator[WebClient]:
    with WebClient(create_http_app(sqlite_app)) as c:
        yield c


@pytest.fixture
def web_any(app: App) -> Iterator[WebClient]:
    with WebClient(create_http_app(app)) as c:
        yield c
