"""EvidenceService: a case's package holds only the case's findings and matches, with the
registered item's own signals and the neighbours the scan stored; a wrong secret is refused
like an unknown case; chosen findings by id (unknown ids refused); every package audited."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from evidence_support import (
    BOT_CHAT,
    CHAT,
    NON_LATIN,
    OTHER_CHAT,
    TRICKY_TEXT,
    Seeded,
    seed_bot_detections,
    seed_case_and_findings,
)
from rempart.app import App, build
from rempart.config import Settings
from rempart.core.evidence import package_json
from rempart.services.cases import CaseNotFound, CaseService
from rempart.services.errors import InvalidArgument
from rempart.services.evidence import EvidenceService, UnknownFindings
from rempart.store.cases import SqlCaseStore
from rempart.store.evidence_reads import SqlEvidenceReads
from rempart.store.notices import AuditFilter, SqlNoticeStore
from rempart.store.scans import SqlScanStore

AT = datetime(2026, 8, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def world(db_url: str) -> Iterator[tuple[App, EvidenceService, Seeded]]:
    app = build(Settings(database_url=db_url))
    engine = app.store.engine
    seeded = seed_case_and_findings(app)
    service = EvidenceService(
        SqlEvidenceReads(engine), CaseService(SqlCaseStore(engine), app.store,
                                              SqlScanStore(engine)),
        app.store, SqlNoticeStore(engine))
    yield app, service, seeded
    app.close()


def test_case_package_holds_only_the_case(world: tuple[App, EvidenceService, Seeded]) -> None:
    _, service, seeded = world
    pkg = service.for_case(seeded.case_number.lower(), f" {seeded.secret} ", at=AT)
    assert pkg.reference == seeded.case_number and pkg.audience.kind == "victim_case"
    assert [(e.chat_id, e.message_id) for e in pkg.entries] == [(CHAT, 10), (OTHER_CHAT, 3)]
    groups = {m.content_group for e in pkg.entries for m in e.matches}
    assert groups == {seeded.case_group}  # never another victim's item
    first = pkg.entries[0]
    assert first.text == f"{TRICKY_TEXT} {NON_LATIN}" and first.sender_id == "user1001"
    assert first.paris_time == "2026-03-01 11:00:00 (UTC+01:00)"
    assert first.neighbours is not None and [n.message_id for n in first.neighbours] == [12]
    assert pkg.entries[1].neighbours is None and pkg.entries[1].text is None
    assert pkg.entries[1].paris_time == "2026-07-15 00:30:00 (UTC+02:00)"
    (item,) = pkg.registered
    assert item.sha256 and item.md5 and item.pdq and item.withdrawn_at is None
    data = package_json(pkg)
    assert "other-victim-group" not in str(data)
    assert data["timeline"][1]["neighbours"] is None


def test_bot_detections_in_a_case(world: tuple[App, EvidenceService, Seeded]) -> None:
    app, service, seeded = world
    seed_bot_detections(app, seeded.case_group)
    pkg = service.for_case(seeded.case_number, seeded.secret, at=AT)
    bot = [e for e in pkg.entries if e.origin == "bot"]
    assert [(e.chat_id, e.message_id) for e in bot] == [(BOT_CHAT, 7)]  # 8 was dismissed
    (entry,) = bot
    assert entry.ref.startswith("R-") and entry.sender_id == "user4242"
    assert entry.text == "Légende signalée 7 <img src=x>" and entry.text_labels == ("ncii_share",)
    assert entry.media_sha256 == "d" * 64 and entry.paris_time == "2026-05-07 08:00:00 (UTC+02:00)"
    assert [e.origin for e in pkg.entries] == ["scan", "bot", "scan"]  # by date


def test_wrong_secret_is_an_unknown_case(world: tuple[App, EvidenceService, Seeded]) -> None:
    _, service, seeded = world
    with pytest.raises(CaseNotFound):
        service.for_case(seeded.case_number, "wrong")
    with pytest.raises(CaseNotFound):
        service.for_case("VIC-2026-999999", seeded.secret)
    with pytest.raises(InvalidArgument):
        service.for_case(seeded.case_number, seeded.secret, language="de")


def test_chosen_findings(world: tuple[App, EvidenceService, Seeded]) -> None:
    app, service, seeded = world
    ids = [seeded.ids["other"], seeded.ids["first"], seeded.ids["first"]]
    pkg = service.for_findings(ids, requested_by="mod-a", language="en", at=AT)
    assert pkg.reference.startswith("EVD-20260801-") and pkg.language == "en"
    assert [e.finding_id for e in pkg.entries] == [seeded.ids["first"], seeded.ids["other"]]
    assert pkg.entries[1].matches[0].content_group == "other-victim-group"  # all matches kept
    assert pkg == service.for_findings(ids, requested_by="mod-a", language="en", at=AT)
    with pytest.raises(UnknownFindings) as e:
        service.for_findings([seeded.ids["first"], 999_999], requested_by="mod-a")
    assert e.value.ids == (999_999,)
    with pytest.raises(InvalidArgument):
        service.for_findings([], requested_by="mod-a")
    audit = SqlNoticeStore(app.store.engine).list_audit(AuditFilter(), 50, 0).items
    built = [a.entry for a in audit if a.entry.action.startswith("evidence.")]
    assert {(b.action, b.actor_id) for b in built} == {("evidence.findings", "mod-a")}
    assert built[0].details["finding_ids"] == sorted({seeded.ids["first"], seeded.ids["other"]})
