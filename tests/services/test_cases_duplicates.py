"""A portal registration of an image another open case holds, on SQLite and PostgreSQL: banked
and still matched, flagged for moderators, and shown to its case like an image never seen
until a moderator confirms the flag (dismissed: it stays so)."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from datetime import UTC, datetime

import numpy as np
import pytest
from PIL import Image

from rempart.bench.synthetic_images import photo_bytes
from rempart.core.signals.pdq import pdq_dihedral
from rempart.core.workflow import Role
from rempart.services.case_duplicates import DUPLICATE_KIND
from rempart.services.case_items import ItemSignals
from rempart.services.case_status import CaseStatus
from rempart.services.cases import VICTIM_BANK, CaseService
from rempart.services.evidence import EvidenceService
from rempart.services.matching import MatchService
from rempart.services.reviews import ReviewService
from rempart.services.users import SYSTEM
from rempart.store.audit import SqlAuditLog
from rempart.store.cases import SqlCaseStore
from rempart.store.evidence_reads import SqlEvidenceReads
from rempart.store.reviews import NewReviewItem, ReviewItem, SqlReviewStore
from rempart.store.scan_interface import FindingRow, NewScan
from rempart.store.scans import SqlScanStore
from rempart.store.sql import SqlBankStore, open_store
from rempart.store.users import SqlUserStore, UserRecord

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
CHANNEL = -1001234567890


def signals(data: bytes) -> ItemSignals:
    """The signals the browser would compute for ``data``."""
    with Image.open(io.BytesIO(data)) as im:
        rgb = np.asarray(im.convert("RGB"), np.uint8)
    first, variants = pdq_dihedral(rgb)
    return ItemSignals(hashlib.sha256(data).hexdigest(), first.hash, first.quality,
                       {v.variant: v.hash for v in variants})


def reencoded(data: bytes) -> bytes:
    """The same photo saved again as JPEG: other bytes, a near PDQ."""
    out = io.BytesIO()
    with Image.open(io.BytesIO(data)) as im:
        im.convert("RGB").save(out, "JPEG", quality=70)
    return out.getvalue()


class World:
    def __init__(self, url: str) -> None:
        self.store: SqlBankStore = open_store(url)
        engine = self.store.engine
        self.matching = MatchService(self.store)
        self.matching.load()
        self.scans = SqlScanStore(engine)
        self.scan = self.scans.create_scan(NewScan("fp", ("export",), None)).id
        self.cases = CaseService(SqlCaseStore(engine), self.store, self.scans,
                                 similar=self.matching)
        self.review_store = SqlReviewStore(engine)
        self.reviews = ReviewService(self.review_store, self.store)
        self.moderator: UserRecord = SqlUserStore(engine).create_user(
            "mod", "not-a-real-hash", Role.MODERATOR,
            SYSTEM.entry(T0, "user.create", "user", "mod"))
        self.message = 0

    def group(self, case_number: str) -> str:
        record = self.cases.cases.get_case(case_number)
        assert record is not None
        return self.cases.cases.items(record.id)[-1].content_group

    def flags(self) -> list[ReviewItem]:
        return [i for i in self.review_store.list(None, 100, 0).items
                if i.new.kind == DUPLICATE_KIND]

    def scanned(self, group: str) -> None:
        """A scan finds ``group``'s image in a basic group."""
        self.message += 1
        self.scans.commit_batch(self.scan, [FindingRow(
            f"k{self.message}", "export", {}, -4242, self.message, "2026-03-03T09:30:00Z",
            ((VICTIM_BANK, group),))], counters={}, progress={})

    def seen(self, *groups: str, confirm: bool = False) -> None:
        """The bot sees a message matching ``groups``' entries (one review item each), in a
        public channel; a moderator confirms them with ``confirm``."""
        self.message += 1
        for group in groups:
            item, _ = self.review_store.create(NewReviewItem(
                "bot", "media_match", f"bot:{self.message}:{group}", T0, VICTIM_BANK, None,
                group, "pdq", 2, ("victim",),
                {"platform": "telegram", "chat": CHANNEL, "message": self.message,
                 "link": f"https://t.me/somechannel/{self.message}", "chat_title": "News",
                 "date": "2026-03-02T08:00:00+00:00"},
                {"action_taken": {"delete": True}}))
            if confirm:
                self.reviews.decide(item.id, "confirm", self.moderator, "her image")


@pytest.fixture
def world(db_url: str) -> Iterator[World]:
    w = World(db_url)
    yield w
    w.store.close()


def never_seen(status: CaseStatus) -> bool:
    """What the page of a registered image nobody saw shows."""
    return (status.matches == 0 and status.awaiting_review == 0 and not status.by_place
            and not status.by_date and status.first_seen is None and not status.public_places
            and not status.notices and set(status.actions.values()) == {0}
            and all(i.matches == 0 and i.first_seen is None for i in status.items))


def test_a_second_registration_sees_nothing_until_a_moderator_confirms(world: World) -> None:
    photo = photo_bytes(41, (320, 240), "PNG")
    victim = world.cases.register([signals(photo)], minor=False, at=T0)
    stalker = world.cases.register([signals(photo)], minor=False, at=T0)
    mine, theirs = world.group(victim.case_number), world.group(stalker.case_number)
    [flag] = world.flags()
    assert flag.status == "open" and flag.new.content_group == theirs
    assert flag.new.location["also_in"] == victim.case_number
    assert flag.new.entry_id is None  # confirming shows sightings, it confirms no image

    # Still registered and matched: the person is protected whoever she is.
    world.matching.refresh()
    report = world.matching.match_bytes(photo, record=False)
    assert {m.case_id for m in report.matches} == {victim.case_number,
                                                       stalker.case_number}
    world.seen(mine, theirs)
    world.seen(mine, theirs, confirm=True)
    world.scanned(theirs)
    status = world.cases.status(stalker.case_number, stalker.secret)
    assert status.registered == status.active == 1 and status.items[0].kind == "image"
    assert never_seen(status), status
    ok = world.cases.status(victim.case_number, victim.secret)
    assert ok.awaiting_review == 1 and ok.matches == 1 and ok.public_places

    world.reviews.decide(flag.id, "confirm", world.moderator, "her own photo, checked")
    cleared = world.cases.status(stalker.case_number, stalker.secret)
    assert cleared.awaiting_review == 2 and cleared.matches == 1
    assert cleared.actions["removed"] == 2 and cleared.public_places


def test_a_dismissed_flag_keeps_the_sightings_hidden(world: World) -> None:
    photo = photo_bytes(42, (320, 240), "PNG")
    world.cases.register([signals(photo)], minor=False, at=T0)
    # A re-encoded copy (other SHA-256, near PDQ) added to an existing case is flagged too.
    stalker = world.cases.register([signals(photo_bytes(43, (320, 240), "PNG"))],
                                   minor=False, at=T0)
    world.cases.add_items(stalker.case_number, stalker.secret, [signals(reencoded(photo))],
                          at=T0)
    [flag] = world.flags()
    assert flag.new.signal == "pdq" and flag.new.content_group == world.group(
        stalker.case_number)
    world.seen(world.group(stalker.case_number), confirm=True)
    world.reviews.decide(flag.id, "dismiss", world.moderator, "not hers: a stalker")
    assert never_seen(world.cases.status(stalker.case_number, stalker.secret))


def test_own_case_and_closed_cases_are_no_duplicates(world: World) -> None:
    photo = photo_bytes(44, (320, 240), "PNG")
    first = world.cases.register([signals(photo)], minor=False, at=T0)
    world.cases.add_items(first.case_number, first.secret, [signals(photo)], at=T0)
    world.cases.close(first.case_number, first.secret, at=T0)
    again = world.cases.register([signals(photo)], minor=False, at=T0)
    assert world.flags() == []
    world.seen(world.group(again.case_number))
    assert world.cases.status(again.case_number, again.secret).awaiting_review == 1


def test_the_evidence_package_of_a_flagged_item_is_empty_too(world: World) -> None:
    photo = photo_bytes(45, (320, 240), "PNG")
    world.cases.register([signals(photo)], minor=False, at=T0)
    stalker = world.cases.register([signals(photo)], minor=False, at=T0)
    world.seen(world.group(stalker.case_number))
    world.seen(world.group(stalker.case_number), confirm=True)
    engine = world.store.engine
    evidence = EvidenceService(SqlEvidenceReads(engine), world.cases, world.store,
                               SqlAuditLog(engine))
    package = evidence.for_case(stalker.case_number, stalker.secret, at=T0)
    assert package.awaiting_review == 0 and not package.sightings
