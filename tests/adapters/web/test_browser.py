"""The console and the public pages in a real browser: Playwright driving Debian's chromium
against a uvicorn server on loopback. Skipped where chromium or playwright is absent, except
under ``CI=true`` where they must run."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from web_support import PASSWORD, served_url

from rempart.adapters.web.session import make_state
from rempart.app import App
from rempart.core.banks import BankKind
from rempart.services.banks import create_bank
from rempart.store.reviews import NewReviewItem
from rempart.store.rows import utc_now

pytestmark = pytest.mark.browser


@pytest.fixture
def server(sqlite_app: App) -> Iterator[str]:
    """The app served by uvicorn on 127.0.0.1 (a free port), with a bank and a review item."""
    create_bank(sqlite_app.store, "allow", BankKind.ALLOWLIST)
    make_state(sqlite_app).reviews.create(NewReviewItem(
        "bot", "text_flag", "browser:1", utc_now(),
        location={"platform": "telegram", "chat": "-1001", "message": 7},
        evidence={"text": "<b>flagged</b> text", "reasons": ["test reason"],
                  "query_signals": [{"signal_type": "md5",
                                     "value": "d41d8cd98f00b204e9800998ecf8427e"}]}))
    with served_url(sqlite_app) as url:
        yield url


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    context = browser.new_context(base_url=server, locale="en-GB")
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    yield pg
    context.close()


def _sign_in(page: Any, target: str = "/console/review") -> None:
    page.goto(target)
    assert "/console/login" in page.url
    page.get_by_label("User name").fill("mod-a")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**" + target)


def test_login_and_review_decision(page: Any) -> None:
    _sign_in(page)
    row = page.locator("article.group-row").first
    assert "<b>flagged</b> text" in row.inner_text()  # shown as text, not markup
    row.get_by_label("Select this content").check()
    page.get_by_label("Reason for the decision").fill("harmless holiday chat")
    page.get_by_label("Add to the allowlist").select_option("allow")
    page.get_by_role("button", name="Dismiss").click()
    page.wait_for_url("**/console/review?decided=1&left=0")
    assert page.locator("article.group-row").count() == 0
    page.goto("/console/review?all=true")
    page.locator("article.group-row details summary").first.click()
    page.locator("article.group-row details a").first.click()
    assert "dismiss:allowlist" in page.locator("article.card").first.inner_text()


def test_review_keyboard_shortcuts(page: Any) -> None:
    _sign_in(page)
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog")
    assert "Keyboard shortcuts" in dialog.inner_text()
    page.keyboard.press("Escape")
    page.keyboard.press("j")
    row = page.locator("article.group-row.current")
    assert row.count() == 1
    page.keyboard.press("x")
    assert row.get_by_label("Select this content").is_checked()
    page.keyboard.press("x")
    assert not row.get_by_label("Select this content").is_checked()
    page.keyboard.press("d")  # no reason yet: the reason field takes the focus
    reason = page.get_by_label("Reason for the decision")
    assert reason.evaluate("el => el === document.activeElement")
    reason.type("spam seen before")
    reason.press("Enter")
    page.wait_for_url("**/console/review?decided=1&left=0")
    assert page.locator("article.group-row").count() == 0


def test_report_then_status(page: Any) -> None:
    page.goto("/report")
    page.get_by_label("Message link (e.g. https://t.me/c/…)").fill("https://t.me/c/1/2")
    page.get_by_label("What is it?").select_option("ncii")
    page.get_by_label("Why is this content illegal or harmful?").fill("<i>my photo</i>")
    page.get_by_label("I state in good faith").check()
    page.get_by_role("button", name="Send the report").click()
    case = page.locator("#case-number").inner_text()
    secret = page.locator("#case-secret").inner_text()
    assert case.startswith("RMP-") and len(secret) > 20
    page.goto("/report/status")
    page.get_by_label("Case number").fill(case)
    page.get_by_label("Secret code").fill(secret)
    page.get_by_role("button", name="See the status").click()
    assert page.locator("#state").inner_text() == "received"


def test_language_switch(page: Any) -> None:
    page.goto("/report")
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_role("link", name="FR").click()
    page.wait_for_url("**lang=fr")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.get_by_role("heading", level=1).inner_text() == "Signaler un contenu"
    page.goto("/report/status")  # the choice is kept in a cookie
    assert page.locator("html").get_attribute("lang") == "fr"
    page.keyboard.press("Tab")  # the first stop is the skip link, visible when focused
    assert page.evaluate("document.activeElement.className") == "skip"
