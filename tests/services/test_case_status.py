"""The victim's case status, on SQLite and PostgreSQL: confirmed matches from the scans and the
bot (by place type, by day, first and last seen), unconfirmed ones only counted, actions taken,
notices about the content, public places confirmed by a moderator, nothing from another case;
the minor's escalated notice; withdrawal and closing reaching the exports and another
process's matcher; the flood guard on registered signals."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from PIL import Image

from rempart.bench.synthetic_images import photo_bytes
from rempart.core.banks import BankKind, EntryStatus
from rempart.core.flood import FloodRule
from rempart.core.signals.pdq import pdq_dihedral
from rempart.core.workflow import Category, Role
from rempart.services.banks import add_signal, create_bank, export_entries
from rempart.services.case_items import ItemSignals
from rempart.services.case_status import case_marker
from rempart.services.cases import CHILD_BANK, VICTIM_BANK, CaseNotFound, CaseService
from rempart.services.matching import MatchService
from rempart.services.notices import NoticeService, Submission
from rempart.services.users import SYSTEM
from rempart.store.audit import SqlAuditLog
from rempart.store.cases import SqlCaseStore
from rempart.store.notices import NoticeFilter, SqlNoticeStore
from rempart.store.reviews import Closing, NewReviewItem, SqlReviewStore
from rempart.store.scan_interface import FindingRow, NewScan
from rempart.store.scans import SqlScanStore
from rempart.store.sql import SqlBankStore, open_store
from rempart.store.users import SqlUserStore

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
CHANNEL = -1001234567890  # a supergroup or channel
GROUP = -4242  # a basic group
PRIVATE = 777  # a private chat


def signals(seed: int) -> tuple[bytes, ItemSignals]:
    """A generated photo and the signals the browser would compute for it."""
    data = photo_bytes(seed, (320, 240), "PNG")
    with Image.open(io.BytesIO(data)) as im:
        rgb = np.asarray(im.convert("RGB"), np.uint8)
    first, variants = pdq_dihedral(rgb)
    return data, ItemSignals(hashlib.sha256(data).hexdigest(), first.hash, first.quality,
                             {v.variant: v.hash for v in variants})


class World:
    """A store, the case service and what writes sightings, review items and notices."""

    def __init__(self, url: str) -> None:
        self.store: SqlBankStore = open_store(url)
        engine = self.store.engine
        self.scans = SqlScanStore(engine)
        self.cases = CaseService(SqlCaseStore(engine), self.store, self.scans)
        self.reviews = SqlReviewStore(engine)
        self.notices = SqlNoticeStore(engine)
        self.users = SqlUserStore(engine)
        self.audit = SqlAuditLog(engine)
        self.moderator = self.users.create_user(
            "mod", "not-a-real-hash", Role.MODERATOR,
            SYSTEM.entry(T0, "user.create", "user", "mod")).id
        self.scan = self.scans.create_scan(NewScan("fp", ("export",), None)).id
        self.n = 0

    def sighting(self, group: str, chat: int | None, message: int | None, date: str) -> None:
        self.n += 1
        self.scans.commit_batch(self.scan, [FindingRow(
            f"k{self.n}", "export", {"secret": "not shown"}, chat, message, date,
            ((VICTIM_BANK, group),))], counters={}, progress={})

    def bot_item(self, group: str, chat: int, message: int, *, removed: bool = True,
                 link: str | None = None, title: str = "Some chat", decide: str | None = None,
                 entry: int = 1, date: str = "2026-03-02T08:00:00+00:00") -> None:
        item, _ = self.reviews.create(NewReviewItem(
            "bot", "media_match", f"bot:{chat}:{message}:{entry}", T0, VICTIM_BANK, entry,
            group, "pdq", 4, ("victim",),
            {"platform": "telegram", "chat": chat, "chat_title": title, "message": message,
             "link": link, "sender": 99887766, "date": date},
            {"action_taken": {"delete": removed}, "sha256": "f" * 64}))
        if decide is not None:
            self.reviews.decide_many([Closing(item.id, decide, decide, SYSTEM.entry(
                T0, "review.decide", "review", str(item.id)))], self.moderator, "checked", T0)

    def groups(self, case_number: str) -> list[str]:
        record = self.cases.cases.get_case(case_number)
        assert record is not None
        return [i.content_group for i in self.cases.cases.items(record.id)]


@pytest.fixture
def world(db_url: str) -> Iterator[World]:
    w = World(db_url)
    yield w
    w.store.close()


def test_status_counts_actions_notices_and_no_other_case(world: World) -> None:
    (_, s1), (_, s2), (_, s3) = signals(1), signals(2), signals(3)
    mine = world.cases.register([s1, s2], minor=False, at=T0)
    other = world.cases.register([s3], minor=False, contact="other@example.org", at=T0)
    g1, g2 = world.groups(mine.case_number)
    (g3,) = world.groups(other.case_number)

    world.sighting(g1, CHANNEL, 10, "2026-03-01T13:00:00Z")
    world.sighting(g1, CHANNEL, 10, "2026-03-01T13:00:00Z")  # the same message, a second scan
    world.sighting(g1, GROUP, 11, "2026-03-03T09:30:00Z")
    world.sighting(g2, None, None, "2026-03-04T10:00:00Z")  # a scanned media folder
    # The bot: a public channel (confirmed), a private group (open), a dismissed look-alike.
    world.bot_item(g1, CHANNEL, 20, link="https://t.me/somechannel/20", title="Public news",
                   decide="confirmed")
    world.bot_item(g1, CHANNEL, 20, link="https://t.me/somechannel/20", entry=2,
                   decide="confirmed")  # a second entry of the same image, same message
    world.bot_item(g2, -1009999999999, 21, link="https://t.me/c/9999999999/21",
                   title="Private circle")
    world.bot_item(g2, PRIVATE, 22, removed=False, title="Someone", decide="dismissed",
                   link="https://t.me/lookalike/22")
    # The other case's content, seen elsewhere: never on my page.
    world.sighting(g3, GROUP, 99, "2026-02-01T00:00:00Z")
    world.bot_item(g3, CHANNEL, 98, link="https://t.me/elsewhere/98", title="Elsewhere",
                   decide="confirmed")

    # Notices: one about a message where my image was seen, one about somewhere else.
    notices = NoticeService(world.notices, world.users, world.audit, clock=lambda: T0)
    notices.submit(Submission(Category.NCII, "my photo", chat_id=CHANNEL, message_id=20,
                              good_faith=True, contact_name="A Reporter",
                              contact_email="reporter@example.org"))
    notices.submit(Submission(Category.NCII, "another photo", chat_id=CHANNEL, message_id=98,
                              good_faith=True))

    status = world.cases.status(mine.case_number, mine.secret)
    assert status.registered == status.active == 2 and not status.minor
    assert [i.kind for i in status.items] == ["image", "image"]
    # g1: channel 10, group 11 (no review yet), channel 20 (confirmed); g2: a file, channel 21
    # (private link, open review). Unconfirmed sightings are only counted: no type, no date.
    assert [i.matches for i in status.items] == [1, 0]
    assert status.matches == 1 and status.awaiting_review == 4
    assert status.by_place == {"channel": 1}
    assert status.by_date == {"2026-03-02": 1}
    assert (status.first_seen, status.last_seen) == ("2026-03-02 08:00", "2026-03-02 08:00")
    assert status.items[0].first_seen == "2026-03-02 08:00"
    assert status.actions == {"removed": 2, "confirmed": 1, "under_review": 1, "dismissed": 1}
    # Only the confirmed public message is named; not the private link, not the look-alike.
    assert [(p.link, p.title) for p in status.public_places] == [
        ("https://t.me/somechannel/20", "Public news")]
    assert len(status.notices) == 1
    notice = status.notices[0]
    assert notice.case_number is None and not notice.from_case
    assert (notice.category, notice.state, notice.escalated) == ("ncii", "received", False)
    assert notice.deadline == T0 + timedelta(hours=24)
    text = repr(status)
    for leak in ("99887766", "Someone", "Private circle", "lookalike", "elsewhere",
                 "reporter@example.org", "A Reporter", "my photo", "not shown", g3):
        assert leak not in text

    theirs = world.cases.status(other.case_number, other.secret)
    assert theirs.matches == 1 and theirs.by_place == {"channel": 1}
    assert theirs.awaiting_review == 1
    assert [n.state for n in theirs.notices] == ["received"]
    assert theirs.actions == {"removed": 1, "confirmed": 1, "under_review": 0, "dismissed": 0}
    assert "somechannel" not in repr(theirs) and g1 not in repr(theirs)


def test_wrong_secret_unknown_case_and_foreign_items(world: World) -> None:
    mine = world.cases.register([signals(4)[1]], minor=False, at=T0)
    other = world.cases.register([signals(5)[1]], minor=False, at=T0)
    for number, secret in ((mine.case_number, other.secret), ("VIC-2000-999999", mine.secret),
                           ("not a case", mine.secret), (mine.case_number, "")):
        with pytest.raises(CaseNotFound):
            world.cases.status(number, secret)
        with pytest.raises(CaseNotFound):
            world.cases.withdraw(number, secret)
        with pytest.raises(CaseNotFound):
            world.cases.close(number, secret)
    theirs = world.cases.status(other.case_number, other.secret).items[0].id
    assert world.cases.withdraw(mine.case_number, mine.secret, [theirs]) == 0
    assert world.cases.status(other.case_number, other.secret).active == 1


def test_minor_registration_files_an_escalated_notice(world: World) -> None:
    adult = world.cases.register([signals(6)[1]], minor=False, at=T0)
    minor = world.cases.register([signals(7)[1], signals(8)[1]], minor=True,
                                 contact="parent@example.org", at=T0)
    found = world.notices.list_notices(NoticeFilter(escalated=True), 10, 0)
    assert found.total == 1
    notice = found.items[0]
    assert notice.new.category is Category.CSAM and notice.new.deadline == notice.new.received_at
    assert notice.new.location_text == case_marker(minor.case_number)
    assert notice.new.contact_email is None and "parent@" not in notice.new.explanation
    for group in world.groups(minor.case_number):
        assert group in notice.new.explanation
    assert CHILD_BANK in notice.new.explanation

    status = world.cases.status(minor.case_number, minor.secret)
    assert status.minor and len(status.notices) == 1
    mine = status.notices[0]
    assert mine.from_case and mine.case_number == notice.case_number and mine.escalated
    assert (mine.category, mine.state) == ("csam", "received")
    assert world.cases.status(adult.case_number, adult.secret).notices == ()

    # A later sighting of the child-protection content shows on the case.
    (group, _) = world.groups(minor.case_number)
    world.scans.commit_batch(world.scan, [FindingRow(
        "minor-seen", "export", {}, GROUP, 5, "2026-03-05T00:00:00Z",
        ((CHILD_BANK, group),))], counters={}, progress={})
    world.bot_item(group, CHANNEL, 6)
    status = world.cases.status(minor.case_number, minor.secret)
    assert status.matches == 0 and status.awaiting_review == 2  # counted until confirmed
    assert status.actions["removed"] == 1 and status.actions["under_review"] == 1
    audit = [e for e in world.audit.list_audit(_audit_filter(), 50, 0).items
             if e.entry.details.get("case") == minor.case_number]
    assert audit and audit[0].entry.details["source"] == "victim-portal"


def _audit_filter() -> Any:
    from rempart.store.audit import AuditFilter
    return AuditFilter(action="notice.submit")


def _exported(store: SqlBankStore, bank: str) -> str:
    out = io.StringIO()
    export_entries(store, bank, out, "jsonl")
    return out.getvalue()


def test_withdraw_and_close_reach_exports_and_another_process(world: World,
                                                              db_url: str) -> None:
    (d1, s1), (d2, s2) = signals(9), signals(10)
    case = world.cases.register([s1, s2], minor=False, at=T0)
    elsewhere = open_store(db_url, migrate=False)  # another process: its own engine, matcher
    matcher = MatchService(elsewhere)
    matcher.load()
    assert {m.bank for m in matcher.match_bytes(d1).matches} == {VICTIM_BANK}
    assert s1.sha256 in _exported(world.store, VICTIM_BANK)

    first = world.cases.status(case.case_number, case.secret).items[0].id
    assert world.cases.withdraw(case.case_number, case.secret, [first], at=T0) == 1
    assert world.cases.withdraw(case.case_number, case.secret, [first], at=T0) == 0
    status = world.cases.status(case.case_number, case.secret)
    assert (status.registered, status.active) == (2, 1)
    assert status.items[0].withdrawn_at == T0 and status.items[1].withdrawn_at is None
    exported = _exported(world.store, VICTIM_BANK)
    assert s1.sha256 not in exported and s2.sha256 in exported
    tombstones = io.StringIO()
    export_entries(world.store, VICTIM_BANK, tombstones, "jsonl", include_removed=True)
    assert "consent withdrawn" in tombstones.getvalue()
    matcher.refresh()
    assert matcher.match_bytes(d1).matches == ()
    assert {m.bank for m in matcher.match_bytes(d2).matches} == {VICTIM_BANK}

    later = T0 + timedelta(days=1)
    closed = world.cases.close(case.case_number, case.secret, at=later)
    assert closed.status == "closed" and closed.closed_at == later and closed.active == 0
    assert closed.items[1].withdrawn_at == later
    assert _exported(world.store, VICTIM_BANK) == ""
    matcher.refresh()
    assert matcher.match_bytes(d2).matches == ()
    # Closing again changes nothing; the page stays readable.
    again = world.cases.close(case.case_number, case.secret)
    assert again.closed_at == later and again.registered == 2
    elsewhere.close()


def test_flood_guard_holds_a_registered_entry(world: World) -> None:
    data, s = signals(11)
    world.cases.register([s], minor=False, at=T0)
    matcher = MatchService(world.store, flood=FloodRule(3, timedelta(hours=1)))
    matcher.load()
    with Image.open(io.BytesIO(data)) as im:
        rgb = im.convert("RGB")
        actions = []
        for quality in (30, 45, 60, 75, 90):  # five distinct uploads of the same picture
            buf = io.BytesIO()
            rgb.save(buf, "JPEG", quality=quality)
            found = matcher.match_bytes(buf.getvalue()).matches
            actions.append(found[0].action if found else None)
    held = list(world.store.iter_entries(statuses=(EntryStatus.ON_HOLD,)))
    assert held and {e.provenance.source for e in held} == {"victim-portal"}
    assert actions[0] == "review"


def test_allowlist_suppresses_a_registered_entry(world: World) -> None:
    data, s = signals(12)
    world.cases.register([s], minor=False, at=T0)
    matcher = MatchService(world.store)
    matcher.load()
    assert {m.bank for m in matcher.match_bytes(data).matches} == {VICTIM_BANK}
    # A registration of a widely shared picture (a meme, a logo): the allowlist wins.
    create_bank(world.store, "common", BankKind.ALLOWLIST)
    assert s.pdq is not None
    add_signal(world.store, "common", "pdq", s.pdq)
    matcher.refresh()
    report = matcher.match_bytes(data)
    assert report.matches == () and report.suppressed == 1
    assert report.allowlisted[0].bank == "common"
