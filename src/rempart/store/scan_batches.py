"""The batches of distributed scans on SQL: planned once, marked sent and touched by the
coordinator and the tasks, done in the same transaction as their findings.

:class:`ScanBatches` is a base of :class:`~rempart.store.scans.SqlScanStore`: a batch's findings
and its ``done`` mark go in one transaction, and the scan row's lock (PostgreSQL) makes the
batches of a scan store their findings one after the other, each under consecutive seqs that
:meth:`complete_batched_scan` renumbers in item order at the end.

Example::

    scans.plan_batches(scan.id, [NewScanBatch("/exports/a", 0, 0, 500)], progress)
    scans.commit_scan_batch(batch.id, rows, items=500, counters={...}, error=None)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Row, insert, select, update

from rempart.store.engine import SqlStore
from rempart.store.rows import utc, utc_now
from rempart.store.scan_interface import (
    FindingRow,
    NewScanBatch,
    ScanBatch,
    ScanRecord,
    UnknownScan,
)
from rempart.store.scan_models import scan_batches, scan_findings, scans

_ORDER = (scan_batches.c.input_index, scan_batches.c.start)


class ScanBatches(SqlStore):
    """ScanBatchStore over SQL (see the module docstring)."""

    def _add_findings(self, conn: Connection, scan_id: str,
                      findings: Sequence[FindingRow]) -> tuple[int, int]:
        raise NotImplementedError  # SqlScanStore's

    def _get(self, conn: Connection, scan_id: str) -> ScanRecord:
        raise NotImplementedError  # SqlScanStore's

    def plan_batches(self, scan_id: str, batches: Sequence[NewScanBatch],
                     progress: Mapping[str, Mapping[str, Any]]) -> list[ScanBatch]:
        """Store the scan's batches (unless it has some) and its progress, in one transaction."""
        with self._write() as conn:
            locked = conn.execute(update(scans).where(scans.c.id == scan_id).values(
                progress={k: dict(v) for k, v in progress.items()}, updated_at=utc_now()))
            if locked.rowcount != 1:
                raise UnknownScan(scan_id)
            planned = conn.execute(select(scan_batches.c.id).where(
                scan_batches.c.scan_id == scan_id).limit(1)).first()
            if planned is None and batches:
                conn.execute(insert(scan_batches), [
                    {"scan_id": scan_id, "input": b.input, "input_index": b.input_index,
                     "start": b.start, "stop": b.stop, "done": False, "attempts": 0,
                     "items": 0, "counters": {}} for b in batches])
            return self._batches(conn, scan_id)

    def list_batches(self, scan_id: str) -> list[ScanBatch]:
        """The scan's batches in input and item order."""
        with self._read() as conn:
            return self._batches(conn, scan_id)

    def get_batch(self, batch_id: int) -> ScanBatch | None:
        """The batch with this id, or ``None``."""
        row = self._row(scan_batches, scan_batches.c.id == batch_id)
        return None if row is None else _batch(row)

    def mark_sent(self, batch_ids: Sequence[int]) -> None:
        """Record that a task was sent for each of these batches, now."""
        if not batch_ids:
            return
        with self._write() as conn:
            conn.execute(update(scan_batches).where(scan_batches.c.id.in_(list(batch_ids)))
                         .values(sent_at=utc_now()))

    def touch_batch(self, batch_id: int, *, start: bool = False) -> bool:
        """A sign of life of the task running the batch; False when it is done already."""
        values: dict[str, Any] = {"touched_at": utc_now()}
        if start:
            values["attempts"] = scan_batches.c.attempts + 1
        with self._write() as conn:
            return conn.execute(update(scan_batches).where(
                scan_batches.c.id == batch_id, scan_batches.c.done.is_(False))
                .values(**values)).rowcount == 1

    def commit_scan_batch(self, batch_id: int, findings: Sequence[FindingRow], *, items: int,
                          counters: Mapping[str, int], error: str | None) -> bool:
        """Add the batch's new findings and mark it done, in one transaction (False: it was
        done already, nothing written)."""
        with self._write() as conn:
            # The batch row's lock first: a second run of the batch waits here, then finds it
            # done. Then the scan row's: the scan's batches number their findings in turn.
            marked = conn.execute(update(scan_batches).where(
                scan_batches.c.id == batch_id, scan_batches.c.done.is_(False)).values(
                done=True, items=items, counters=dict(counters), error=error,
                touched_at=utc_now()))
            if marked.rowcount != 1:
                return False
            scan_id = conn.execute(select(scan_batches.c.scan_id).where(
                scan_batches.c.id == batch_id)).scalar_one()
            conn.execute(update(scans).where(scans.c.id == scan_id).values(updated_at=utc_now()))
            first, count = self._add_findings(conn, scan_id, findings)
            if count:
                conn.execute(update(scan_batches).where(scan_batches.c.id == batch_id).values(
                    seq_from=first, seq_to=first + count - 1))
            return True

    def complete_batched_scan(self, scan_id: str, *, counters: Mapping[str, int],
                              progress: Mapping[str, Mapping[str, Any]]) -> ScanRecord:
        """Renumber the findings in item order and mark the scan completed, in one transaction
        (a scan completed already is left as it is)."""
        now = utc_now()
        with self._write() as conn:
            done = conn.execute(update(scans).where(
                scans.c.id == scan_id, scans.c.status != "completed").values(
                status="completed", counters=dict(counters), updated_at=now, finished_at=now,
                progress={k: dict(v) for k, v in progress.items()}))
            if done.rowcount == 1:
                self._renumber(conn, scan_id)
            return self._get(conn, scan_id)

    def _renumber(self, conn: Connection, scan_id: str) -> None:
        b, f = scan_batches, scan_findings
        ranges = conn.execute(select(b.c.id, b.c.seq_from, b.c.seq_to).where(
            b.c.scan_id == scan_id, b.c.seq_from.is_not(None)).order_by(*_ORDER)).all()
        base = 0
        # Negated first: the stored seqs are positive, so each range is moved exactly once.
        for batch_id, lo, hi in ranges:
            shift = base - lo + 1
            conn.execute(update(f).where(f.c.scan_id == scan_id, f.c.seq.between(lo, hi))
                         .values(seq=-(f.c.seq + shift)))
            conn.execute(update(b).where(b.c.id == batch_id).values(
                seq_from=lo + shift, seq_to=hi + shift))
            base += hi - lo + 1
        conn.execute(update(f).where(f.c.scan_id == scan_id, f.c.seq < 0).values(seq=-f.c.seq))

    def _batches(self, conn: Connection, scan_id: str) -> list[ScanBatch]:
        rows = conn.execute(select(scan_batches).where(scan_batches.c.scan_id == scan_id)
                            .order_by(*_ORDER)).all()
        return [_batch(r) for r in rows]


def _batch(row: Row[Any]) -> ScanBatch:
    m = row._mapping
    return ScanBatch(
        id=m["id"], scan_id=m["scan_id"], input=m["input"], input_index=m["input_index"],
        start=m["start"], stop=m["stop"], done=bool(m["done"]), sent_at=utc(m["sent_at"]),
        touched_at=utc(m["touched_at"]), attempts=m["attempts"], items=m["items"],
        counters={str(k): int(v) for k, v in (m["counters"] or {}).items()}, error=m["error"])
