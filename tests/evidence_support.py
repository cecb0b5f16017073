"""Shared data of the evidence package tests: a victim case and hand-written scan findings
(fictional chats, senders and texts; no media, as in the real store).

``seed_case_and_findings`` registers one image's signals for a case, then stores a scan whose
findings match it (twice, in two chats), a neighbouring text-only message, and a finding of
ANOTHER banked item that a case package must never show. ``review_sighting`` raises the review
item of a sighting and has a moderator decide it (the only way a sighting gets confirmed).
"""

from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from rempart.app import App
from rempart.core.workflow import Role
from rempart.services.case_items import ItemSignals
from rempart.services.cases import CaseService
from rempart.services.reviews import ReviewService
from rempart.services.users import SYSTEM
from rempart.store.cases import SqlCaseStore
from rempart.store.evidence_reads import SqlEvidenceReads
from rempart.store.review_models import review_items
from rempart.store.reviews import NewReviewItem, SqlReviewStore
from rempart.store.scan_interface import FindingRow, NewScan
from rempart.store.scans import SqlScanStore
from rempart.store.users import SqlUserStore, UserRecord

IN_CI = os.environ.get("CI", "").lower() == "true"
TRICKY_TEXT = "Qui a les photos d'elle ? <script>alert('x')</script> <b>gras</b> café élève"
NON_LATIN = "Привет всем"
CHAT = -1001234567890
OTHER_CHAT = -1009876543210
BOT_CHAT = -1005555555555
PDQ = "f" * 16 + "0" * 48


@dataclass
class Seeded:
    case_number: str
    secret: str
    case_group: str
    ids: dict[str, int]


def require_poppler() -> None:
    """Skip without pdftoppm/pdftotext, except under CI=true where they must be present."""
    missing = [t for t in ("pdftoppm", "pdftotext") if shutil.which(t) is None]
    if missing:
        if IN_CI:
            pytest.fail(f"CI=true: {', '.join(missing)} must be installed (poppler-utils)")
        pytest.skip(f"{', '.join(missing)} not installed")


def _finding(scan_id: str, chat: int, message: int, date: str, sender: tuple[str, str],
             text: str | None, matches: list[dict[str, Any]], labels: list[str]) -> FindingRow:
    source = {"platform": "telegram", "export": "/exports/demo", "chat_name": "Groupe « démo »",
              "chat_type": "public_supergroup", "chat_id": chat, "message_id": message,
              "date_utc": date, "date_is_local": False, "sender_name": sender[0],
              "sender_id": sender[1], "link": f"https://t.me/c/{str(chat)[4:]}/{message}"}
    media = {"path": f"photos/photo_{message}.jpg", "kind": "photo", "mime_type": "image/jpeg",
             "sha256": hashlib.sha256(f"m{message}".encode()).hexdigest(),
             "media_kind": "image", "problem": None, "error": None} if matches else None
    finding = {"scan_id": scan_id, "input": "/exports/demo", "source": source, "media": media,
               "matches": matches, "text": {"labels": labels, "scores": {}, "spans": []},
               "links": [], "text_excerpt": text, "raw_type": "message"}
    contents = tuple((m["bank"], m["content_group"]) for m in matches)
    key = hashlib.sha256(f"{chat}/{message}".encode()).hexdigest()
    return FindingRow(key, "/exports/demo", finding, chat, message, date, contents)


def _match(group: str, bank: str = "victims") -> dict[str, Any]:
    return {"bank": bank, "entry": 1, "signal": "pdq", "distance": 6, "labels": ["victim"],
            "content_group": group, "policy": "review", "action": "review",
            "bank_kind": "victim"}


def seed_case_and_findings(app: App) -> Seeded:
    """A case with one registered image, and a scan that found it (see the module doc)."""
    engine = app.store.engine
    cases = CaseService(SqlCaseStore(engine), app.store, SqlScanStore(engine))
    sha = hashlib.sha256(b"victim image").hexdigest()
    done = cases.register([ItemSignals(sha256=sha, pdq=PDQ, pdq_quality=90,
                                       md5=hashlib.md5(b"victim image").hexdigest())],
                          minor=False)
    record = cases.cases.get_case(done.case_number)
    assert record is not None
    group = cases.cases.items(record.id)[0].content_group
    scans = SqlScanStore(engine)
    scan = scans.create_scan(NewScan("e" * 64, ("/exports/demo",), None))
    rows = [
        _finding(scan.id, CHAT, 10, "2026-03-01T10:00:00Z", ("Expéditeur Un", "user1001"),
                 f"{TRICKY_TEXT} {NON_LATIN}", [_match(group)], ["ncii_request"]),
        _finding(scan.id, CHAT, 12, "2026-03-01T10:05:00Z", ("Voisin Deux", "user1002"),
                 "Message voisin sans média", [], ["ncii_request"]),
        _finding(scan.id, OTHER_CHAT, 3, "2026-07-14T22:30:00Z", ("Expéditeur Trois",
                 "user1003"), None, [_match(group), _match("other-victim-group")], []),
        _finding(scan.id, OTHER_CHAT, 40, "2026-07-15T08:00:00Z", ("Quelqu'un", "user1004"),
                 "Autre contenu", [_match("other-victim-group")], []),
    ]
    scans.commit_batch(scan.id, rows, counters={}, progress={})
    found = SqlEvidenceReads(engine).recent(scan_id=scan.id)
    ids = {f"{s.chat_id}/{s.message_id}": s.id for s in found}
    return Seeded(done.case_number, done.secret, group, {
        "first": ids[f"{CHAT}/10"], "neighbour": ids[f"{CHAT}/12"],
        "second": ids[f"{OTHER_CHAT}/3"], "other": ids[f"{OTHER_CHAT}/40"]})


def seed_bot_detections(app: App, group: str) -> None:
    """The bot saw the case's item in BOT_CHAT message 7 (with a flagged caption) and message 8
    (a review a moderator dismissed)."""
    reviews = SqlReviewStore(app.store.engine)
    for message in (7, 8):
        location = {"platform": "telegram", "chat": BOT_CHAT, "chat_title": "Groupe du bot",
                    "message": message, "link": None, "sender": 4242, "sender_chat": None,
                    "date": f"2026-05-0{message}T06:00:00+00:00"}
        base = f"bot:{BOT_CHAT}:{message}"
        item, _ = reviews.create(NewReviewItem(
            "bot", "media_match", f"{base}:file:1", datetime(2026, 5, 7, tzinfo=UTC),
            bank="victims", entry_id=1, content_group=group, signal="pdq", distance=4,
            labels=("victim",), location=location,
            evidence={"sha256": "d" * 64, "match": {}, "action_taken": {"delete": True}}))
        reviews.create(NewReviewItem(
            "bot", "text_flag", f"{base}:text:ncii_share", datetime(2026, 5, 7, tzinfo=UTC),
            labels=("ncii_share",), location=location,
            evidence={"text": f"Légende signalée {message} <img src=x>"}))
        if message == 8:
            with app.store.engine.begin() as conn:
                conn.execute(review_items.update().where(review_items.c.id == item.id)
                             .values(status="dismissed"))


def moderator(app: App, name: str = "evidence-mod") -> UserRecord:
    """A moderator account (made on first use)."""
    store = SqlUserStore(app.store.engine)
    found = store.user_credentials(name)
    if found is not None:
        return found[0]
    return store.create_user(name, "not-a-real-hash", Role.MODERATOR,
                             SYSTEM.entry(datetime.now(UTC), "user.create", "user", name))


def review_sighting(app: App, group: str, chat: int, message: int, decision: str = "confirm",
                    source: str = "scan") -> int:
    """The review item of the sighting of ``group`` in ``chat``/``message`` (a scan's item
    names its finding's message), decided by a moderator; returns its id."""
    reviews = ReviewService(SqlReviewStore(app.store.engine), app.store)
    raised = [i for i in SqlEvidenceReads(app.store.engine).reviews_of([group])
              if (i.source, i.location.get("chat"), i.location.get("message"), i.status)
              == (source, chat, message, "open")]
    if raised:  # the bot raised it already
        reviews.decide(raised[0].id, decision, moderator(app), "checked")
        return raised[0].id
    item, _ = reviews.create(NewReviewItem(
        source, "media_match", f"{source}:{chat}:{message}:{group}", datetime.now(UTC),
        bank="victims", content_group=group, signal="pdq", distance=6, labels=("victim",),
        location={"platform": "telegram", "chat": chat, "message": message}))
    reviews.decide(item.id, decision, moderator(app), "checked against the registered item")
    return item.id
