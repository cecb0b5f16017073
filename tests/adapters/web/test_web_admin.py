"""Admin pages of the console: users (one-time password links, roles, disabling, the last admin),
server-side sessions (logout, revocation, idle and absolute expiry), the audit log and the
statements of reasons export; who may use them and CSRF on every POST."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from web_support import PASSWORD, WebClient

from rempart.adapters.web.session import SESSION_COOKIE, make_state
from rempart.app import App
from rempart.store.audit import AuditFilter
from rempart.store.rows import utc_now
from rempart.store.sessions import SqlSessionStore

LINK = re.compile(r'id="one-time-link"[^>]* value="http://testserver(/console/password/[^"]+)"')
ADMIN_GETS = ["/console/users", "/console/users/mod-a"]
READER_GETS = ["/console/audit"]
ALL_GETS = ["/console/statements", "/console/statements/export.json",
            "/console/statements/export.csv"]
ADMIN_POSTS = ["/console/users", "/console/users/mod-a/role", "/console/users/mod-a/disable",
               "/console/users/mod-a/enable", "/console/users/mod-a/reset",
               "/console/users/mod-a/sessions/revoke",
               "/console/users/mod-a/sessions/revoke-one"]
NEW_PASSWORD = "another long passphrase"


def signed_out(web: WebClient, path: str = "/console/") -> bool:
    r = web.get(path)
    return r.status_code == 303 and r.headers["location"].startswith("/console/login")


@pytest.mark.parametrize("path", ADMIN_GETS + READER_GETS + ALL_GETS)
def test_new_pages_need_a_session(web: WebClient, path: str) -> None:
    assert signed_out(web, path)


@pytest.mark.parametrize("path", ADMIN_POSTS)
def test_new_posts_need_a_session(web: WebClient, path: str) -> None:
    token = web.csrf("/report")
    r = web.post(path, data={"csrf_token": token, "role": "admin", "username": "x"})
    assert r.status_code == 303 and r.headers["location"].startswith("/console/login")


@pytest.mark.parametrize("user", ["mod-a", "reader"])
def test_only_admins_manage_users(web: WebClient, user: str) -> None:
    web.login(user)
    for path in ADMIN_GETS:
        assert web.get(path).status_code == 403
    token = web.csrf("/console/")
    for path in ADMIN_POSTS:
        r = web.post(path, data={"csrf_token": token, "role": "admin", "username": "x"})
        assert r.status_code == 403, path
    assert "/console/users" not in web.get("/console/").text  # no link either


def test_audit_is_for_admins_and_analysts(web: WebClient) -> None:
    web.login("mod-a")
    assert web.get("/console/audit").status_code == 403
    assert 'href="/console/audit"' not in web.get("/console/").text
    assert web.get("/console/statements").status_code == 200
    web.client.cookies.clear()
    web.login("reader")
    assert web.get("/console/audit").status_code == 200
    assert 'href="/console/audit"' in web.get("/console/").text


@pytest.mark.parametrize("path", ADMIN_POSTS)
@pytest.mark.parametrize("token", [None, "", "forged"])
def test_admin_posts_need_the_session_csrf(web: WebClient, path: str,
                                           token: str | None) -> None:
    web.login("boss")
    data = {"role": "analyst", "username": "new-user"}
    if token is not None:
        data["csrf_token"] = token
    assert web.post(path, data=data).status_code == 403
    anonymous = web.client.cookies.get("rempart_csrf")
    if anonymous:  # the anonymous double-submit token is not the session's
        assert web.post(path, data={**data, "csrf_token": anonymous}).status_code == 403


def test_create_user_with_one_time_link(app: App, web_any: WebClient) -> None:
    web = web_any
    web.login("boss")
    r = web.form("/console/users", "/console/users", {"username": "new-mod", "role": "moderator"})
    assert r.status_code == 201, r.text
    link = LINK.search(r.text)
    assert link, r.text
    assert PASSWORD not in r.text
    again = web.form("/console/users", "/console/users", {"username": "new-mod",
                                                          "role": "moderator"})
    assert again.status_code == 422 and not LINK.search(again.text)
    web.client.cookies.clear()

    # nobody can sign in as the new user before the link is used
    r = web.form("/console/login", "/console/login",
                 {"username": "new-mod", "password": NEW_PASSWORD})
    assert r.status_code == 401
    path = link.group(1)
    assert web.form(path, path, {"password": NEW_PASSWORD,
                                 "confirm": "something else!"}).status_code == 422
    assert web.form(path, path, {"password": "short", "confirm": "short"}).status_code == 422
    r = web.form(path, path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert r.status_code == 303
    assert 'role="status"' in web.get(r.headers["location"]).text
    assert web.get(path).status_code == 404  # used once
    assert web.get("/console/password/" + "x" * 43).status_code == 404
    web.login("new-mod", NEW_PASSWORD)
    assert web.get("/console/review").status_code == 200
    actions = [e.entry.action for e in make_state(app).notices.audit(
        AuditFilter(object_type="user", object_id="new-mod")).items]
    assert {"user.create", "user.password_link", "user.password"} <= set(actions)


def test_logout_revokes_the_session_on_the_server(web: WebClient) -> None:
    r = web.login("mod-a")
    cookie = web.client.cookies.get(SESSION_COOKIE)
    assert cookie and "HttpOnly" in r.headers["set-cookie"]
    r = web.form("/console/logout", "/console/", {})
    assert r.status_code == 303
    web.client.cookies.set(SESSION_COOKIE, cookie)  # a copy kept by an attacker
    assert signed_out(web)


def test_disabled_user_session_dies_at_once(sqlite_app: App) -> None:
    from rempart.app import create_http_app

    with WebClient(create_http_app(sqlite_app)) as admin, \
            WebClient(create_http_app(sqlite_app)) as mod:
        mod.login("mod-a")
        assert mod.get("/console/review").status_code == 200
        admin.login("boss")
        page = "/console/users/mod-a"
        assert "Mozilla" not in admin.get(page).text  # sessions listed, no browser given
        assert admin.get(page).text.count('name="session"') == 1
        assert admin.form(f"{page}/disable", page, {}).status_code == 303
        assert signed_out(mod, "/console/review")
        r = mod.form("/console/login", "/console/login",
                     {"username": "mod-a", "password": PASSWORD})
        assert r.status_code == 401
        assert admin.form(f"{page}/enable", page, {}).status_code == 303
        mod.login("mod-a")
        # a role change ends the sessions opened under the old role
        r = admin.form(f"{page}/role", page, {"role": "analyst"})
        assert r.status_code == 303
        assert signed_out(mod)
        mod.login("mod-a")
        assert mod.form("/console/review/1/decide", "/console/",
                        {"decision": "confirm"}).status_code == 403  # analyst now
        # an admin ends one session, then all of them
        found = re.search(r'name="session" value="(\d+)"', admin.get(page).text)
        assert found
        r = admin.form(f"{page}/sessions/revoke-one", page, {"session": found.group(1)})
        assert r.status_code == 200 and signed_out(mod)
        mod.login("mod-a")
        assert admin.form(f"{page}/sessions/revoke", page, {}).status_code == 200
        assert signed_out(mod)
        # a password reset ends sessions and the old password
        mod.login("mod-a")
        r = admin.form(f"{page}/reset", page, {})
        assert r.status_code == 200 and LINK.search(r.text)
        assert signed_out(mod)
        assert mod.form("/console/login", "/console/login",
                        {"username": "mod-a", "password": PASSWORD}).status_code == 401
        assert admin.get("/console/").status_code == 200  # the admin's own session lives on


def test_last_admin_cannot_be_removed(web: WebClient) -> None:
    web.login("boss")
    page = "/console/users/boss"
    r = web.form(f"{page}/disable", page, {})
    assert r.status_code == 422 and "last active admin" in r.text
    r = web.form(f"{page}/role", page, {"role": "moderator"})
    assert r.status_code == 422
    assert web.get("/console/users").status_code == 200
    # with a second admin, boss may step down (and is signed out by the change)
    assert web.form("/console/users/mod-b/role", "/console/users/mod-b",
                    {"role": "admin"}).status_code == 303
    r = web.form(f"{page}/role", page, {"role": "moderator"})
    assert r.status_code == 303 and r.headers["location"] == "/console/login"
    assert signed_out(web)


def test_idle_and_absolute_expiry(sqlite_app: App, web: WebClient) -> None:
    store = SqlSessionStore(sqlite_app.store.engine)
    state = make_state(sqlite_app)
    user = state.users.get("mod-a")
    now = utc_now()
    idle = state.idle
    # unused for longer than the idle limit
    _, stale = store.create(user.id, now - idle - timedelta(seconds=5), timedelta(hours=8))
    # used a moment ago but past its absolute expiry
    _, old = store.create(user.id, now - timedelta(hours=9), timedelta(hours=8))
    store.find(old, now - timedelta(hours=8, seconds=1), idle)  # touched near its end
    _, fresh = store.create(user.id, now, timedelta(hours=8))
    for secret, alive in ((stale, False), (old, False), (fresh, True)):
        web.client.cookies.set(SESSION_COOKIE, secret)
        assert signed_out(web) is not alive
    assert store.purge(now + timedelta(hours=9)) == 3


def test_audit_page_filters_and_pages(sqlite_app: App, web: WebClient) -> None:
    state = make_state(sqlite_app)
    from rempart.services.users import Actor

    for i in range(60):
        state.audit_log.append_audit(Actor("system").entry(
            utc_now(), "test.event", "thing", f"t{i}", note='<script>alert(1)</script>'))
    web.login("reader")
    r = web.get("/console/audit?action=test.event")
    assert r.status_code == 200
    assert "<script>alert" not in r.text and "&lt;script&gt;" in r.text
    assert "60" in r.text and r.text.count("<code>test.event</code>") == 50
    more = re.search(r'hx-get="([^"]+)"', r.text)
    assert more and "offset=50" in more.group(1)
    rows = web.get(more.group(1).replace("&amp;", "&"), headers={"hx-request": "true"})
    assert rows.status_code == 200 and "<html" not in rows.text
    assert rows.text.count("<code>test.event</code>") == 10 and "hx-get" not in rows.text
    r = web.get("/console/audit?object_type=thing&object_id=t7")
    assert r.text.count("<code>test.event</code>") == 1
    r = web.get("/console/audit?actor_type=user&actor_id=nobody")
    assert "<code>test.event</code>" not in r.text
    r = web.get("/console/audit?since=2000-01-01&until=2000-01-02")
    assert "<code>" not in r.text
    r = web.get("/console/audit?since=yesterday")
    assert r.status_code == 200 and 'role="alert"' in r.text


def _decided_notice(web: WebClient, facts: str) -> None:
    r = web.form("/report", "/report", {
        "category": "ncii", "explanation": "x", "message_link": "https://t.me/c/1/2",
        "good_faith": "on"})
    case = re.search(r'id="case-number">([^<]+)<', r.text).group(1)  # type: ignore[union-attr]
    page = f"/console/notices/{case}"
    r = web.form(f"{page}/decide", page, {
        "action": "remove", "summary": "Removed.",
        "decision_ground": "DECISION_GROUND_ILLEGAL_CONTENT", "legal_ground": "=1+1",
        "ground_explanation": "shared", "content_type": "CONTENT_TYPE_IMAGE",
        "tdb_category": "STATEMENT_CATEGORY_CYBER_VIOLENCE_AGAINST_WOMEN",
        "decision_visibility": "DECISION_VISIBILITY_CONTENT_REMOVED",
        "decision_facts": facts, "content_date": "2026-01-02",
        "application_date": "2026-01-03", "territorial_scope": "FR"})
    assert r.status_code == 303, r.text


def test_statements_export(web_any: WebClient) -> None:
    web = web_any
    web.login("mod-a")
    _decided_notice(web, '=HYPERLINK("http://x")<script>')
    _decided_notice(web, "plain facts")
    today = utc_now().date().isoformat()
    r = web.get(f"/console/statements?since={today}&until={today}")
    assert r.status_code == 200 and "DECISION_GROUND_ILLEGAL_CONTENT" in r.text
    r = web.get(f"/console/statements/export.json?since={today}")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    body = json.loads(r.text)
    assert body["total"] == 2
    first = body["statements"][0]
    assert first["decision_facts"] == '=HYPERLINK("http://x")<script>'  # JSON keeps it as is
    assert first["puid"].startswith("RMP-") and first["automated_detection"] == "No"
    r = web.get("/console/statements/export.csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == 2 and r.headers["content-type"].startswith("text/csv")
    assert rows[0]["decision_facts"].startswith("'=HYPERLINK")
    assert rows[0]["illegal_content_legal_ground"] == "'=1+1"
    assert rows[0]["territorial_scope"] == "FR"
    r = web.get("/console/statements/export.json?since=2000-01-01&until=2000-01-01")
    assert json.loads(r.text)["total"] == 0


def test_every_label_has_its_input_on_admin_pages(web: WebClient) -> None:
    web.login("boss")
    for path in ("/console/users", "/console/users/mod-a", "/console/audit",
                 "/console/statements"):
        html = web.get(path).text
        for target in re.findall(r'<label for="([^"]+)"', html):
            assert f'id="{target}"' in html, (path, target)
        web.get(path + "?lang=en")


PUBLIC_CONSOLE = {"/console/login", "/console/logout", "/console/password/{secret}"}


def _console_routes(web: WebClient) -> list[tuple[str, str]]:
    from fastapi.routing import APIRoute

    def walk(routes: list[Any]) -> Iterator[APIRoute]:
        for route in routes:
            if isinstance(route, APIRoute):
                yield route
            elif hasattr(route, "original_router"):  # routers included lazily (FastAPI ≥ 0.16x)
                yield from walk(route.original_router.routes)

    return [(m, r.path) for r in walk(list(web.api.routes))
            if r.path.startswith("/console") and r.path not in PUBLIC_CONSOLE
            for m in sorted(r.methods or ()) if m != "HEAD"]


def test_every_console_route_needs_a_session(web: WebClient) -> None:
    """Enumerated from the app, so that a new page cannot forget its guard."""
    routes = _console_routes(web)
    assert ("GET", "/console/users/{username}") in routes and len(routes) > 20
    token = web.csrf("/report")
    for method, path in routes:
        url = re.sub(r"{[^}]+}", "1", path)
        r = web.request(method, url, data={"csrf_token": token} if method == "POST" else None)
        assert r.status_code == 303, (method, path, r.status_code)
        assert r.headers["location"].startswith("/console/login"), (method, path)
