"""Evidence packages on the web: the victim's download from her status page (CSRF, wrong
secret answered like an unknown case, no-store ZIP) and the console's selection page
(moderators and admins build, analysts cannot; message markup stays inert; audited)."""

from __future__ import annotations

import io
import json
import zipfile

import httpx
from web_support import WebClient

from evidence_support import CHAT, Seeded, review_sighting, seed_case_and_findings
from rempart.app import App
from rempart.store.audit import AuditFilter, SqlAuditLog


def _victim(web: WebClient, seeded: Seeded, secret: str | None = None,
            case: str | None = None, **extra: str) -> httpx.Response:
    token = web.csrf("/protect/status")
    return web.post("/protect/evidence", data={
        "case_number": case or seeded.case_number, "secret": secret or seeded.secret,
        "csrf_token": token, **extra})


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {n: archive.read(n) for n in archive.namelist()}


def test_victim_downloads_her_package(web: WebClient, sqlite_app: App) -> None:
    seeded = seed_case_and_findings(sqlite_app)
    review_sighting(sqlite_app, seeded.case_group, CHAT, 10)
    status = web.post("/protect/status", data={
        "case_number": seeded.case_number, "secret": seeded.secret,
        "csrf_token": web.csrf("/protect/status")})
    assert status.status_code == 200 and 'action="/protect/evidence"' in status.text
    got = _victim(web, seeded, language="en")
    assert got.status_code == 200, got.text
    assert got.headers["content-type"] == "application/zip"
    assert got.headers["cache-control"] == "no-store"
    assert seeded.case_number in got.headers["content-disposition"]
    members = _members(got.content)
    package = json.loads(members["package.json"])
    assert package["reference"] == seeded.case_number and package["language"] == "en"
    assert package["schema"] == "rempart.evidence.victim/1" and "timeline" not in package
    assert len(package["confirmed_sightings"]) == 1 and package["awaiting_review"] == 1
    assert 'id="awaiting-review">1<' in status.text and 'id="matches">1<' in status.text
    for leak in ("Expéditeur", "user1001", "photos/", "Message voisin", "other-victim-group"):
        assert leak not in members["package.json"].decode(), leak


def test_victim_wrong_secret_and_csrf(web: WebClient, sqlite_app: App) -> None:
    seeded = seed_case_and_findings(sqlite_app)
    wrong = _victim(web, seeded, secret=seeded.secret + "x")
    unknown = _victim(web, seeded, case="VIC-2000-999999")
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.text == unknown.text
    assert seeded.case_number not in wrong.text
    assert "zip" not in wrong.headers["content-type"]
    forged = web.post("/protect/evidence", data={
        "case_number": seeded.case_number, "secret": seeded.secret, "csrf_token": "forged"})
    assert forged.status_code == 403


def test_console_selection(web: WebClient, sqlite_app: App) -> None:
    seeded = seed_case_and_findings(sqlite_app)
    assert web.get("/console/evidence").status_code == 303  # sign in first
    web.login("mod-a")
    page = web.get("/console/evidence")
    assert page.status_code == 200 and 'href="/console/evidence"' in page.text  # nav link
    assert "&lt;script&gt;alert" in page.text and "<script>alert" not in page.text
    assert 'name="csrf_token" value=""' not in page.text  # every form carries its token
    assert f'name="finding" value="{seeded.ids["first"]}"' in page.text
    only = web.get(f"/console/evidence?chat_id={-1009876543210}")
    assert f'value="{seeded.ids["first"]}"' not in only.text
    assert f'value="{seeded.ids["other"]}"' in only.text
    chosen = [str(seeded.ids["first"]), str(seeded.ids["other"])]
    got = web.form("/console/evidence", "/console/evidence",
                   {"finding": chosen, "language": "fr"})
    assert got.status_code == 200 and got.headers["cache-control"] == "no-store"
    package = json.loads(_members(got.content)["package.json"])
    assert package["audience"] == {"kind": "selection", "case_number": None,
                                   "requested_by": "mod-a"}
    assert [e["finding_id"] for e in package["timeline"]] == [int(c) for c in chosen]
    bad = web.form("/console/evidence", "/console/evidence", {"finding": ["999999"]})
    assert bad.status_code == 422 and "999999" in bad.text
    none = web.form("/console/evidence", "/console/evidence", {})
    assert none.status_code == 422
    audit = SqlAuditLog(sqlite_app.store.engine).list_audit(
        AuditFilter(action="evidence.findings"), 10, 0).items
    assert [a.entry.actor_id for a in audit] == ["mod-a"]


def test_console_case_package_for_moderators(web: WebClient, sqlite_app: App) -> None:
    seeded = seed_case_and_findings(sqlite_app)
    web.login("mod-a")
    page = web.get("/console/evidence")
    assert 'action="/console/evidence/case"' in page.text
    got = web.form("/console/evidence/case", "/console/evidence",
                   {"case_number": seeded.case_number, "language": "en"})
    assert got.status_code == 200 and got.headers["cache-control"] == "no-store"
    package = json.loads(_members(got.content)["package.json"])
    assert package["schema"] == "rempart.evidence/1"
    assert package["audience"] == {"kind": "case", "case_number": seeded.case_number,
                                   "requested_by": "mod-a"}
    assert [e["review"] for e in package["timeline"]] == ["under_review", "under_review"]
    assert package["timeline"][0]["sender"]["id"] == "user1001"  # moderators see everything
    unknown = web.form("/console/evidence/case", "/console/evidence",
                       {"case_number": "VIC-2000-999999"})
    assert unknown.status_code == 422 and "zip" not in unknown.headers["content-type"]


def test_analysts_cannot_build_packages(web: WebClient, sqlite_app: App) -> None:
    seeded = seed_case_and_findings(sqlite_app)
    web.login("reader")
    assert web.get("/console/evidence").status_code == 403
    assert 'href="/console/evidence"' not in web.get("/console/").text
    token = web.csrf("/console/")
    refused = web.post("/console/evidence", data={"finding": [str(seeded.ids["first"])],
                                                  "csrf_token": token})
    assert refused.status_code == 403 and "zip" not in refused.headers["content-type"]
    refused = web.post("/console/evidence/case", data={"case_number": seeded.case_number,
                                                       "csrf_token": token})
    assert refused.status_code == 403 and "zip" not in refused.headers["content-type"]


def test_admins_can(web: WebClient, sqlite_app: App) -> None:
    seeded = seed_case_and_findings(sqlite_app)
    web.login("boss")
    got = web.form("/console/evidence", "/console/evidence",
                   {"finding": [str(seeded.ids["neighbour"])], "language": "en"})
    assert got.status_code == 200 and got.headers["content-type"] == "application/zip"
