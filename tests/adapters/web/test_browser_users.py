"""The users page in a real browser (Playwright driving Debian's chromium): an admin creates a
moderator, who chooses a password through the one-time link and signs in; the admin disables
them and their open session dies at once. Skipped where chromium is absent, except under
``CI=true``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from web_support import PASSWORD, served_url

from rempart.app import App

pytestmark = pytest.mark.browser
NEW_PASSWORD = "the moderator's own passphrase"


@pytest.fixture
def server(sqlite_app: App) -> Iterator[str]:
    """The app served by uvicorn on 127.0.0.1 (a free port)."""
    with served_url(sqlite_app) as url:
        yield url


def _page(browser: Any, server: str) -> Any:
    context = browser.new_context(base_url=server, locale="en-GB")
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    return pg


def _sign_in(page: Any, user: str, password: str) -> None:
    page.goto("/console/login")
    page.get_by_label("User name").fill(user)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/console/")


def test_admin_creates_then_disables_a_moderator(browser: Any, server: str) -> None:
    admin = _page(browser, server)
    mod = _page(browser, server)
    try:
        _sign_in(admin, "boss", PASSWORD)
        admin.get_by_role("link", name="Users").click()
        admin.wait_for_url("**/console/users")
        admin.get_by_label("User name").fill("new-mod")
        admin.get_by_label("Role").select_option("moderator")
        admin.get_by_role("button", name="Create and get the link").click()
        link = admin.get_by_label("Link to choose the password").input_value()
        assert "/console/password/" in link and PASSWORD not in admin.content()

        mod.goto(link)
        mod.get_by_label("New password (at least 12 characters)").fill(NEW_PASSWORD)
        mod.get_by_label("Confirm the password").fill(NEW_PASSWORD)
        mod.get_by_role("button", name="Save the password").click()
        mod.wait_for_url("**/console/login**")
        _sign_in(mod, "new-mod", NEW_PASSWORD)
        mod.goto("/console/review")
        assert mod.get_by_role("heading", level=1).inner_text().startswith("Review queue")
        assert mod.get_by_role("link", name="Users").count() == 0

        admin.goto("/console/users")
        admin.get_by_role("link", name="new-mod").click()
        assert admin.locator('input[name="session"]').count() == 1  # the moderator's session
        admin.get_by_role("button", name="Disable").click()
        admin.wait_for_url("**/console/users/new-mod?done=1")
        assert "Disabled" in admin.locator("dl.facts").inner_text()
        assert admin.locator('input[name="session"]').count() == 0

        mod.reload()
        assert "/console/login" in mod.url
        mod.get_by_label("User name").fill("new-mod")
        mod.get_by_label("Password").fill(NEW_PASSWORD)
        mod.get_by_role("button", name="Sign in").click()
        assert mod.get_by_role("alert").inner_text().startswith("Wrong user name or password")
    finally:
        admin.context.close()
        mod.context.close()
