"""Review cases (scope ``cases``) and the audit log (scope ``audit``) over HTTP: filters,
paging, evidence without media, and texts returned verbatim (escaping is the renderer's job)."""

from __future__ import annotations

from collections.abc import Callable

from http_support import Headers, TestClient

from rempart.adapters.web.session import make_state
from rempart.app import App
from rempart.core.banks import BankKind, NewEntry, Provenance
from rempart.core.workflow import Role
from rempart.services.banks import create_bank
from rempart.services.users import SYSTEM, Actor
from rempart.store.reviews import NewReviewItem
from rempart.store.rows import utc_now

SCRIPT = "<script>alert(1)</script>"


def _seed(app: App) -> int:
    bank = create_bank(app.store, "victims", BankKind.VICTIM)
    entry_id = app.store.add_entries(bank.id, [NewEntry(
        "md5", "d41d8cd98f00b204e9800998ecf8427e", "group-1",
        provenance=Provenance(source="victim-portal", case_id="V-1"))])[0]
    state = make_state(app)
    for i in range(3):
        state.reviews.create(NewReviewItem(
            "bot", "media_match", f"case-{i}", utc_now(), bank="victims", entry_id=entry_id,
            signal="md5", distance=0, location={"platform": "telegram", "chat": "-100"},
            evidence={"text": SCRIPT}))
    state.users.create("mod-x", "a long enough passphrase", Role.MODERATOR, SYSTEM)
    first = state.reviews.list("open", 1, 0).items[0]
    state.reviews.decide(first.id, "dismiss", state.users.get("mod-x"), "harmless")
    return first.id


def test_cases_read_with_filters_and_paging(app: App, client: TestClient,
                                            auth: Callable[..., Headers]) -> None:
    decided = _seed(app)
    headers = auth("cases")
    r = client.get("/api/v1/cases", headers=headers)
    assert r.status_code == 200
    body = r.json()
    assert body["total"] == 2 and {i["status"] for i in body["items"]} == {"open"}
    assert body["items"][0]["evidence"]["text"] == SCRIPT  # verbatim JSON
    page = client.get("/api/v1/cases?status=all&limit=2&offset=2", headers=headers).json()
    assert page["total"] == 3 and len(page["items"]) == 1
    r = client.get(f"/api/v1/cases/{decided}", headers=headers)
    one = r.json()
    assert one["status"] == "dismissed" and one["decided_by"] == "mod-x"
    assert one["decision_reason"] == "harmless"
    assert one["entry"]["provenance"]["case_id"] == "V-1"
    assert "bytes" not in str(one) and "media_url" not in str(one)
    assert client.get("/api/v1/cases/99999", headers=headers).status_code == 404
    assert client.get("/api/v1/cases?status=bogus", headers=headers).status_code == 422
    assert client.get("/api/v1/cases", headers=auth("notices")).status_code == 403
    assert client.get("/api/v1/cases").status_code == 401


def test_audit_read_with_its_own_scope(app: App, client: TestClient,
                                       auth: Callable[..., Headers]) -> None:
    _seed(app)
    store = make_state(app).audit_log
    for i in range(5):
        store.append_audit(Actor("user", "mod-x").entry(utc_now(), "test.event", "thing",
                                                        f"t{i}", note=SCRIPT))
    headers = auth("audit")
    r = client.get("/api/v1/audit?action=test.event&limit=2&offset=1", headers=headers)
    assert r.status_code == 200
    body = r.json()
    assert body["total"] == 5 and len(body["items"]) == 2
    assert body["items"][0]["object_id"] == "t3"  # newest first
    assert body["items"][0]["details"]["note"] == SCRIPT
    r = client.get("/api/v1/audit?actor_type=user&actor_id=mod-x&object_id=t0",
                   headers=headers)
    assert r.json()["total"] == 1
    r = client.get("/api/v1/audit?object_type=review_item", headers=headers)
    assert r.json()["items"][0]["action"] == "review.dismiss"
    assert client.get("/api/v1/audit", headers=auth("admin")).status_code == 200
    assert client.get("/api/v1/audit", headers=auth("cases")).status_code == 403
