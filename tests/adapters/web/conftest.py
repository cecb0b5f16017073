"""Fixtures of the web console tests: an app per backend with users, and clients."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

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


CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags chromium keeps trying hosts it cannot reach here.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
IN_CI = os.environ.get("CI", "").lower() == "true"


def _browser_missing() -> str | None:
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        return f"chromium not found at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install playwright)"
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's chromium driven by Playwright; skipped where absent, except under CI=true."""
    problem = _browser_missing()
    if problem:
        if IN_CI:
            pytest.fail(problem + " (CI=true: browser tests must run)")
        pytest.skip(problem)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM if os.path.exists(CHROMIUM)
                              else shutil.which("chromium"), args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


