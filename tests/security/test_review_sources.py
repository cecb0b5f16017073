"""Attack 1, continued: an anonymous registration seen by a scan, by an API client or forwarded
around Telegram. Every source raises review items (never deletion) that moderators confirm,
dismiss (allowlisting the seen file) or withdraw, and the flood guard counts each sighting's
chat and sender, forwards whose verdict the bot cached included.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from http_support import TestClient, bearer
from portal_support import device_signals
from sqlalchemy import select
from test_poisoning import _recompressed, _register
from web_support import WebClient, add_users

from rempart.adapters.cli.scan_cmd import ExportSource
from rempart.app import App, build, create_http_app
from rempart.bench.synthetic_images import photo_bytes
from rempart.config import BotSettings, Settings, WebSettings
from rempart.core.banks import BankKind, EntryStatus
from rempart.services import banks as bank_service
from rempart.services.bot import BotService
from rempart.services.bot_messages import BotMedia, BotMessage
from rempart.services.cases import VICTIM_BANK
from rempart.services.reviews import ReviewService
from rempart.services.scan import ScanResult, ScanService
from rempart.store.bot import SqlBotStore
from rempart.store.models import entry_hits
from rempart.store.reviews import ReviewItem, SqlReviewStore
from rempart.store.scans import SqlScanStore
from rempart.store.users import SqlUserStore, UserRecord

BITS = 8
CHAT = 1234567890  # the export's bare id of supergroup -1001234567890


@pytest.fixture
def portal(db_url: str) -> Iterator[tuple[App, WebClient]]:
    app = build(Settings(database_url=db_url,
                         web=WebSettings(protect_pow_bits=BITS, protect_burst=1000,
                                         protect_rate_per_minute=1000.0)))
    add_users(app)
    with WebClient(create_http_app(app)) as client:
        yield app, client
    app.close()


def _reviews(app: App) -> ReviewService:
    return ReviewService(SqlReviewStore(app.store.engine), app.store)


def _moderator(app: App) -> UserRecord:
    found = SqlUserStore(app.store.engine).user_credentials("mod-a")
    assert found is not None
    return found[0]


def _items(app: App, source: str) -> list[ReviewItem]:
    return [i for i in _reviews(app).list(None, 500).items if i.new.source == source]


def _export(dest: Path, photos: dict[int, bytes]) -> Path:
    """A one-chat export whose messages ``id`` carry ``photos[id]``, posted by one user."""
    (dest / "photos").mkdir(parents=True)
    messages: list[dict[str, Any]] = []
    for message_id, data in photos.items():
        (dest / "photos" / f"{message_id}.jpg").write_bytes(data)
        messages.append({"id": message_id, "type": "message", "date": "2024-02-01T10:00:00",
                         "date_unixtime": str(1706781600 + message_id), "from": "Ari Quill",
                         "from_id": "user4100000000", "photo": f"photos/{message_id}.jpg",
                         "text": ""})
    chat = {"name": "Synthetic Club", "type": "private_supergroup", "id": CHAT,
            "messages": messages}
    (dest / "result.json").write_text(json.dumps(chat), encoding="utf-8")
    return dest


def _scan(app: App, export: Path, *, resume: bool = True) -> ScanResult:
    app.matching.refresh()
    service = ScanService(app.store, SqlScanStore(app.store.engine), app.matching, Settings(),
                          source=ExportSource(), commit_seconds=0.05)
    return service.scan([export], workers=1, resume=resume)


def test_a_scan_raises_one_review_item_per_message_that_dismissing_can_allowlist(
        portal: tuple[App, WebClient], tmp_path: Path) -> None:
    app, _ = portal
    meme = photo_bytes(41, (480, 360), "PNG")
    _register(portal[1], [device_signals(meme)])
    seen = _recompressed(meme)
    export = _export(tmp_path / "export", {5: seen, 6: photo_bytes(42, (320, 240))})
    result = _scan(app, export)
    assert result.counters["review_items"] == 1
    [item] = _items(app, "scan")
    assert item.status == "open" and item.new.kind == "media_match"
    assert item.new.bank == VICTIM_BANK and item.new.entry_id is not None
    assert item.new.dedup_key == f"scan:telegram:{CHAT}:5:{item.new.entry_id}"
    assert item.new.location["chat"] == CHAT and item.new.location["message"] == 5
    assert item.new.evidence["match"]["trust"] == "unconfirmed"
    signals = {s["signal_type"]: s["value"] for s in item.new.evidence["query_signals"]}
    assert set(signals) == {"pdq", "md5", "sha256"} and signals["sha256"] == (
        item.new.evidence["sha256"])
    # Counted for the flood guard as the bot counts it: the chat's Bot API id, the sender.
    with app.store.engine.connect() as conn:
        hits = set(conn.execute(select(entry_hits.c.place, entry_hits.c.sender).where(
            entry_hits.c.entry_id == item.new.entry_id)).all())
    assert hits == {("telegram:-1001234567890", "telegram:user:4100000000")}

    # Re-running (a new scan of the same export) raises nothing new.
    again = _scan(app, export, resume=False)
    assert again.scan_id != result.scan_id and _items(app, "scan") == [item]

    # A moderator dismisses it as a meme and allowlists the file that was seen.
    bank_service.create_bank(app.store, "allow", BankKind.ALLOWLIST)
    decided = _reviews(app).decide(item.id, "dismiss", _moderator(app), "a meme",
                                   allowlist="allow")
    assert decided.status == "dismissed"
    app.matching.refresh()
    report = app.matching.match_bytes(seen, record=False)
    assert report.matches == () and report.allowlisted


def test_an_api_client_raises_one_item_per_file_and_a_confirmation_makes_it_act(
        portal: tuple[App, WebClient]) -> None:
    app, client = portal
    photo = photo_bytes(43, (480, 360), "PNG")
    _register(client, [device_signals(photo)])
    app.matching.refresh()
    token, secret = app.tokens.create("partner-x", ["match"])
    copies = [_recompressed(photo), photo]
    with TestClient(create_http_app(app)) as api:
        for data in (copies[0], copies[0], copies[1]):  # the same file twice: one item
            r = api.post("/api/v1/match", files={"file": ("x.jpg", data)},
                         headers=bearer(secret))
            assert r.status_code == 200 and r.json()["matches"][0]["action"] == "review"
        r = api.post("/api/v1/match", json={"pdq": device_signals(photo)["pdq"]},
                     headers=bearer(secret))
        assert r.json()["matches"][0]["action"] == "review"
    items = _items(app, "api")
    assert len(items) == 3  # two files and one PDQ sent alone
    assert {i.new.location["token"] for i in items} == {"partner-x"}
    assert all(i.new.location["token_id"] == token.id and i.new.evidence["query_signals"]
               for i in items)

    # A moderator confirms one sighting from the console: the registration acts alone.
    client.login("mod-a")
    url = f"/console/review/{items[0].id}"
    r = client.form(f"{url}/decide", url, {"decision": "confirm", "reason": "it is her"})
    assert r.status_code == 303, r.text
    app.matching.refresh()
    [match] = app.matching.match_bytes(copies[0], record=False).matches
    assert (match.trust, match.action) == ("confirmed", "block")


def test_a_moderator_withdraws_a_poisoned_registration_seen_by_a_scan(
        portal: tuple[App, WebClient], tmp_path: Path) -> None:
    app, client = portal
    political = photo_bytes(44, (480, 360), "PNG")
    _register(client, [device_signals(political)])
    _scan(app, _export(tmp_path / "export", {9: political}))
    [item] = _items(app, "scan")
    _reviews(app).decide(item.id, "withdraw", _moderator(app), "a press photo")
    app.matching.refresh()
    assert app.matching.match_bytes(political, record=False).matches == ()
    entry = app.store.get_entry(item.new.entry_id or 0)
    assert entry is not None and entry.status is EntryStatus.REMOVED


def test_forwards_into_thirty_chats_hold_the_entry_though_the_bot_hashed_once(
        portal: tuple[App, WebClient], monkeypatch: pytest.MonkeyPatch) -> None:
    app, client = portal
    meme = photo_bytes(45, (480, 360), "PNG")
    _register(client, [device_signals(meme)])
    app.matching.refresh()
    hashed: list[int] = []
    real = app.matching.match_bytes

    def counted(data: bytes, *args: Any, **kwargs: Any) -> Any:
        hashed.append(len(data))
        return real(data, *args, **kwargs)

    monkeypatch.setattr(app.matching, "match_bytes", counted)
    bot = BotService(SqlBotStore(app.store.engine), app.matching, None, BotSettings())
    media = BotMedia("file-id", "unique-1", "photo")
    held_at = hashed_when_held = None
    for n in range(30):  # one file forwarded by one user into 30 groups
        message = BotMessage(n + 1, -1001000000000 - n, "supergroup", 7,
                             datetime.now(UTC), media=(media,), user_id=4242,
                             forward_origin={"type": "user"})
        verdict = bot.cached_verdict(media) or bot.check_bytes(media, meme)
        outcome = bot.decide(message, [verdict])
        assert not outcome.decision.delete  # unconfirmed: review only, held or not
        if held_at is None and any(m.on_hold for v in outcome.verdicts
                                   for m in v.matches):
            held_at, hashed_when_held = n + 1, len(hashed)
    # Hashed once; the hold is a bank change, after which the file may be hashed again.
    assert hashed_when_held == 1
    assert held_at == app.settings.flood_max_distinct_places
    entries = [app.store.get_entry(e) for e in verdict.hit_entries]
    assert entries and all(e is not None and e.status is EntryStatus.ON_HOLD for e in entries)
    told = [i for i in _reviews(app).list().items if i.new.kind == "entry_hold"]
    assert told and all(i.new.evidence["places"] == app.settings.flood_max_distinct_places
                        for i in told)
