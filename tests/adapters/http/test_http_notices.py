"""Notices over HTTP: public report and status, moderators' routes, appeals, TDB export, audit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from argon2 import PasswordHasher
from http_support import Headers, TestClient, make_app, proof

from rempart.app import App, create_http_app
from rempart.core.workflow import Action, AppealOutcome, Role, StatementOfReasons
from rempart.services.notices import NotAllowed, NoticeService
from rempart.services.users import SYSTEM, Actor, UserService
from rempart.store.audit import SqlAuditLog
from rempart.store.notices import SqlNoticeStore
from rempart.store.users import SqlUserStore

SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)> & my photo'
REPORT = {"category": "ncii", "explanation": SCRIPT, "good_faith": True,
          "message_link": "https://t.me/c/1234/56", "chat_id": -1001234, "message_id": 56}
STATEMENT = {
    "decision_ground": "DECISION_GROUND_ILLEGAL_CONTENT",
    "illegal_content_legal_ground": "Code pénal art. 226-2-1",
    "illegal_content_explanation": "Sexual image disclosed without agreement.",
    "category": "STATEMENT_CATEGORY_CYBER_VIOLENCE_AGAINST_WOMEN",
    "category_specification": ["KEYWORD_NON_CONSENSUAL_IMAGE_SHARING"],
    "content_type": ["CONTENT_TYPE_IMAGE"],
    "decision_visibility": ["DECISION_VISIBILITY_CONTENT_REMOVED"],
    "decision_facts": "Reported by a notice and checked by a moderator.",
    "content_date": "2026-02-27", "application_date": "2026-03-01",
}


def add_users(app: App) -> None:
    users = UserService(SqlUserStore(app.store.engine),
                        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1),
                        sessions=None, audit_log=None)
    for name, role in (("mod-a", Role.MODERATOR), ("mod-b", Role.MODERATOR),
                       ("reader", Role.ANALYST)):
        users.create(name, "a long enough passphrase", role, SYSTEM)


def person(app: App) -> NoticeService:
    """The notice service as the console uses it: decisions by a signed-in person."""
    e = app.store.engine
    return NoticeService(SqlNoticeStore(e), SqlUserStore(e), SqlAuditLog(e), app.settings.notices)


def decide(app: App, case: str, user: str, action: str, summary: str,
           statement: dict[str, Any] | None = None) -> None:
    """``user`` decides ``case`` in the console."""
    person(app).decide(case, user, Action(action), summary,
                       StatementOfReasons.from_json(statement) if statement else None,
                       Actor("user", user))


def decide_appeal(app: App, case: str, user: str, outcome: str, reason: str,
                  **new: Any) -> None:
    """``user`` decides the appeal of ``case`` in the console."""
    action = Action(new.pop("action")) if "action" in new else None
    person(app).decide_appeal(case, user, AppealOutcome(outcome), reason, Actor("user", user),
                              action=action, **new)


def submit(client: TestClient, **over: Any) -> dict[str, Any]:
    r = client.post("/api/v1/notices", json={**REPORT, **over}, headers=proof(client))
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def test_full_flow(app: App, client: TestClient, auth: Callable[..., Headers]) -> None:
    add_users(app)
    receipt = submit(client)
    case, secret = receipt["case_number"], receipt["secret"]
    status = client.post("/api/v1/notices/status",
                         json={"case_number": case, "secret": secret}).json()
    assert status["state"] == "received" and "explanation" not in status

    mods = auth("notices")
    decide(app, case, "mod-a", "remove", "Removed.", STATEMENT)
    r = client.get(f"/api/v1/notices/{case}", headers=mods)
    assert r.json()["state"] == "decided"
    assert r.json()["decisions"][0]["decided_by"] == "mod-a"

    r = client.post("/api/v1/notices/appeal",
                    json={"case_number": case, "secret": secret, "reason": "Look again."})
    assert r.status_code == 200 and r.json()["state"] == "appealed"

    with pytest.raises(NotAllowed):
        decide_appeal(app, case, "mod-a", "upheld", "Stands.")
    decide_appeal(app, case, "mod-b", "upheld", "Stands.")
    r = client.get(f"/api/v1/notices/{case}", headers=mods)
    assert r.json()["appeal"]["outcome"] == "upheld"
    status = client.post("/api/v1/notices/status",
                         json={"case_number": case, "secret": secret}).json()
    assert (status["state"], status["action"], status["summary"]) == (
        "closed", "remove", "Removed.")

    export = client.get("/api/v1/statements", headers=mods).json()
    assert export["total"] == 1
    tdb = export["statements"][0]
    assert tdb["puid"].startswith(case) and tdb["automated_detection"] == "No"
    assert tdb["source_type"] == "SOURCE_ARTICLE_16"

    assert client.get("/api/v1/audit", headers=mods).status_code == 403
    audit = client.get("/api/v1/audit", headers=auth("admin"),
                       params={"object_id": case}).json()
    assert [e["action"] for e in audit["items"]] == [
        "appeal.decide", "notice.appeal", "notice.decide", "notice.assign", "notice.submit"]
    assert audit["items"][2]["actor_type"] == "user"
    assert secret not in str(audit)


def test_script_in_explanation_is_stored_verbatim_and_returned_as_json(
    sqlite_client: TestClient, auth: Callable[..., Headers]
) -> None:
    case = submit(sqlite_client)["case_number"]
    r = sqlite_client.get(f"/api/v1/notices/{case}", headers=auth("notices"))
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    assert r.json()["explanation"] == SCRIPT
    listed = sqlite_client.get("/api/v1/notices", headers=auth("notices"),
                               params={"state": "received", "category": "ncii"}).json()
    assert listed["total"] == 1 and listed["items"][0]["explanation"] == SCRIPT


def test_csam_without_contact_is_accepted_and_escalated(
    sqlite_client: TestClient, auth: Callable[..., Headers]
) -> None:
    receipt = submit(sqlite_client, category="csam", good_faith=False)
    assert receipt["escalated"] is True
    submit(sqlite_client, category="other")
    listed = sqlite_client.get("/api/v1/notices", headers=auth("notices"),
                               params={"escalated": "true"}).json()
    assert [n["case_number"] for n in listed["items"]] == [receipt["case_number"]]
    assert listed["items"][0]["contact_email"] is None


def test_status_hides_unknown_and_wrong_secret_alike(sqlite_client: TestClient) -> None:
    receipt = submit(sqlite_client)
    wrong = sqlite_client.post("/api/v1/notices/status", json={
        "case_number": receipt["case_number"], "secret": "guess"})
    unknown = sqlite_client.post("/api/v1/notices/status", json={
        "case_number": "RMP-2026-999999", "secret": receipt["secret"]})
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.json() == unknown.json()


@pytest.mark.parametrize("body", [
    {**REPORT, "category": "gossip"},
    {**REPORT, "explanation": "x" * 10_001},
    {**REPORT, "unexpected": 1},
    {"category": "ncii", "explanation": "somewhere"},  # no location at all
])
def test_bad_reports_are_rejected(sqlite_client: TestClient, body: dict[str, Any]) -> None:
    assert sqlite_client.post("/api/v1/notices", json=body,
                              headers=proof(sqlite_client)).status_code == 422


def test_moderator_errors(sqlite_app: App, sqlite_client: TestClient,
                          auth: Callable[..., Headers]) -> None:
    add_users(sqlite_app)
    case = submit(sqlite_client)["case_number"]
    mods = auth("notices")
    for path in ("decision", "appeal-decision"):  # a token never decides (a person does)
        r = sqlite_client.post(f"/api/v1/notices/{case}/{path}", headers=mods, json={
            "decided_by": "mod-a", "action": "no_action", "summary": "x"})
        assert r.status_code == 403 and r.json()["code"] == "person_required"
    assert sqlite_client.get(f"/api/v1/notices/{case}", headers=mods).json()["state"] == (
        "received")
    assert sqlite_client.get("/api/v1/notices/RMP-2026-999999",
                             headers=mods).status_code == 404
    assert sqlite_client.get("/api/v1/notices", headers=auth("match")).status_code == 403
    assert sqlite_client.get("/api/v1/notices").status_code == 401


def test_public_routes_are_rate_limited_per_address(sqlite_url: str) -> None:
    built = make_app(sqlite_url)
    built.settings.notices.public_rate_per_minute = 0.001
    built.settings.notices.public_burst = 2
    try:
        with TestClient(create_http_app(built)) as client:
            submit(client)
            submit(client)
            r = client.post("/api/v1/notices", json=REPORT)
            assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
    finally:
        built.close()


def test_decisions_and_appeals_are_listed_with_filters_and_paging(
    app: App, client: TestClient, auth: Callable[..., Headers]
) -> None:
    add_users(app)
    mods = auth("notices")
    cases = []
    for i in range(3):
        receipt = submit(client, message_id=100 + i)
        case = receipt["case_number"]
        cases.append(case)
        decide(app, case, "mod-a" if i < 2 else "mod-b", "remove" if i else "no_action",
               f"Decision {i}.", STATEMENT if i else None)
    receipt = submit(client, message_id=200)
    decide(app, receipt["case_number"], "mod-a", "remove", "Removed.", STATEMENT)
    r = client.post("/api/v1/notices/appeal", json={
        "case_number": receipt["case_number"], "secret": receipt["secret"], "reason": "No."})
    assert r.status_code == 200, r.text

    listed = client.get("/api/v1/decisions", headers=mods).json()
    assert listed["total"] == 4
    assert listed["items"][0]["case_number"] == receipt["case_number"]  # newest first
    mine = client.get("/api/v1/decisions", headers=mods,
                      params={"decided_by": "mod-b"}).json()
    assert [d["case_number"] for d in mine["items"]] == [cases[2]]
    none = client.get("/api/v1/decisions", headers=mods,
                      params={"action": "no_action"}).json()
    assert [d["case_number"] for d in none["items"]] == [cases[0]]
    page = client.get("/api/v1/decisions", headers=mods, params={"limit": 2, "offset": 2}).json()
    assert (page["total"], len(page["items"])) == (4, 2)
    assert client.get("/api/v1/decisions", headers=mods,
                      params={"decided_by": "nobody"}).json()["total"] == 0

    appeals = client.get("/api/v1/appeals", headers=mods, params={"open": "true"}).json()
    assert [a["case_number"] for a in appeals["items"]] == [receipt["case_number"]]
    assert appeals["items"][0]["outcome"] is None and appeals["items"][0]["reason"] == "No."
    decide_appeal(app, receipt["case_number"], "mod-b", "reversed", "Mistake.",
                  action="no_action", summary="Restored.")
    assert client.get("/api/v1/appeals", headers=mods,
                      params={"open": "true"}).json()["total"] == 0
    decided = client.get("/api/v1/appeals", headers=mods, params={"outcome": "reversed"}).json()
    assert decided["items"][0]["decided_by"] == "mod-b"
    after = client.get("/api/v1/decisions", headers=mods, params={"after_appeal": "true"}).json()
    assert [d["summary"] for d in after["items"]] == ["Restored."]
    for path in ("/api/v1/decisions", "/api/v1/appeals"):
        assert client.get(path).status_code == 401
        assert client.get(path, headers=auth("match")).status_code == 403
