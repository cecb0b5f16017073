"""Batches of distributed scans, on SQLite and PostgreSQL: planned once, done once with their
findings, findings renumbered in item order when the scan completes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from rempart.store.scan_interface import FindingRow, NewScan, NewScanBatch
from rempart.store.scans import SqlScanStore, open_scan_store


@pytest.fixture
def scans(db_url: str) -> Iterator[SqlScanStore]:
    store = open_scan_store(db_url)
    try:
        yield store
    finally:
        store.close()


def row(n: int) -> FindingRow:
    return FindingRow(key=f"k{n}", input="/e", finding={"n": n}, chat_id=1, message_id=n,
                      contents=(("b", "g"),) if n % 2 else ())


def test_batches_done_once_and_findings_in_item_order(scans: SqlScanStore) -> None:
    scan = scans.create_scan(NewScan("f" * 64, ("/e", "/g"), None))
    planned = scans.plan_batches(scan.id, [
        NewScanBatch("/e", 0, 0, 3), NewScanBatch("/e", 0, 3, 6), NewScanBatch("/e", 0, 6, None),
        NewScanBatch("/g", 1, 0, None)], {"/e": {"total": 7}})
    again = scans.plan_batches(scan.id, [NewScanBatch("/e", 0, 0, None)], {"/e": {"total": 7}})
    assert [b.id for b in again] == [b.id for b in planned] and len(planned) == 4
    first, second, third, empty = planned
    scans.mark_sent([first.id, second.id])
    assert scans.touch_batch(third.id, start=True)
    # Done last to first, one of them twice: stored once, the second time says so.
    assert scans.commit_scan_batch(third.id, [row(7), row(8)], items=1,
                                   counters={"items": 1}, error="broken")
    assert scans.commit_scan_batch(second.id, [row(4)], items=3, counters={"items": 3},
                                   error=None)
    assert not scans.commit_scan_batch(second.id, [row(4), row(5)], items=3,
                                       counters={"items": 3}, error=None)
    assert not scans.touch_batch(second.id)
    assert scans.commit_scan_batch(first.id, [row(1), row(2), row(1)], items=3,
                                   counters={"items": 3}, error=None)
    assert scans.commit_scan_batch(empty.id, [], items=0, counters={}, error=None)
    batches = scans.list_batches(scan.id)
    assert [(b.done, b.items, b.error) for b in batches] == [
        (True, 3, None), (True, 3, None), (True, 1, "broken"), (True, 0, None)]
    assert batches[0].sent_at is not None and batches[2].attempts == 1
    done = scans.complete_batched_scan(scan.id, counters={"items": 7}, progress={})
    assert done.status == "completed" and done.counters == {"items": 7}
    assert [f["n"] for f in scans.iter_findings(scan.id)] == [1, 2, 4, 7, 8]
    assert scans.finding_keys(scan.id) == ["k1", "k2", "k4", "k7", "k8"]
    scans.complete_batched_scan(scan.id, counters={"items": 7}, progress={})  # no-op
    assert [f["n"] for f in scans.iter_findings(scan.id, page=2)] == [1, 2, 4, 7, 8]
    assert sorted(s.message_id or 0 for s in scans.sightings("g")) == [1, 7]
