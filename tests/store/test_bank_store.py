"""Contract suite of the bank store: every test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from rempart.core.banks import (
    BankKind,
    BankPolicy,
    EntryStatus,
    EntryTrust,
    NewBank,
    NewEntry,
    Provenance,
    lookup_key,
)
from rempart.core.flood import FloodRule, Hit
from rempart.store import open_store
from rempart.store.interface import BankNameTaken, BankStore, ChangeFeed, HitLog, UnknownBankId
from rempart.store.sql import SqlBankStore

PDQ = "f" * 63 + "0"


@pytest.fixture
def store(db_url: str) -> Iterator[SqlBankStore]:
    s = open_store(db_url)
    yield s
    s.close()


def _entries(n: int, group: str = "g", signal_type: str = "md5") -> list[NewEntry]:
    return [NewEntry(signal_type, f"{i:032x}", f"{group}{i}") for i in range(n)]


def test_implements_the_protocols(store: SqlBankStore) -> None:
    _bs: BankStore = store
    _cf: ChangeFeed = store
    _hl: HitLog = store


def test_create_bank_defaults_and_policy_by_kind(store: SqlBankStore) -> None:
    victim = store.create_bank(NewBank("victims", BankKind.VICTIM, description="portal"))
    partner = store.create_bank(NewBank("partner", BankKind.PARTNER, pdq_threshold=20))
    custom = store.create_bank(NewBank("v2", BankKind.VICTIM, policy=BankPolicy.BLOCK))
    assert victim.policy is BankPolicy.REVIEW
    assert partner.policy is BankPolicy.BLOCK and partner.pdq_threshold == 20
    assert custom.policy is BankPolicy.BLOCK
    assert victim.vpdq_threshold == 31 and victim.vpdq_query_match_percent == 80.0
    assert victim.enabled and victim.description == "portal"
    assert victim.created_at.tzinfo is not None
    assert store.get_bank("victims") == victim
    assert store.get_bank_by_id(partner.id) == partner
    assert [b.name for b in store.list_banks()] == ["partner", "v2", "victims"]
    assert store.get_bank("nope") is None


def test_bank_names_are_unique(store: SqlBankStore) -> None:
    store.create_bank(NewBank("a"))
    with pytest.raises(BankNameTaken):
        store.create_bank(NewBank("a", BankKind.PARTNER))


def test_update_bank(store: SqlBankStore) -> None:
    bank = store.create_bank(NewBank("a"))
    changed = store.update_bank(dataclasses.replace(bank, enabled=False, pdq_threshold=10))
    assert not changed.enabled and changed.pdq_threshold == 10 and changed.seq > bank.seq
    assert store.get_bank("a") == changed


def test_add_and_read_entries_with_provenance(store: SqlBankStore) -> None:
    bank = store.create_bank(NewBank("a"))
    when = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    prov = Provenance("portal", when, "ext-1", "case-7", ("ncii", "minor"), {"variant": "rot90"})
    vpdq = '["' + PDQ + ',100,0.000"]'
    ids = store.add_entries(
        bank.id,
        [NewEntry("pdq", PDQ, "g1", 90, prov), NewEntry("vpdq", vpdq, "g1"),
         NewEntry("orb", "QUJD" * 5000, "g1")],
    )
    assert len(ids) == 3 and ids == sorted(ids)
    entry = store.get_entry(ids[0])
    assert entry is not None
    assert (entry.signal_type, entry.value, entry.quality) == ("pdq", PDQ, 90)
    assert entry.provenance == prov and entry.status is EntryStatus.ACTIVE
    assert entry.tombstone is None and entry.bank_id == bank.id
    orb = store.get_entry(ids[2])
    assert orb is not None and len(orb.value) == 20000
    assert [e.id for e in store.entries_in_group("g1")] == ids
    assert store.count_entries(bank.id)[EntryStatus.ACTIVE] == 3


def test_add_entries_to_unknown_bank(store: SqlBankStore) -> None:
    with pytest.raises(UnknownBankId):
        store.add_entries(999, _entries(1))


def test_find_entries_exact(store: SqlBankStore) -> None:
    a = store.create_bank(NewBank("a"))
    b = store.create_bank(NewBank("b"))
    store.add_entries(a.id, _entries(3))
    store.add_entries(b.id, _entries(1))
    found = store.find_entries("md5", f"{0:032x}")
    assert sorted(e.bank_id for e in found) == [a.id, b.id]
    assert store.find_entries("sha256", f"{0:032x}") == []
    long_value = "QUJD" * 100
    store.add_entries(a.id, [NewEntry("orb", long_value, "x")])
    assert len(lookup_key(long_value)) == 64
    assert [e.value for e in store.find_entries("orb", long_value)] == [long_value]


def test_remove_entries_leaves_tombstones(store: SqlBankStore) -> None:
    bank = store.create_bank(NewBank("a"))
    ids = store.add_entries(bank.id, _entries(3))
    assert store.remove_entries([ids[0], ids[1]], reason="victim withdrew") == 2
    assert store.remove_entries([ids[0]]) == 0  # already removed
    gone = store.get_entry(ids[0])
    assert gone is not None and gone.status is EntryStatus.REMOVED
    assert gone.tombstone is not None and gone.tombstone.reason == "victim withdrew"
    assert [e.id for e in store.iter_entries(bank.id)] == [ids[2]]
    every = list(store.iter_entries(bank.id, statuses=tuple(EntryStatus)))
    assert [e.id for e in every] == ids
    assert store.find_entries("md5", gone.value) == []
    counts = store.count_entries(bank.id)
    assert counts[EntryStatus.REMOVED] == 2 and counts[EntryStatus.ACTIVE] == 1


def test_set_entry_status(store: SqlBankStore) -> None:
    bank = store.create_bank(NewBank("a"))
    ids = store.add_entries(bank.id, _entries(2))
    assert store.set_entry_status(ids, EntryStatus.ON_HOLD) == 2
    assert store.set_entry_status(ids, EntryStatus.ON_HOLD) == 0
    store.remove_entries([ids[1]])
    assert store.set_entry_status(ids, EntryStatus.ACTIVE) == 1  # tombstones stay removed
    with pytest.raises(ValueError):
        store.set_entry_status(ids, EntryStatus.REMOVED)


def test_iter_entries_pages(store: SqlBankStore) -> None:
    bank = store.create_bank(NewBank("a"))
    ids = store.add_entries(bank.id, _entries(25))
    assert [e.id for e in store.iter_entries(bank.id, batch_size=7)] == ids
    assert [e.id for e in store.iter_entries(None, batch_size=25)] == ids


def test_delete_bank_tombstones_entries_and_frees_name(store: SqlBankStore) -> None:
    bank = store.create_bank(NewBank("a"))
    ids = store.add_entries(bank.id, _entries(3))
    store.remove_entries([ids[0]])
    assert store.delete_bank(bank.id, reason="bank deleted") == 2
    assert store.get_bank("a") is None
    deleted = store.get_bank_by_id(bank.id)
    assert deleted is not None and deleted.deleted_at is not None and not deleted.enabled
    assert store.list_banks() == [] and len(store.list_banks(include_deleted=True)) == 1
    entry = store.get_entry(ids[2])
    assert entry is not None and entry.tombstone is not None
    assert entry.tombstone.reason == "bank deleted"
    again = store.create_bank(NewBank("a"))
    assert again.id != bank.id
    with pytest.raises(UnknownBankId):
        store.delete_bank(bank.id)


def test_change_feed_sees_every_change_in_order(store: SqlBankStore) -> None:
    start = store.current_seq()
    bank = store.create_bank(NewBank("a"))
    ids = store.add_entries(bank.id, _entries(5))
    store.remove_entries([ids[0]])
    store.set_entry_status([ids[1]], EntryStatus.ON_HOLD)
    store.update_bank(dataclasses.replace(bank, enabled=False))

    changes, seq = store.changes_since(start)
    assert seq == store.current_seq()
    assert [c.seq for c in changes] == sorted(c.seq for c in changes)
    assert changes[-1].entry is None and not changes[-1].bank.enabled
    latest = {c.entry.id: c.entry.status for c in changes if c.entry is not None}
    assert latest == {ids[0]: EntryStatus.REMOVED, ids[1]: EntryStatus.ON_HOLD,
                      ids[2]: EntryStatus.ACTIVE, ids[3]: EntryStatus.ACTIVE,
                      ids[4]: EntryStatus.ACTIVE}
    assert store.changes_since(seq) == ([], seq)
    # The light form: the same window, the same latest states, the bank's current state.
    light, banks, light_seq = store.signal_changes_since(start)
    assert light_seq == seq and [b.id for b in banks] == [bank.id] and not banks[0].enabled
    assert {c.entry_id: c.status for c in light} == latest
    full = {c.entry.id: c.entry for c in changes if c.entry is not None}
    for c in light:
        e = full[c.entry_id]
        assert (c.seq, c.bank_id, c.signal_type, c.value) == (e.seq, e.bank_id, e.signal_type,
                                                             e.value)
    assert store.signal_changes_since(seq) == ([], [], seq)


def test_change_feed_pages_without_gaps(store: SqlBankStore) -> None:
    bank = store.create_bank(NewBank("a"))
    store.add_entries(bank.id, _entries(10))
    store.create_bank(NewBank("b"))
    seen: list[int] = []
    seq = 0
    while True:
        changes, seq = store.changes_since(seq, limit=3)
        if not changes:
            break
        assert len(changes) <= 3
        seen += [c.seq for c in changes]
    assert seen == list(range(1, store.current_seq() + 1))
    # The light form pages the same window: every seq once, none skipped.
    light: list[int] = []
    seq = 0
    while True:
        entries, banks, next_seq = store.signal_changes_since(seq, limit=3)
        if next_seq == seq:
            break
        light += [c.seq for c in entries] + [b.seq for b in banks if b.seq > seq]
        assert len(entries) <= 3 and all(seq < c.seq <= next_seq for c in entries)
        seq = next_seq
    assert sorted(light) == seen


def test_flood_guard_puts_entry_on_hold(store: SqlBankStore) -> None:
    bank = store.create_bank(NewBank("a"))
    ids = store.add_entries(bank.id, _entries(2))
    rule = FloodRule(max_distinct_uploads=3, window=timedelta(hours=1))
    now = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    old = now - timedelta(hours=2)
    assert store.record_hits([Hit(ids[0], "up1", old), Hit(ids[0], "up2", old)], rule, now) == []
    # The same upload twice counts once; hits outside the window do not count.
    hits = [Hit(ids[0], "up1", now), Hit(ids[0], "up1", now), Hit(ids[0], "up2", now),
            Hit(ids[1], "up1", now)]
    assert store.record_hits(hits, rule, now) == []
    seq = store.current_seq()
    assert store.record_hits([Hit(ids[0], "up3", now)], rule, now) == [ids[0]]
    held = store.get_entry(ids[0])
    assert held is not None and held.status is EntryStatus.ON_HOLD
    changes, _ = store.changes_since(seq)
    assert [c.entry.id for c in changes if c.entry] == [ids[0]]
    assert store.record_hits([Hit(ids[0], "up4", now)], rule, now) == []  # already held
    assert store.prune_hits(now - timedelta(hours=1)) == 2


def test_flood_guard_counts_places_and_senders_and_tells_moderators(
        store: SqlBankStore) -> None:
    from rempart.store.reviews import SqlReviewStore

    bank = store.create_bank(NewBank("victims", BankKind.VICTIM))
    ids = store.add_entries(bank.id, [
        NewEntry("md5", f"{i:032x}", f"g{i}", trust=t)
        for i, t in enumerate((EntryTrust.UNCONFIRMED, EntryTrust.CONFIRMED))])
    rule = FloodRule(max_distinct_places=3)
    now = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    # One file forwarded into three chats: the unconfirmed entry is held, the confirmed one
    # (a moderator looked at it) keeps acting.
    hits = [Hit(eid, "same-sha", now, place=f"telegram:{chat}", sender="user:1")
            for eid in ids for chat in (-1001, -1002, -1003)]
    assert store.record_hits(hits, rule, now) == [ids[0]]
    told = SqlReviewStore(store.engine).list("open", 10, 0).items
    assert [(i.new.kind, i.new.entry_id, i.new.evidence["places"]) for i in told] == [
        ("entry_hold", ids[0], 3)]


def test_entry_trust_is_stored_and_followed(store: SqlBankStore) -> None:
    bank = store.create_bank(NewBank("victims", BankKind.VICTIM))
    [eid] = store.add_entries(
        bank.id, [NewEntry("md5", "0" * 32, "g", trust=EntryTrust.UNCONFIRMED)])
    entry = store.get_entry(eid)
    assert entry is not None and entry.trust is EntryTrust.UNCONFIRMED
    seq = store.current_seq()
    assert store.set_entry_trust([eid], EntryTrust.CONFIRMED) == 1
    assert store.set_entry_trust([eid], EntryTrust.CONFIRMED) == 0  # already
    changes, _, _ = store.signal_changes_since(seq)
    assert [(c.entry_id, c.trust) for c in changes] == [(eid, EntryTrust.CONFIRMED)]
    [row] = list(store.iter_signals())
    assert row.trust is EntryTrust.CONFIRMED



def test_import_entries_skips_duplicates_and_applies_removals(store: SqlBankStore) -> None:
    bank = store.create_bank(NewBank("a"))
    other = store.create_bank(NewBank("b"))
    first = store.import_entries(bank.id, _entries(3))
    assert len(first.added) == 3 and first.duplicates == 0
    store.add_entries(other.id, _entries(1))
    again = store.import_entries(bank.id, _entries(4) + _entries(1))
    assert len(again.added) == 1 and again.duplicates == 4
    # A removal tombstones the live entry; a re-add of that value in the same file is new.
    value = f"{0:032x}"
    out = store.import_entries(
        bank.id, [NewEntry("md5", value, "new")], removals=[("md5", value)], reason="withdrawn"
    )
    assert out.removed == 1 and len(out.added) == 1
    assert [e.bank_id for e in store.find_entries("md5", value)] == [other.id, bank.id]
    assert store.count_entries(bank.id)[EntryStatus.REMOVED] == 1
    assert store.count_entries(other.id)[EntryStatus.ACTIVE] == 1


def test_import_entries_many_values(store: SqlBankStore) -> None:
    bank = store.create_bank(NewBank("a"))
    store.import_entries(bank.id, _entries(1200))
    out = store.import_entries(bank.id, _entries(1300))
    assert out.duplicates == 1200 and len(out.added) == 100


def test_bulk_insert_keeps_each_rows_json(store: SqlBankStore) -> None:
    bank = store.create_bank(NewBank("a"))
    metas: list[dict[str, object]] = [{"k": 1}, {"k": True}, {"k": 1.5}, {"k": [1, 2]}, {}]
    entries = [NewEntry("md5", f"{i:032x}", "g", provenance=Provenance(
        labels=("x",) * i, metadata=m)) for i, m in enumerate(metas)]
    ids = store.add_entries(bank.id, entries)
    got = [store.get_entry(i) for i in ids]
    assert [e.provenance.metadata for e in got if e] == metas
    assert [len(e.provenance.labels) for e in got if e] == [0, 1, 2, 3, 4]
    assert all(e is not None and isinstance(e.provenance.metadata["k"], bool) for e in got[1:2])


def test_iter_signals_for_index_loading(store: SqlBankStore) -> None:
    a = store.create_bank(NewBank("a"))
    b = store.create_bank(NewBank("b"))
    ids = store.add_entries(a.id, [*_entries(5), NewEntry("pdq", PDQ, "p")])
    gone = store.add_entries(b.id, _entries(2))
    store.remove_entries([ids[0]])
    store.delete_bank(b.id)
    rows = list(store.iter_signals(batch_size=2))
    assert [r.entry_id for r in rows] == ids[1:]
    assert all(r.bank_id == a.id and r.status is EntryStatus.ACTIVE for r in rows)
    (pdq,) = store.iter_signals(["pdq"])
    assert (pdq.signal_type, pdq.value) == ("pdq", PDQ)
    removed = list(store.iter_signals(statuses=[EntryStatus.REMOVED]))
    assert [r.entry_id for r in removed] == [ids[0]] and gone  # deleted bank left out
