"""Console security: login required everywhere, read-only analysts, CSRF, no script injection."""

from __future__ import annotations

import pytest
from web_support import PASSWORD, WebClient

from rempart.adapters.web.session import make_state
from rempart.app import App
from rempart.core.banks import BankKind
from rempart.core.workflow import Category
from rempart.services.banks import create_bank
from rempart.services.notices import Submission
from rempart.store.reviews import NewReviewItem
from rempart.store.rows import utc_now

SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)> & friends'
CONSOLE_GETS = ["/console", "/console/", "/console/banks", "/console/banks/victims",
                "/console/review", "/console/review/1", "/console/notices",
                "/console/notices/RMP-2026-000001", "/console/review/groups/" + "0" * 32]
CONSOLE_POSTS = ["/console/review/1/decide", "/console/review/groups/decide",
                 "/console/notices/RMP-2026-000001/assign",
                 "/console/notices/RMP-2026-000001/decide",
                 "/console/notices/RMP-2026-000001/appeal-decision"]


def seed(app: App) -> tuple[str, int]:
    """A bank, a notice with a script in its explanation, a review item with one in its text."""
    web = make_state(app)
    create_bank(app.store, "victims", BankKind.VICTIM)
    receipt = web.notices.submit(Submission(
        category=Category.NCII,
        explanation=SCRIPT, message_link="https://t.me/c/1/2", good_faith=True))
    item, _ = web.reviews.create(NewReviewItem(
        "bot", "text_flag", "bot:chat:1:msg:2", utc_now(),
        location={"platform": "telegram", "chat": "-1001", "message": 2,
                  "link": "javascript:alert(1)"},
        evidence={"text": SCRIPT, "reasons": [SCRIPT]}))
    return receipt.case_number, item.id


@pytest.mark.parametrize("path", CONSOLE_GETS)
def test_every_console_page_needs_a_session(web: WebClient, path: str) -> None:
    r = web.get(path)
    assert r.status_code == 303
    assert r.headers["location"].startswith("/console/login?next=")


@pytest.mark.parametrize("path", CONSOLE_POSTS)
def test_every_console_post_needs_a_session(web: WebClient, path: str) -> None:
    token = web.csrf("/report")  # a valid anonymous token does not make a session
    r = web.post(path, data={"csrf_token": token, "decision": "confirm", "reason": "x"})
    assert r.status_code == 303 and r.headers["location"].startswith("/console/login")


def test_wrong_password_and_unknown_user(web: WebClient) -> None:
    for user, password in (("mod-a", "not the password!"), ("nobody", PASSWORD)):
        r = web.form("/console/login", "/console/login",
                     {"username": user, "password": password})
        assert r.status_code == 401
        assert web.get("/console/").status_code == 303


def test_session_cookie_flags(web: WebClient) -> None:
    r = web.login("mod-a")
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert "secure" not in cookie  # plain HTTP here; Secure over HTTPS or when configured


@pytest.mark.parametrize("path", CONSOLE_POSTS)
def test_analyst_may_read_but_not_post(sqlite_app: App, web: WebClient, path: str) -> None:
    seed(sqlite_app)
    web.login("reader")
    assert web.get("/console/review").status_code == 200
    r = web.form(path, "/console/", {"decision": "confirm", "reason": "x", "action": "remove",
                                     "summary": "x", "outcome": "upheld"})
    assert r.status_code == 403


@pytest.mark.parametrize("token", [None, "", "forged"])
def test_csrf_is_required(sqlite_app: App, web: WebClient, token: str | None) -> None:
    _, item = seed(sqlite_app)
    web.login("mod-a")
    data = {"decision": "dismiss", "reason": "not it"}
    if token is not None:
        data["csrf_token"] = token
    assert web.post(f"/console/review/{item}/decide", data=data).status_code == 403
    assert web.post("/report", data={**data, "category": "ncii"}).status_code == 403
    # and the item is still open
    assert "status-open" in web.get(f"/console/review/{item}").text


def test_login_needs_csrf(web: WebClient) -> None:
    r = web.post("/console/login", data={"username": "mod-a", "password": PASSWORD})
    assert r.status_code == 403


def test_logout_ends_the_session(web: WebClient) -> None:
    web.login("mod-a")
    r = web.form("/console/logout", "/console/", {})
    assert r.status_code == 303
    web.client.cookies.clear()
    assert web.get("/console/").status_code == 303


def test_texts_are_rendered_inert(sqlite_app: App, web: WebClient) -> None:
    case, item = seed(sqlite_app)
    web.login("mod-a")
    for path in (f"/console/notices/{case}", f"/console/review/{item}", "/console/review"):
        html = web.get(path).text
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    # a non-https link is shown as text, never as a javascript: href
    assert 'href="javascript:' not in web.get(f"/console/review/{item}").text


def test_open_redirect_is_refused(web: WebClient) -> None:
    r = web.form("/console/login", "/console/login",
                 {"username": "mod-a", "password": PASSWORD, "next": "//evil.example/x"})
    assert r.headers["location"] == "/console/"


def test_security_headers(web: WebClient) -> None:
    r = web.get("/report")
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert r.headers["cache-control"] == "no-store"
