"""Scan store contract, on SQLite and PostgreSQL: scans, batches with their cursor, de-duplication,
ordered paging, content lookups, deletion."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from rempart.store.scan_interface import FindingRow, NewScan, UnknownScan
from rempart.store.scans import SqlScanStore, open_scan_store


@pytest.fixture
def scans(db_url: str) -> Iterator[SqlScanStore]:
    store = open_scan_store(db_url)
    try:
        yield store
    finally:
        store.close()


def row(n: int, *, chat: int | None = 100, groups: tuple[str, ...] = ()) -> FindingRow:
    finding = {"source": {"chat_id": chat, "message_id": n, "date_utc": f"2024-01-{n:02d}T00:00Z"},
               "media": None, "matches": [{"bank": "b", "content_group": g} for g in groups],
               "links": [], "text": None}
    return FindingRow(key=f"k{n}", input="/exports/a", finding=finding, chat_id=chat,
                      message_id=n, date_utc=f"2024-01-{n:02d}T00:00Z",
                      contents=tuple(("b", g) for g in groups))


def test_create_get_latest_and_list(scans: SqlScanStore) -> None:
    first = scans.create_scan(NewScan("f" * 64, ("/exports/a",), None, {"fps": 1.0}))
    second = scans.create_scan(NewScan("f" * 64, ("/exports/a",), ("victims",)))
    other = scans.create_scan(NewScan("e" * 64, ("/b",), None))
    assert first.status == "running" and first.counters == {} and first.progress == {}
    assert first.options == {"fps": 1.0} and first.banks is None
    assert scans.get_scan(first.id) == first
    assert scans.get_scan("nope") is None
    latest = scans.latest_scan("f" * 64)
    assert latest is not None and latest.id == second.id and latest.banks == ("victims",)
    assert scans.latest_scan("0" * 64) is None
    assert scans.list_scans()[0].id == other.id
    assert len(scans.list_scans(limit=2)) == 2


def test_batches_store_cursor_and_never_duplicate(scans: SqlScanStore) -> None:
    scan = scans.create_scan(NewScan("f" * 64, ("/exports/a",), None))
    progress = {"/exports/a": {"position": 3, "done": False}}
    assert scans.commit_batch(scan.id, [row(1), row(2), row(2), row(3)],
                              counters={"messages": 3}, progress=progress) == 3
    # A restart re-processes message 3 and goes on: 3 is not stored twice.
    assert scans.commit_batch(scan.id, [row(3), row(4)], counters={"messages": 4},
                              progress={"/exports/a": {"position": 4, "done": True}}) == 1
    assert scans.commit_batch(scan.id, [], counters={"messages": 5}, progress=progress) == 0
    got = scans.get_scan(scan.id)
    assert got is not None and got.counters == {"messages": 5}
    assert got.progress == {"/exports/a": {"position": 3, "done": False}}
    assert scans.finding_keys(scan.id) == ["k1", "k2", "k3", "k4"]
    assert scans.count_findings(scan.id) == 4
    assert [f["source"]["message_id"] for f in scans.iter_findings(scan.id, page=3)] == [1, 2, 3, 4]
    # Keys are per scan: another scan stores the same messages again.
    again = scans.create_scan(NewScan("f" * 64, ("/exports/a",), None))
    assert scans.commit_batch(again.id, [row(1)], counters={}, progress={}) == 1
    with pytest.raises(UnknownScan):
        scans.commit_batch("nope", [row(1)], counters={}, progress={})


def test_finish_and_delete(scans: SqlScanStore) -> None:
    scan = scans.create_scan(NewScan("f" * 64, ("/exports/a",), None))
    scans.commit_batch(scan.id, [row(1, groups=("g1",))], counters={}, progress={})
    interrupted = scans.finish_scan(scan.id, "interrupted")
    assert interrupted.status == "interrupted" and interrupted.finished_at is None
    done = scans.finish_scan(scan.id, "completed", counters={"messages": 9},
                             progress={"/exports/a": {"position": 9, "done": True}})
    assert done.status == "completed" and done.finished_at is not None
    assert done.counters == {"messages": 9} and done.progress["/exports/a"]["done"] is True
    with pytest.raises(UnknownScan):
        scans.finish_scan("nope", "failed")
    assert scans.delete_scan(scan.id) is True
    assert scans.delete_scan(scan.id) is False
    assert scans.get_scan(scan.id) is None and scans.count_findings(scan.id) == 0
    assert scans.sightings("g1") == []


def test_sightings_across_scans(scans: SqlScanStore) -> None:
    a = scans.create_scan(NewScan("a" * 64, ("/exports/a",), None))
    b = scans.create_scan(NewScan("b" * 64, ("/exports/b",), None))
    scans.commit_batch(a.id, [row(5, groups=("g1", "g2")), row(6)], counters={}, progress={})
    scans.commit_batch(b.id, [row(2, chat=None, groups=("g1",))], counters={}, progress={})
    seen = scans.sightings("g1")
    assert [(s.scan_id, s.message_id, s.chat_id) for s in seen] == [(b.id, 2, None),
                                                                    (a.id, 5, 100)]
    assert [s.bank for s in scans.sightings("g2")] == ["b"]
