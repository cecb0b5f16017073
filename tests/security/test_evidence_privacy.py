"""Attack 2 of issue 13, end to end: the victim's evidence package as a stalker's tool.

The attacker (an anonymous visitor) registers the hashes of a photo of someone else through the
real portal (``rempart serve`` in its own process, proof of work solved, CSRF token, real
database). The photo is then posted by third parties: in a scanned Telegram export (sender,
forwarder, caption, a neighbouring message with its sender) and in a group watched by the real
bot (python-telegram-bot against the fake Bot API: sender, username, forward origin, caption).
Her package and case page reveal nothing about those sightings but a count until a moderator
confirms them, and even then no third party's identity, text or neighbour: only the complaint
fields. The moderators' package of the same case still holds everything.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from bot_support import ADMIN, BotHarness, jpeg
from portal_support import device_signals

from adapters.web.web_support import free_port
from evidence_support import require_poppler, review_sighting
from rempart.adapters.cli.scan_cmd import ExportSource
from rempart.app import App, build
from rempart.bench.fake_bot_api import FakeBotApi
from rempart.bench.synthetic_images import make_photo, photo_bytes
from rempart.config import Settings
from rempart.services.cases import CaseService
from rempart.services.evidence import EvidenceService
from rempart.services.matching import MatchService
from rempart.services.proof_of_work import solve
from rempart.services.scan import ScanService
from rempart.store.cases import SqlCaseStore
from rempart.store.evidence_reads import SqlEvidenceReads
from rempart.store.scans import SqlScanStore

SEED, SIZE = 31, (800, 600)
BOT_CHAT = -1009988776655
EXPORT_CHAT = 1555000111
EXPORT_DATE = "2024-02-01"
# Everything that names, quotes or locates a third party (the people who posted the photo).
THIRD_PARTY = ("Alix Sender", "user9001", "Forwarder Chan", "channel777", "the caption text",
               "Neighbour Name", "user9002", "AbCdEf123", "photos/", "Mallory", "Poster",
               "mallory_p", "7370242911", "Forwarder Person", "third-party caption",
               str(BOT_CHAT), "9988776655")
ENV = {"REMPART_WEB__PROTECT_POW_BITS": "8", "REMPART_WEB__PROTECT_BURST": "100",
       "REMPART_WEB__PROTECT_RATE_PER_MINUTE": "1000",
       "REMPART_NOTICES__PUBLIC_BURST": "100", "REMPART_NOTICES__PUBLIC_RATE_PER_MINUTE": "1000"}


@pytest.fixture
def server(db_url: str, tmp_path: Path) -> Iterator[tuple[App, str]]:
    """The database migrated, then ``rempart serve`` on it in its own process."""
    app = build(Settings(database_url=db_url), load=False)
    port = free_port()
    rempart = shutil.which("rempart", path=str(Path(sys.executable).parent)) or "rempart"
    log = tmp_path / "serve.log"
    with log.open("wb") as err:
        proc = subprocess.Popen(
            [rempart, "serve", "--db", db_url, "--port", str(port), "--log-level", "warning"],
            env={**os.environ, **ENV}, stdout=subprocess.DEVNULL, stderr=err)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):  # bounded wait for start-up, no timing asserted
            if proc.poll() is not None:
                pytest.fail(f"rempart serve exited: {log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{url}/livez", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            pytest.fail("rempart serve did not start")
        yield app, url
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        app.close()


def _csrf(client: httpx.Client, page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(page).text)
    assert found, page
    return found.group(1)


def _register(client: httpx.Client, data: bytes) -> tuple[str, str]:
    """The attacker's registration through the portal, as its page does it."""
    token = _csrf(client, "/protect")
    got = client.get("/protect/challenge").json()
    r = client.post("/protect/register", headers={"X-CSRF-Token": token}, json={
        "challenge": got["challenge"], "nonce": solve(got["challenge"], got["bits"]),
        "items": [device_signals(data)], "minor": False})
    assert r.status_code == 201, r.text
    return r.json()["case_number"], r.json()["secret"]


def _package(client: httpx.Client, case: str, secret: str,
             tmp_path: Path) -> tuple[dict[str, Any], str, str]:
    """Her package's JSON, the PDF's text (pdftotext) and the whole ZIP as text."""
    form = {"case_number": case, "secret": secret, "language": "en",
            "csrf_token": _csrf(client, "/protect/status")}
    r = client.post("/protect/evidence", data=form)
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip", r.text
    with zipfile.ZipFile(io.BytesIO(r.content)) as archive:
        members = {n: archive.read(n) for n in archive.namelist()}
    pdf = tmp_path / f"package-{len(list(tmp_path.glob('package-*.pdf')))}.pdf"
    pdf.write_bytes(members["package.pdf"])
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                          check=True).stdout.decode()
    raw = "\n".join(m.decode("utf-8", "replace") for m in members.values())
    return json.loads(members["package.json"]), text, raw


def _status(client: httpx.Client, case: str, secret: str) -> str:
    form = {"case_number": case, "secret": secret,
            "csrf_token": _csrf(client, "/protect/status")}
    r = client.post("/protect/status", data=form)
    assert r.status_code == 200
    return r.text


def _export(dest: Path, photo: bytes) -> Path:
    """A Telegram export where a third party posts the photo, a neighbour posts an invite."""
    (dest / "photos").mkdir(parents=True)
    (dest / "photos" / "p.jpg").write_bytes(photo)
    base = {"type": "message", "date": f"{EXPORT_DATE}T10:00:00"}
    messages = [
        {**base, "id": 2, "date_unixtime": "1706781600", "from": "Neighbour Name",
         "from_id": "user9002", "text": "join t . me / + AbCdEf123 now"},
        {**base, "id": 3, "date_unixtime": "1706781660", "from": "Alix Sender",
         "from_id": "user9001", "forwarded_from": "Forwarder Chan",
         "forwarded_from_id": "channel777", "photo": "photos/p.jpg", "width": 800,
         "height": 600, "text": "the caption text"},
    ]
    chat = {"name": "Harbour Club", "type": "private_supergroup", "id": EXPORT_CHAT,
            "messages": messages}
    (dest / "result.json").write_text(json.dumps(chat), encoding="utf-8")
    return dest


def _scan(app: App, export: Path) -> None:
    matcher = MatchService(app.store)
    matcher.load()
    ScanService(app.store, SqlScanStore(app.store.engine), matcher, Settings(),
                source=ExportSource(), commit_seconds=0.05).scan([export], workers=1)


def _bot_sees(db_url: str, photo: bytes) -> None:
    """A member of a public group posts the photo; the real bot looks at it."""
    with FakeBotApi() as api:
        api.set_admins(BOT_CHAT, {ADMIN})
        api.add_update(api.photo_message(BOT_CHAT, None, photo, caption="third-party caption", **{
            "chat": {"id": BOT_CHAT, "type": "supergroup", "title": "Harbour Public",
                     "username": "harbourpublic"},
            "from": {"id": 7370242911, "is_bot": False, "first_name": "Mallory",
                     "last_name": "Poster", "username": "mallory_p"},
            "forward_origin": {"type": "user", "date": 1706781600, "sender_user": {
                "id": 5151, "is_bot": False, "first_name": "Forwarder Person"}}}))
        harness = BotHarness(api, db_url)
        try:
            runner = harness.runner()
            harness.run_until(runner, lambda: runner.processed >= 1)
            assert runner.errors == 0
        finally:
            harness.close()


def _leaks(text: str) -> list[str]:
    return [x for x in THIRD_PARTY if x in text]


def test_attacker_learns_nothing_about_who_posted_the_photo(
        server: tuple[App, str], db_url: str, tmp_path: Path) -> None:
    require_poppler()
    app, url = server
    original = photo_bytes(SEED, SIZE)
    seen = jpeg(make_photo(SEED, SIZE), 85)  # the same picture, recompressed by its posters
    with httpx.Client(base_url=url, timeout=30) as attacker:
        case, secret = _register(attacker, original)
        _scan(app, _export(tmp_path / "export", seen))
        _bot_sees(db_url, seen)
        record = SqlCaseStore(app.store.engine).get_case(case)
        assert record is not None
        (item,) = SqlCaseStore(app.store.engine).items(record.id)
        group = item.content_group
        reviews = SqlEvidenceReads(app.store.engine).reviews_of([group])
        assert sorted(r.source for r in reviews) == ["bot", "scan"]  # each raised its item
        assert SqlEvidenceReads(app.store.engine).of_content(group)  # the scan found it

        # Before any moderator looked: a count, nothing else.
        package, pdf_text, raw = _package(attacker, case, secret, tmp_path)
        assert package["confirmed_sightings"] == [] and package["awaiting_review"] == 2
        assert "2 possible sighting(s) awaiting" in pdf_text
        assert _leaks(raw) == [] and _leaks(pdf_text) == []
        for place in ("Harbour", "t.me/harbourpublic", f"t.me/c/{EXPORT_CHAT}", EXPORT_DATE):
            assert place not in raw and place not in pdf_text, place
        page = _status(attacker, case, secret)
        assert 'id="awaiting-review">2<' in page and 'id="matches">0<' in page
        assert _leaks(page) == [] and "Harbour" not in page and EXPORT_DATE not in page

        # A moderator confirms both sightings: her image, seen there.
        review_sighting(app, group, EXPORT_CHAT, 3)  # the scan's review item
        bot_item = next(r for r in reviews if r.source == "bot")
        review_sighting(app, group, BOT_CHAT, bot_item.location["message"], source="bot")
        package, pdf_text, raw = _package(attacker, case, secret, tmp_path)
        assert package["awaiting_review"] == 0
        by_origin = {s["origin"]: s for s in package["confirmed_sightings"]}
        assert set(by_origin) == {"scan", "bot"}
        scan, bot = by_origin["scan"], by_origin["bot"]
        assert scan["chat"] == {"title": "Harbour Club", "public_link": None}
        assert scan["message_link"] == f"https://t.me/c/{EXPORT_CHAT}/3"
        assert scan["date"]["utc"] == f"{EXPORT_DATE} 10:01:00 UTC"
        assert bot["chat"] == {"title": "Harbour Public",
                               "public_link": "https://t.me/harbourpublic"}
        assert bot["message_link"].startswith("https://t.me/harbourpublic/")
        for s in (scan, bot):
            assert [(m["item"], m["bank"]) for m in s["matches"]] == [(1, "victims")]
        for needle in ("Harbour Club", "Harbour Public", "https://t.me/harbourpublic",
                       f"{EXPORT_DATE} 11:01:00 (UTC+01:00)"):
            assert needle in pdf_text, needle
        assert _leaks(raw) == [] and _leaks(pdf_text) == []  # still no third party
        page = _status(attacker, case, secret)
        assert 'id="matches">2<' in page and _leaks(page) == []

    # The moderators' package of the same case keeps every fact for the investigators.
    cases = CaseService(SqlCaseStore(app.store.engine), app.store,
                        SqlScanStore(app.store.engine))
    evidence = EvidenceService(SqlEvidenceReads(app.store.engine), cases, app.store)
    full = evidence.for_case_moderators(case, requested_by="mod-a")
    text = repr(full)
    for fact in ("Alix Sender", "user9001", "Forwarder Chan", "the caption text",
                 "Neighbour Name", "user9002", "photos/p.jpg", "user7370242911"):
        assert fact in text, fact

