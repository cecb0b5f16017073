"""The moderators' evidence package model: timeline order and time zones, offences suggested by
the signals, the versioned JSON form and its HTML inertness."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from rempart.core.evidence import (
    SCHEMA,
    Audience,
    ModeratorEvidence,
    sort_timeline,
    timeline_entry,
)
from rempart.core.evidence_law import OFFENCES
from rempart.core.evidence_package import package_json, package_json_bytes

AT = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
SCRIPT = "<script>alert('x')</script> & <b>gras</b> élève Привет"


def _finding(message: int, date: str | None, **extra: object) -> dict[str, object]:
    return {"scan_id": "s", "source": {"platform": "telegram", "chat_id": -1001, "chat_name": "c",
                                       "message_id": message, "date_utc": date,
                                       "sender_name": "Nom", "sender_id": "user1"},
            "matches": [], "text": None, "links": [], "text_excerpt": None, **extra}


def _package(*entries: dict[str, object]) -> ModeratorEvidence:
    timeline = sort_timeline(timeline_entry(n, f) for n, f in enumerate(entries, 1))
    return ModeratorEvidence("EVD-1", "fr", AT, Audience("selection", requested_by="mod"),
                           timeline)


def test_dates_in_utc_and_paris_summer_and_winter() -> None:
    winter = timeline_entry(1, _finding(1, "2026-01-15T13:00:00Z"))
    summer = timeline_entry(2, _finding(2, "2026-07-15T13:00:00Z"))
    assert winter.utc_time == "2026-01-15 13:00:00 UTC"
    assert winter.paris_time == "2026-01-15 14:00:00 (UTC+01:00)"
    assert summer.paris_time == "2026-07-15 15:00:00 (UTC+02:00)"
    local = timeline_entry(3, {"source": {"date_utc": "2026-01-15T13:00:00",
                                          "date_is_local": True}})
    assert local.paris_time is None and local.utc_time is None


def test_timeline_sorted_by_instant_then_local_then_undated() -> None:
    pkg = _package(_finding(1, None), _finding(2, "2026-02-01T00:00:00Z"),
                   _finding(3, "2026-01-31T23:59:59+00:00"),
                   {"source": {"date_utc": "2025-01-01T00:00:00", "date_is_local": True}})
    assert [e.finding_id for e in pkg.entries] == [3, 2, 4, 1]


def test_json_schema_and_content() -> None:
    pkg = _package(_finding(5, "2026-01-15T13:00:00Z", text_excerpt="bonjour"))
    data = package_json(pkg)
    assert data["schema"] == SCHEMA == "rempart.evidence/1"
    assert data["generated_at"] == "2026-03-02T08:00:00Z" and data["contains_media"] is False
    assert data["audience"] == {"kind": "selection", "case_number": None, "requested_by": "mod"}
    entry = data["timeline"][0]
    assert entry["date"]["europe_paris"] == "2026-01-15 14:00:00 (UTC+01:00)"
    assert entry["sender"] == {"name": "Nom", "id": "user1"}
    assert entry["text"] == "bonjour" and entry["neighbours"] is None
    assert [o["article"] for o in data["offences"]] == [f"Code pénal {o.article}"
                                                        for o in OFFENCES]
    assert {"226-1", "226-2-1", "226-8-1", "227-23", "222-33-2-2", "223-1-1"} == {
        o.article for o in OFFENCES}
    assert any("PHAROS" in w["where"] for w in data["where_to_file"])
    assert any("NF Z67-147" in c for c in data["constat_checklist"])
    assert any("sha256sum" in v["how"] for v in data["how_to_verify"])
    english = package_json(ModeratorEvidence("EVD-1", "en", AT, Audience("selection"), ()))
    assert english["where_to_file"][0]["where"] == "Police station or gendarmerie"


def test_html_in_user_text_is_inert_in_json() -> None:
    pkg = _package(_finding(1, "2026-01-15T13:00:00Z", text_excerpt=SCRIPT))
    raw = package_json_bytes(pkg)
    assert b"<" not in raw and b">" not in raw and b"&" not in raw
    assert json.loads(raw)["timeline"][0]["text"] == SCRIPT  # the same text, read back


def test_offences_suggested_by_signals() -> None:
    def suggested(*findings: dict[str, object]) -> set[str]:
        return {o.offence.article for o in _package(*findings).offences if o.suggested}

    victim = {"bank": "victims", "signal": "pdq", "distance": 3, "content_group": "g",
              "labels": ["victim"], "bank_kind": "victim"}
    assert suggested(_finding(1, None)) == set()
    assert {"226-1", "226-2-1"} <= suggested(_finding(1, None, matches=[victim]))
    minor = {**victim, "bank": "child-protection", "labels": ["victim", "minor"]}
    assert "227-23" in suggested(_finding(1, None, matches=[minor]))
    assert "223-1-1" in suggested(_finding(1, None, text={"labels": ["doxxing"]}))
    assert "222-33-2-2" in suggested(*(_finding(n, None) for n in range(3)))
