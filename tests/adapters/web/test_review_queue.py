"""The console's review queue by content: one row per content with its sightings, filters, one
decision per group or on selected groups, and its guards (role, CSRF, ids, bounds)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from web_support import CSRF, WebClient

from rempart.adapters.web.session import SECURITY_HEADERS, make_state
from rempart.app import App
from rempart.core.banks import BankKind, BankPolicy
from rempart.services.banks import add_signal, create_bank
from rempart.services.reviews import ReviewService
from rempart.store.reviews import NewReviewItem
from rempart.store.rows import utc_now

MD5 = "d41d8cd98f00b204e9800998ecf8427e"
GROUP = re.compile(r'name="group" value="([0-9a-f]{32})"')


def _seed(app: App) -> tuple[ReviewService, list[int]]:
    """One banked photo seen in three chats by the bot, once by a scan, once by the API; and a
    flagged text."""
    create_bank(app.store, "partner", BankKind.PARTNER, BankPolicy.BLOCK)
    create_bank(app.store, "allow", BankKind.ALLOWLIST)
    entry = add_signal(app.store, "partner", "md5", MD5)
    found = app.store.get_entry(entry)
    assert found is not None
    reviews = make_state(app).reviews
    now = utc_now() - timedelta(days=2)
    ids = []
    places = [("bot", {"platform": "telegram", "chat": -1001}),
              ("bot", {"platform": "telegram", "chat": -1002}),
              ("bot", {"platform": "telegram", "chat": -1003}),
              ("scan", {"platform": "telegram", "chat": "export-7", "scan_id": "s1"}),
              ("api", {"platform": "api", "token": "partner-x"})]
    for i, (source, where) in enumerate(places):
        item, _ = reviews.create(NewReviewItem(
            source, "media_match", f"{source}:{i}", now + timedelta(minutes=i), bank="partner",
            entry_id=entry, content_group=found.content_group, signal="md5", distance=0,
            location=where, evidence={"query_signals": [{"signal_type": "md5", "value": MD5}]}))
        ids.append(item.id)
    reviews.create(NewReviewItem("bot", "text_flag", "bot:text", now, labels=("spam",),
                                 location={"platform": "telegram", "chat": -1009},
                                 evidence={"text": "cheap followers <b>now</b>"}))
    return reviews, ids


def _groups(web: WebClient, url: str = "/console/review") -> list[str]:
    return GROUP.findall(web.get(url).text)


def test_the_queue_shows_one_row_per_content(sqlite_app: App, web: WebClient) -> None:
    _, ids = _seed(sqlite_app)
    web.login("mod-a")
    page = web.get("/console/review")
    assert page.status_code == 200
    assert "Seen 5 times in 5 places since" in web.get("/console/review?lang=en").text
    assert len(GROUP.findall(page.text)) == 2
    assert all(f'href="/console/review/{i}"' in page.text for i in ids)  # expandable
    assert "api (1) · bot (3) · scan (1)" in page.text
    assert "&lt;b&gt;now&lt;/b&gt;" in page.text and "<b>now</b>" not in page.text
    assert '<script src="/assets/review_keys.js" defer></script>' in page.text
    assert page.headers["content-security-policy"] == \
        SECURITY_HEADERS["Content-Security-Policy"]
    js = web.get("/assets/review_keys.js")
    assert js.status_code == 200 and "javascript" in js.headers["content-type"]


@pytest.mark.parametrize(("query", "kinds"), [
    ("kind=text_flag", ["text_flag"]), ("source=scan", ["media_match"]),
    ("bank=partner", ["media_match"]), ("place=-1009", ["text_flag"]),
    ("q=FOLLOWERS", ["text_flag"]), ("since=2000-01-01&until=2000-01-02", []),
    ("source=nonsense", ["media_match", "text_flag"]), ("since=yesterday", ["media_match",
                                                                            "text_flag"]),
])
def test_filters(sqlite_app: App, web: WebClient, query: str, kinds: list[str]) -> None:
    _seed(sqlite_app)
    web.login("reader")
    page = web.get(f"/console/review?{query}").text
    shown = re.findall(r'href="/console/review/groups/[0-9a-f]{32}">(\w+)', page)
    assert sorted(set(shown)) == kinds


def test_one_decision_covers_the_group_and_bulk_covers_the_selection(
        sqlite_app: App, web: WebClient) -> None:
    reviews, ids = _seed(sqlite_app)
    web.login("mod-a")
    media = GROUP.findall(web.get("/console/review?kind=media_match").text)[0]
    group_page = web.get(f"/console/review/groups/{media}")
    assert group_page.status_code == 200 and group_page.text.count("status-open") == 5
    r = web.form("/console/review/groups/decide", f"/console/review/groups/{media}",
                 {"group": media, "decision": "dismiss", "reason": "a stock photo",
                  "allowlist": "allow", "back": f"/console/review/groups/{media}"})
    assert r.status_code == 303 and r.headers["location"] == "/console/review?decided=5&left=0"
    assert {reviews.evidence(i).item.decision for i in ids} == {"dismiss:allowlist"}
    assert "5 item(s) decided" in web.get(r.headers["location"] + "&lang=en").text
    assert len(_groups(web)) == 1

    [text] = _groups(web)
    r = web.form("/console/review/groups/decide", "/console/review",
                 {"group": [text], "decision": "confirm", "reason": "spam",
                  "back": "/console/review?kind=text_flag"})
    assert r.headers["location"] == "/console/review?kind=text_flag&decided=1&left=0"
    assert _groups(web) == [] and len(_groups(web, "/console/review?all=true")) == 2


def test_guards(sqlite_app: App, web: WebClient) -> None:
    _seed(sqlite_app)
    web.login("reader")
    assert _groups(web) == []  # no checkboxes for a read-only role
    page = web.get("/console/review").text
    key = re.findall(r'href="/console/review/groups/([0-9a-f]{32})"', page)[0]
    r = web.form("/console/review/groups/decide", "/console/review",
                 {"group": key, "decision": "confirm", "reason": "x"})
    assert r.status_code == 403
    web.client.cookies.clear()
    web.login("mod-a")
    for token in (None, "forged"):
        data = {"group": key, "decision": "confirm", "reason": "x"}
        if token:
            data["csrf_token"] = token
        assert web.post("/console/review/groups/decide", data=data).status_code == 403
    assert len(_groups(web)) == 2
    assert web.get("/console/review/groups/" + "0" * 32).status_code == 404
    assert web.get("/console/review/groups/..%2F1").status_code == 404
    r = web.form("/console/review/groups/decide", "/console/review",
                 {"group": "1' or '1'='1", "decision": "confirm", "reason": "x"})
    assert r.status_code == 422 and len(_groups(web)) == 2
    r = web.form("/console/review/groups/decide", "/console/review",
                 {"group": key, "decision": "confirm", "reason": "x",
                  "back": "//evil.example/console/review"})
    assert r.headers["location"].startswith("/console/review?")
    assert web.get("/console/review?offset=-5").status_code == 200


def test_a_page_holds_a_bounded_number_of_groups(sqlite_app: App, web: WebClient) -> None:
    reviews = make_state(sqlite_app).reviews
    for i in range(30):
        reviews.create(NewReviewItem("bot", "text_flag", f"t:{i}", utc_now(),
                                     evidence={"text": f"message {i}"}))
    web.login("mod-a")
    first = web.get("/console/review").text
    assert len(GROUP.findall(first)) == 25 and "offset=25" in first
    assert len(GROUP.findall(web.get("/console/review?offset=25").text)) == 5


def test_the_form_carries_the_session_token(sqlite_app: App, web: WebClient) -> None:
    _seed(sqlite_app)
    web.login("mod-a")
    page = web.get("/console/review").text
    form = page[page.index('id="bulk"'):]
    assert CSRF.search(form)
