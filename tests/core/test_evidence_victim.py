"""The victim's evidence view: the confirmation rule, the field-level allowlist (a confirmed
sighting keeps its complaint fields and nothing about third parties, whatever the full record
holds), its own JSON schema, offences suggested without keeping the records."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime

from rempart.core.evidence import Neighbour, TimelineEntry, review_entry, timeline_entry
from rempart.core.evidence_package import package_json, package_json_bytes, schema_of
from rempart.core.evidence_victim import (
    VICTIM_SCHEMA,
    VictimEvidence,
    VictimSighting,
    best_state,
    public_chat_link,
    sighting_state,
    victim_evidence,
    victim_sighting,
)

AT = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
MINE, OTHER = "group-mine", "group-other"
THIRD_PARTY = ("Alix Sender", "user9001", "Forwarder Chan", "channel777", "the caption text",
               "Neighbour Name", "user9002", "neighbour text", "photos/secret_path.jpg",
               "c" * 64, OTHER, "-1001555000111", "1555000111")


def _full_record(chat_type: str = "public_supergroup",
                 link: str | None = "https://t.me/publicgroup/10") -> TimelineEntry:
    finding = {
        "scan_id": "scan-1",
        "source": {"platform": "telegram", "chat_name": "Public Group", "chat_type": chat_type,
                   "chat_id": 1555000111, "message_id": 10, "date_utc": "2026-03-01T10:00:00Z",
                   "sender_name": "Alix Sender", "sender_id": "user9001",
                   "forwarded_from": "Forwarder Chan", "forwarded_from_id": "channel777",
                   "link": link},
        "media": {"path": "photos/secret_path.jpg", "kind": "photo", "media_kind": "image",
                  "sha256": "c" * 64},
        "matches": [{"bank": "victims", "signal": "pdq", "distance": 6, "labels": ["victim"],
                     "content_group": MINE, "bank_kind": "victim"},
                    {"bank": "victims", "signal": "pdq", "distance": 2, "labels": ["victim"],
                     "content_group": OTHER, "bank_kind": "victim"}],
        "text": {"labels": ["ncii_request"]}, "links": [{"url": "https://t.me/+invite"}],
        "text_excerpt": "the caption text"}
    return timeline_entry(42, finding, [Neighbour(9, None, "Neighbour Name", "user9002",
                                                  "neighbour text")])


def test_confirmation_rule() -> None:
    assert sighting_state([]) == "under_review"  # nobody looked yet
    assert sighting_state(["open"]) == "under_review"
    assert sighting_state(["dismissed", "open"]) == "under_review"
    assert sighting_state(["dismissed", "confirmed"]) == "confirmed"
    assert sighting_state(["dismissed", "dismissed"]) == "dismissed"
    assert sighting_state(["withdrawn"]) == "under_review"  # an unknown status confirms nothing
    assert best_state(["dismissed", "under_review"]) == "under_review"
    assert best_state(["dismissed"]) == "dismissed"
    assert best_state(["under_review", "confirmed"]) == "confirmed"


def test_public_links_only() -> None:
    assert public_chat_link("https://t.me/somechannel/20") == "https://t.me/somechannel"
    for private in ("https://t.me/c/1234567890/20", None, "", "https://t.me/+AbCd/1",
                    "https://evil.example/t.me/abcd/1", "https://t.me/somechannel/20?x=1"):
        assert public_chat_link(private) is None


def test_allowlist_keeps_complaint_fields_only() -> None:
    sighting = victim_sighting(_full_record(), {MINE: 3})
    assert sighting.ref == "F-42" and sighting.platform == "telegram"
    assert sighting.chat_title == "Public Group"
    assert sighting.chat_link == "https://t.me/publicgroup"
    assert sighting.message_link == "https://t.me/publicgroup/10"
    assert sighting.paris_time == "2026-03-01 11:00:00 (UTC+01:00)"
    assert [(m.item, m.signal, m.distance) for m in sighting.matches] == [(3, "pdq", 6)]
    text = repr(sighting)
    for leak in THIRD_PARTY:
        assert leak not in text, leak
    # The view's fields are a closed list: a new one must be added here, and to the docs.
    assert {f.name for f in dataclasses.fields(VictimSighting)} == {
        "ref", "origin", "platform", "chat_title", "chat_link", "message_link", "date_utc",
        "date_is_local", "matches"}


def test_one_to_one_chats_are_not_named() -> None:
    personal = victim_sighting(_full_record("personal_chat", None), {MINE: 1})
    assert personal.chat_title is None and personal.chat_link is None
    bot_private = review_entry(7, "bot", {"platform": "telegram", "chat": 424242,
                                          "chat_title": "Alix Sender", "message": 3,
                                          "sender": 424242}, {}, {"content_group": MINE}, None, ())
    assert victim_sighting(bot_private, {MINE: 1}).chat_title is None
    bot_group = review_entry(8, "bot", {"platform": "telegram", "chat": -1001,
                                        "chat_title": "A group", "message": 3}, {},
                             {"content_group": MINE}, None, ())
    assert victim_sighting(bot_group, {MINE: 1}).chat_title == "A group"


def test_victim_json_has_its_schema_and_nothing_else() -> None:
    pkg = victim_evidence("VIC-2026-000001", "en", AT, [_full_record()], 4, (), {MINE: 1})
    assert isinstance(pkg, VictimEvidence) and schema_of(pkg) == VICTIM_SCHEMA
    data = package_json(pkg)
    assert data["schema"] == "rempart.evidence.victim/1" and data["awaiting_review"] == 4
    assert "timeline" not in data
    (sighting,) = data["confirmed_sightings"]
    assert set(sighting) == {"ref", "origin", "platform", "chat", "message_link", "date",
                             "matches"}
    assert sighting["chat"] == {"title": "Public Group", "public_link": "https://t.me/publicgroup"}
    raw = package_json_bytes(pkg).decode()
    for leak in THIRD_PARTY:
        assert leak not in raw, leak
    # Offences come from the full records (victim match, text labels) without keeping them.
    suggested = {o["article"] for o in data["offences"] if o["suggested"]}
    assert {"Code pénal 226-1", "Code pénal 226-2-1"} <= suggested
    assert json.loads(raw)["audience"] == {"kind": "victim_case",
                                           "case_number": "VIC-2026-000001"}
