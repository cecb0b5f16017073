"""EvidenceService: a case holder's package holds only the case's confirmed sightings with the
complaint fields (a count of those awaiting review, nothing about third parties) and her own
registered signals; the moderators' case package holds everything (senders, texts, neighbours,
the bot's flagged text) but dismissed sightings and other cases' matches; a wrong secret is
refused like an unknown case; chosen findings by id (unknown ids refused); every package
audited."""

from __future__ import annotations

import json
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
    review_sighting,
    seed_bot_detections,
    seed_case_and_findings,
)
from rempart.app import App, build
from rempart.config import Settings
from rempart.core.evidence import ModeratorEvidence
from rempart.core.evidence_package import package_json
from rempart.core.evidence_victim import VictimEvidence
from rempart.services.cases import CaseNotFound, CaseService
from rempart.services.errors import InvalidArgument
from rempart.services.evidence import EvidenceService, UnknownFindings
from rempart.store.audit import AuditFilter, SqlAuditLog
from rempart.store.cases import SqlCaseStore
from rempart.store.evidence_reads import SqlEvidenceReads
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
        app.store, SqlAuditLog(engine))
    yield app, service, seeded
    app.close()


THIRD_PARTY = ("Expéditeur", "user1001", "user1003", "user4242", "Voisin", "Quelqu'un",
               TRICKY_TEXT[:12], NON_LATIN, "Message voisin", "Légende signalée", "photos/",
               "/exports/demo", "other-victim-group", str(CHAT), str(OTHER_CHAT), str(BOT_CHAT),
               "ncii_request", "d" * 64)


def _leaks(data: object) -> list[str]:
    text = json.dumps(data, ensure_ascii=False)
    return [leak for leak in THIRD_PARTY if leak in text]


def test_case_package_before_any_confirmation(world: tuple[App, EvidenceService, Seeded]) -> None:
    app, service, seeded = world
    seed_bot_detections(app, seeded.case_group)
    pkg = service.for_case(seeded.case_number.lower(), f" {seeded.secret} ", at=AT)
    assert isinstance(pkg, VictimEvidence) and pkg.reference == seeded.case_number
    assert pkg.sightings == () and pkg.awaiting_review == 3  # 2 scan findings, 1 bot (1 dismissed)
    (item,) = pkg.registered
    assert item.sha256 and item.md5 and item.pdq and item.withdrawn_at is None
    data = package_json(pkg)
    assert data["confirmed_sightings"] == [] and data["awaiting_review"] == 3
    assert _leaks(data) == []


def test_case_package_holds_confirmed_sightings_only(
        world: tuple[App, EvidenceService, Seeded]) -> None:
    app, service, seeded = world
    seed_bot_detections(app, seeded.case_group)
    review_sighting(app, seeded.case_group, CHAT, 10)
    review_sighting(app, seeded.case_group, BOT_CHAT, 7, source="bot")
    review_sighting(app, "other-victim-group", OTHER_CHAT, 3)  # another case's item confirmed
    pkg = service.for_case(seeded.case_number, seeded.secret, language="en", at=AT)
    assert pkg.awaiting_review == 1  # OTHER_CHAT/3: her item there is still unconfirmed
    first, bot = pkg.sightings
    assert (first.ref, first.origin, first.platform) == (f"F-{seeded.ids['first']}", "scan",
                                                          "telegram")
    assert first.chat_title == "Groupe « démo »" and first.chat_link is None  # private link
    assert first.message_link == "https://t.me/c/1234567890/10"
    assert first.paris_time == "2026-03-01 11:00:00 (UTC+01:00)"
    assert [(m.item, m.bank, m.signal, m.distance) for m in first.matches] == [
        (1, "victims", "pdq", 6)]
    assert bot.ref.startswith("R-") and bot.origin == "bot" and bot.chat_title == "Groupe du bot"
    assert bot.paris_time == "2026-05-07 08:00:00 (UTC+02:00)"
    data = package_json(pkg)
    assert len(data["confirmed_sightings"]) == 2 and _leaks(data) == []
    assert {o["article"] for o in data["offences"] if o["suggested"]} >= {
        "Code pénal 226-1", "Code pénal 226-2-1"}


def test_a_dismissed_sighting_is_neither_shown_nor_counted(
        world: tuple[App, EvidenceService, Seeded]) -> None:
    app, service, seeded = world
    review_sighting(app, seeded.case_group, CHAT, 10, decision="dismiss")
    pkg = service.for_case(seeded.case_number, seeded.secret, at=AT)
    assert pkg.sightings == () and pkg.awaiting_review == 1
    status = service.cases.status(seeded.case_number, seeded.secret)  # type: ignore[union-attr]
    assert status.awaiting_review == 1 and status.matches == 0  # the case page agrees


def test_moderators_case_package_has_everything(
        world: tuple[App, EvidenceService, Seeded]) -> None:
    app, service, seeded = world
    seed_bot_detections(app, seeded.case_group)
    review_sighting(app, seeded.case_group, CHAT, 10)
    pkg = service.for_case_moderators(seeded.case_number, requested_by="mod-a", at=AT)
    assert isinstance(pkg, ModeratorEvidence) and pkg.audience.kind == "case"
    assert pkg.reference.startswith("EVD-20260801-")
    assert [(e.chat_id, e.message_id, e.review) for e in pkg.entries] == [
        (CHAT, 10, "confirmed"), (BOT_CHAT, 7, "under_review"), (OTHER_CHAT, 3, "under_review")]
    first, bot, second = pkg.entries
    assert first.text == f"{TRICKY_TEXT} {NON_LATIN}" and first.sender_id == "user1001"
    assert first.neighbours is not None and [n.message_id for n in first.neighbours] == [12]
    assert second.neighbours is None and second.text is None
    assert {m.content_group for e in pkg.entries for m in e.matches} == {seeded.case_group}
    assert bot.sender_id == "user4242" and bot.text == "Légende signalée 7 <img src=x>"
    assert bot.text_labels == ("ncii_share",) and bot.media_sha256 == "d" * 64
    data = package_json(pkg)
    assert data["schema"] == "rempart.evidence/1" and data["timeline"][2]["neighbours"] is None
    assert "other-victim-group" not in str(data)
    with pytest.raises(CaseNotFound):
        service.for_case_moderators("VIC-2026-999999", requested_by="mod-a")
    audit = SqlAuditLog(app.store.engine).list_audit(
        AuditFilter(action="evidence.case_moderators"), 10, 0).items
    assert [(a.entry.actor_id, a.entry.object_id) for a in audit] == [
        ("mod-a", seeded.case_number)]


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
    audit = SqlAuditLog(app.store.engine).list_audit(AuditFilter(), 50, 0).items
    built = [a.entry for a in audit if a.entry.action.startswith("evidence.")]
    assert {(b.action, b.actor_id) for b in built} == {("evidence.findings", "mod-a")}
    assert built[0].details["finding_ids"] == sorted({seeded.ids["first"], seeded.ids["other"]})
