"""The victim cases' store on SQLite and PostgreSQL: numbering, items and the cap, withdrawal,
closing, spent proof-of-work challenges."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from rempart.store.cases import CaseClosed, CaseFull, NewCaseItem, SqlCaseStore
from rempart.store.rows import utc_now
from rempart.store.sql import open_store


@pytest.fixture
def store(db_url: str) -> Iterator[SqlCaseStore]:
    s = SqlCaseStore(open_store(db_url).engine)
    yield s
    s.close()


def test_cases_items_withdraw_close(store: SqlCaseStore) -> None:
    at = utc_now()
    case = store.create_case("a" * 64, minor=False, contact=None, at=at)
    other = store.create_case("b" * 64, minor=True, contact="someone@example.org", at=at)
    assert case.case_number == f"VIC-{at.year}-{case.id:06d}"
    assert other.case_number != case.case_number and other.minor
    assert store.get_case(case.case_number) == case
    assert store.get_case("VIC-2000-999999") is None

    items = store.add_items(case.id, [NewCaseItem("g1", "victims", (1, 2, 3)),
                                      NewCaseItem("g2", "victims", (4,))], at, cap=3)
    assert [i.content_group for i in items] == ["g1", "g2"] and items[0].entry_ids == (1, 2, 3)
    with pytest.raises(CaseFull):
        store.add_items(case.id, [NewCaseItem("g3", "victims", (5,)),
                                  NewCaseItem("g4", "victims", (6,))], at, cap=3)
    found = store.get_case(case.case_number)
    assert found is not None and found.item_count == 2
    assert store.items(other.id) == []

    later = at + timedelta(minutes=1)
    gone = store.withdraw(case.id, [items[0].id, 12345], later)
    assert [i.id for i in gone] == [items[0].id] and gone[0].withdrawn_at == later
    assert store.withdraw(case.id, [items[0].id], later) == []  # already withdrawn
    assert [i.id for i in store.withdraw(case.id, None, later)] == [items[1].id]
    assert all(i.withdrawn_at is not None for i in store.items(case.id))

    closed = store.close_case(case.id, later)
    assert closed.status == "closed" and closed.closed_at == later
    assert store.close_case(case.id, later + timedelta(hours=1)).closed_at == later
    with pytest.raises(CaseClosed):
        store.add_items(case.id, [NewCaseItem("g5", "victims", (7,))], later, cap=50)
    assert store.get_case(other.case_number) is not None
    assert store.get_case(other.case_number).status == "open"  # type: ignore[union-attr]


def test_challenges_are_spent_once(store: SqlCaseStore) -> None:
    now = utc_now()
    assert store.spend_challenge("c1", now + timedelta(minutes=10), now)
    assert not store.spend_challenge("c1", now + timedelta(minutes=10), now)
    assert store.spend_challenge("c2", now + timedelta(minutes=1), now)
    # Once expired, spent challenges are purged (an expired challenge is refused anyway).
    assert store.spend_challenge("c2", now + timedelta(hours=1), now + timedelta(minutes=2))
