"""The exchange store on SQLite and PostgreSQL: a page and its checkpoint commit together or
not at all; withdrawals by signal and by source id; one bank's changes; feed tokens."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from rempart.core.banks import EntryStatus, NewBank, NewEntry, Provenance
from rempart.store.exchanges import SqlExchangeStore
from rempart.store.sql import open_store

PDQ = ["%064x" % (0x4567 * (i + 1)) for i in range(4)]


@pytest.fixture
def store(db_url: str) -> Iterator[SqlExchangeStore]:
    bank_store = open_store(db_url)
    yield SqlExchangeStore(bank_store.engine)
    bank_store.close()


def _entry(value: str, source_id: str, kind: str = "pdq") -> NewEntry:
    return NewEntry(kind, value, source_id, None, Provenance(source="x", external_id=source_id))


def test_a_page_and_its_checkpoint_commit_together(store: SqlExchangeStore) -> None:
    bank = store.create_bank(NewBank("b"))
    exchange = store.create_exchange("x", "stopncii", bank.id, None)
    out = store.apply_page(exchange.id, bank.id, [_entry(PDQ[0], "s0"), _entry(PDQ[1], "s1")],
                           [], {"update_time": 5})
    assert len(out.added) == 2

    def power_cut(*args: Any) -> list[int]:  # after the tombstone, inside the transaction
        raise RuntimeError("power cut")

    store._insert = power_cut  # type: ignore[method-assign,assignment]
    with pytest.raises(RuntimeError):
        store.apply_page(exchange.id, bank.id, [_entry(PDQ[2], "s2")],
                         [("pdq", PDQ[0])], {"update_time": 9})
    found = store.get_exchange("x")
    assert found is not None and found.checkpoint == {"update_time": 5} and found.added == 2
    live = {e.value for e in store.iter_entries(bank.id, {EntryStatus.ACTIVE})}
    assert live == {PDQ[0], PDQ[1]}  # neither the tombstone nor the insert of the failed page


def test_withdrawals_by_signal_and_by_source_id(store: SqlExchangeStore) -> None:
    bank = store.create_bank(NewBank("b"))
    other = store.create_bank(NewBank("other"))
    exchange = store.create_exchange("x", "ncmec", bank.id, None)
    store.add_entries(other.id, [_entry(PDQ[1], "s1")])  # same source id, another bank
    store.apply_page(exchange.id, bank.id, [_entry(PDQ[i], f"s{i}") for i in range(3)], [], {})
    out = store.apply_page(exchange.id, bank.id, [], [("pdq", PDQ[0])], {"n": 1},
                           removed_sources=["s1", "nowhere"])
    assert out.removed == 2
    assert {e.value for e in store.iter_entries(bank.id, {EntryStatus.ACTIVE})} == {PDQ[2]}
    assert len(list(store.iter_entries(other.id, {EntryStatus.ACTIVE}))) == 1
    found = store.get_exchange("x")
    assert found is not None and (found.added, found.withdrawn) == (3, 2)


def test_bank_changes_and_feed_tokens(store: SqlExchangeStore) -> None:
    a, b = store.create_bank(NewBank("a")), store.create_bank(NewBank("b"))
    store.add_entries(a.id, [_entry(PDQ[0], "s0")])
    store.add_entries(b.id, [_entry(PDQ[1], "s1")])
    (ea,) = store.iter_entries(a.id, {EntryStatus.ACTIVE})
    store.remove_entries([ea.id], "gone")
    changes = store.bank_changes(a.id, 0, 10)
    assert [(c.value, c.status) for c in changes] == [(PDQ[0], EntryStatus.REMOVED)]
    assert store.bank_changes(a.id, changes[-1].seq, 10) == []
    token_id, secret = store.create_feed_token("bots", a.id)
    assert store.find_feed_token(secret) == a.id and store.find_feed_token("nope") is None
    assert [t["bank"] for t in store.list_feed_tokens()] == ["a"]
    assert store.revoke_feed_token(token_id) and not store.revoke_feed_token(token_id)
    assert store.find_feed_token(secret) is None
