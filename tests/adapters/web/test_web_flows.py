"""Console and public flows through the ASGI app: review store (both backends), decisions,
notices with statements of reasons, public report/status/appeal, language switch."""

from __future__ import annotations

import re

import pytest
from web_support import WebClient

from rempart.adapters.web.i18n import CATALOG
from rempart.adapters.web.session import make_state
from rempart.app import App
from rempart.core.banks import BankKind, BankPolicy
from rempart.services.banks import add_signal, create_bank
from rempart.services.reviews import ReviewClosed
from rempart.store.audit import AuditFilter
from rempart.store.reviews import NewReviewItem
from rempart.store.rows import utc_now

MD5 = "0123456789abcdef0123456789abcdef"


def _item(key: str, **over: object) -> NewReviewItem:
    values: dict[str, object] = {
        "source": "scan", "kind": "media_match", "dedup_key": key, "created_at": utc_now(),
        "bank": "partner", "signal": "md5", "distance": 0,
        "location": {"platform": "telegram", "chat": "-1001", "message": 5,
                     "link": "https://t.me/c/1001/5"},
        "evidence": {"query_signals": [{"signal_type": "md5", "value": MD5}]}}
    values.update(over)
    return NewReviewItem(**values)  # type: ignore[arg-type]


def test_review_store_and_decisions(app: App, web_any: WebClient) -> None:
    create_bank(app.store, "partner", BankKind.PARTNER, BankPolicy.BLOCK)
    create_bank(app.store, "allow", BankKind.ALLOWLIST)
    entry = add_signal(app.store, "partner", "md5", MD5)
    reviews = make_state(app).reviews
    first, created = reviews.create(_item("k1", entry_id=entry))
    again, created_again = reviews.create(_item("k1"))
    assert created and not created_again and again.id == first.id
    second, _ = reviews.create(_item("k2"))
    assert reviews.summary()[0] == 2
    assert [i.id for i in reviews.list().items] == [first.id, second.id]

    web_any.login("mod-a")
    page = web_any.get(f"/console/review/{first.id}").text
    assert "https://t.me/c/1001/5" in page and "partner" in page
    r = web_any.form(f"/console/review/{first.id}/decide", "/console/review",
                     {"decision": "confirm", "reason": "same picture"})
    assert r.status_code == 303
    r = web_any.form(f"/console/review/{second.id}/decide", "/console/review",
                     {"decision": "dismiss", "reason": "harmless", "allowlist": "allow"})
    assert r.status_code == 303
    decided = {i.id: i for i in reviews.list(None).items}
    assert decided[first.id].decision == "confirm:block"
    assert decided[second.id].decision == "dismiss:allowlist"
    assert decided[second.id].decision_reason == "harmless"
    allow = app.store.get_bank("allow")
    assert allow is not None and app.store.count_entries(allow.id)["active"] == 1  # type: ignore[index]
    events = make_state(app).notices.audit(AuditFilter(object_type="review_item")).items
    assert {e.entry.action for e in events} == {"review.confirm", "review.dismiss"}
    assert all(e.entry.actor_id == "mod-a" for e in events)
    assert reviews.summary() == (0, None)
    with pytest.raises(ReviewClosed):
        reviews.decide(first.id, "dismiss", make_state(app).users.get("mod-b"), "again")


def test_notice_decision_and_appeal_by_another_moderator(sqlite_app: App,
                                                         web: WebClient) -> None:
    r = web.form("/report", "/report", {
        "category": "ncii", "explanation": "my photo", "message_link": "https://t.me/c/1/2",
        "good_faith": "on", "contact_name": ""})
    assert r.status_code == 201
    case = re.search(r'id="case-number">([^<]+)<', r.text).group(1)  # type: ignore[union-attr]
    secret = re.search(r'id="case-secret">([^<]+)<', r.text).group(1)  # type: ignore[union-attr]

    web.login("mod-a")
    page = f"/console/notices/{case}"
    statement = {"decision_ground": "DECISION_GROUND_ILLEGAL_CONTENT",
                 "legal_ground": "Code pénal art. 226-2-1", "ground_explanation": "shared",
                 "tdb_category": "STATEMENT_CATEGORY_CYBER_VIOLENCE_AGAINST_WOMEN",
                 "content_type": "CONTENT_TYPE_IMAGE",
                 "decision_visibility": "DECISION_VISIBILITY_CONTENT_REMOVED",
                 "decision_facts": "checked", "content_date": "2026-01-02",
                 "application_date": "2026-01-03", "territorial_scope": "FR, BE"}
    r = web.form(f"{page}/decide", page, {"action": "remove", "summary": "Removed."})
    assert r.status_code == 422  # no statement of reasons
    r = web.form(f"{page}/decide", page, {"action": "remove", "summary": "Removed.",
                                          **statement})
    assert r.status_code == 303, r.text
    assert "Retrait" in web.get(page).text or "retrait" in web.get(page).text

    # the reporter sees the decision and appeals
    web.client.cookies.clear()
    r = web.form("/report/status", "/report/status", {"case_number": case, "secret": secret})
    assert r.status_code == 200 and "Contester" in r.text
    r = web.form("/report/status", "/report/status",
                 {"case_number": case, "secret": secret, "appeal": "1", "reason": "<b>no</b>"})
    assert r.status_code == 200 and "en recours" in r.text
    r = web.form("/report/status", "/report/status", {"case_number": case, "secret": "wrong"})
    assert r.status_code == 404

    web.login("mod-a")  # the first decider may not decide the appeal
    r = web.form(f"{page}/appeal-decision", page, {"outcome": "upheld", "reason": "ok"})
    assert r.status_code == 403
    web.client.cookies.clear()
    web.login("mod-b")
    r = web.form(f"{page}/appeal-decision", page, {"outcome": "upheld", "reason": "ok"})
    assert r.status_code == 303
    assert "&lt;b&gt;no&lt;/b&gt;" in web.get(page).text


def test_report_form_checks(web: WebClient) -> None:
    r = web.form("/report", "/report", {"category": "csam", "explanation": "x",
                                        "message_link": "https://t.me/c/1/2"})
    assert r.status_code == 422  # no good-faith statement
    r = web.form("/report", "/report", {"category": "csam", "explanation": "x",
                                        "good_faith": "on"})
    assert r.status_code == 422  # no location
    r = web.form("/report", "/report", {"category": "csam", "explanation": "x",
                                        "chat_id": "-100", "good_faith": "on"})
    assert r.status_code == 201  # contact never required


def test_language_switch(web: WebClient) -> None:
    assert '<html lang="fr">' in web.get("/report").text
    assert '<html lang="en">' in web.get("/report", headers={"accept-language": "en"}).text
    r = web.get("/report?lang=en")
    assert '<html lang="en">' in r.text and "Report content" in r.text
    assert "rempart_lang=en" in r.headers["set-cookie"]
    assert '<html lang="en">' in web.get("/console/login").text  # kept by the cookie
    assert '<html lang="fr">' in web.get("/console/login?lang=fr").text


def test_catalog_complete() -> None:
    for key, (fr, en) in CATALOG.items():
        assert fr.strip() and en.strip(), key
        assert re.findall(r"{\w+}", fr) == re.findall(r"{\w+}", en), key


def test_every_label_has_its_input(sqlite_app: App, web: WebClient) -> None:
    web.login("boss")
    for path in ("/report", "/report/status", "/console/notices"):
        html = web.get(path).text
        for target in re.findall(r'<label for="([^"]+)"', html):
            assert f'id="{target}"' in html, (path, target)


def test_home_page_sends_each_visitor_on(web: WebClient) -> None:
    r = web.get("/")
    assert r.status_code == 200 and '<html lang="fr">' in r.text
    for href in ("/report", "/report/status", "/protect", "/protect/status", "/console/",
                 "/docs"):
        assert f'href="{href}"' in r.text
    assert "Protect my images" in web.get("/?lang=en").text
