"""The SQLAlchemy scan store: scans, their progress cursor and findings, on SQLite or PostgreSQL.

A batch of findings and the cursor saying how far the scan got are written in one transaction:
a scan killed at any moment loses at most the batch it had not committed, and a finding's key
(its input, chat, message and media) is unique within a scan, so processing a message again
never stores it twice.

Example::

    scans = SqlScanStore(make_engine("sqlite:///rempart.sqlite3"))  # after migrate()
    scan = scans.create_scan(NewScan("f" * 64, ("/exports/a",), None))
    scans.commit_batch(scan.id, rows, counters={"messages": 10}, progress={...})
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Row, delete, func, insert, select, update

from rempart.store.engine import SqlStore, make_engine, migrate_engine
from rempart.store.rows import utc, utc_now
from rempart.store.scan_batches import ScanBatches
from rempart.store.scan_interface import (
    ContentSighting,
    FindingRow,
    NewScan,
    ScanRecord,
    ScanStatus,
    UnknownScan,
)
from rempart.store.scan_models import scan_finding_contents, scan_findings, scans

_CHUNK = 500  # keys per IN (...) list


def open_scan_store(url: str, migrate: bool = True) -> SqlScanStore:
    """A scan store on ``url``, migrated first unless ``migrate`` is False."""
    engine = make_engine(url)
    if migrate:
        migrate_engine(engine)
    return SqlScanStore(engine)


class SqlScanStore(ScanBatches, SqlStore):
    """ScanStore (and ScanBatchStore) over one SQLAlchemy engine (share the bank store's:
    ``SqlScanStore(s.engine)``)."""


    # --- scans ---------------------------------------------------------------------------

    def create_scan(self, new: NewScan) -> ScanRecord:
        """Store a new running scan with empty counters and progress."""
        now = utc_now()
        scan_id = str(uuid.uuid4())
        with self._write() as conn:
            conn.execute(insert(scans).values(
                id=scan_id, created_at=now, updated_at=now, finished_at=None,
                fingerprint=new.fingerprint, inputs=list(new.inputs),
                banks=None if new.banks is None else list(new.banks), options=new.options,
                status="running", counters={}, progress={},
            ))
            return self._get(conn, scan_id)

    def get_scan(self, scan_id: str) -> ScanRecord | None:
        """The scan with this id, or ``None``."""
        row = self._row(scans, scans.c.id == scan_id)
        return None if row is None else _scan(row)

    def latest_scan(self, fingerprint: str) -> ScanRecord | None:
        """The most recent scan started with these arguments, or ``None``."""
        with self._read() as conn:
            row = conn.execute(
                select(scans).where(scans.c.fingerprint == fingerprint)
                .order_by(scans.c.created_at.desc(), scans.c.id.desc()).limit(1)
            ).first()
        return None if row is None else _scan(row)

    def list_scans(self, limit: int = 100) -> list[ScanRecord]:
        """The most recent scans, newest first."""
        with self._read() as conn:
            rows = conn.execute(
                select(scans).order_by(scans.c.created_at.desc(), scans.c.id.desc()).limit(limit)
            ).all()
        return [_scan(r) for r in rows]

    def finish_scan(
        self,
        scan_id: str,
        status: ScanStatus,
        *,
        counters: Mapping[str, int] | None = None,
        progress: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> ScanRecord:
        """Set the scan's status (and counters/progress when given). UnknownScan."""
        now = utc_now()
        values: dict[str, Any] = {"status": status, "updated_at": now}
        if status in ("completed", "failed"):
            values["finished_at"] = now
        if counters is not None:
            values["counters"] = dict(counters)
        if progress is not None:
            values["progress"] = {k: dict(v) for k, v in progress.items()}
        with self._write() as conn:
            done = conn.execute(update(scans).where(scans.c.id == scan_id).values(**values))
            if done.rowcount != 1:
                raise UnknownScan(scan_id)
            return self._get(conn, scan_id)

    def delete_scan(self, scan_id: str) -> bool:
        """Delete a scan and its findings; False when there was none."""
        with self._write() as conn:
            ids = select(scan_findings.c.id).where(scan_findings.c.scan_id == scan_id)
            conn.execute(delete(scan_finding_contents)
                         .where(scan_finding_contents.c.finding_id.in_(ids)))
            conn.execute(delete(scan_findings).where(scan_findings.c.scan_id == scan_id))
            return conn.execute(delete(scans).where(scans.c.id == scan_id)).rowcount == 1

    # --- findings ------------------------------------------------------------------------

    def commit_batch(
        self,
        scan_id: str,
        findings: Sequence[FindingRow],
        *,
        counters: Mapping[str, int],
        progress: Mapping[str, Mapping[str, Any]],
    ) -> int:
        """In one transaction: add new findings, set counters and progress; how many were new."""
        with self._write() as conn:
            # Locks the scan row first (PostgreSQL), so two writers of a scan take turns.
            done = conn.execute(
                update(scans).where(scans.c.id == scan_id).values(
                    counters=dict(counters), progress={k: dict(v) for k, v in progress.items()},
                    updated_at=utc_now())
            )
            if done.rowcount != 1:
                raise UnknownScan(scan_id)
            return self._add_findings(conn, scan_id, findings)[1]

    def _add_findings(self, conn: Connection, scan_id: str,
                      findings: Sequence[FindingRow]) -> tuple[int, int]:
        """Store the findings whose keys are new, numbered after the scan's last (the caller
        holds the scan row's lock); (the first one's seq, how many)."""
        fresh = self._fresh(conn, scan_id, findings)
        if not fresh:
            return 0, 0
        last = conn.execute(
            select(func.coalesce(func.max(scan_findings.c.seq), 0))
            .where(scan_findings.c.scan_id == scan_id)
        ).scalar_one()
        conn.execute(insert(scan_findings), [
            {"scan_id": scan_id, "seq": last + n, "key": f.key, "input": f.input,
             "chat_id": f.chat_id, "message_id": f.message_id, "date_utc": f.date_utc,
             "finding": dict(f.finding)}
            for n, f in enumerate(fresh, 1)
        ])
        with_contents = [f for f in fresh if f.contents]
        if with_contents:
            ids = self._ids(conn, scan_id, [f.key for f in with_contents])
            conn.execute(insert(scan_finding_contents), [
                {"finding_id": ids[f.key], "scan_id": scan_id, "bank": bank,
                 "content_group": group}
                for f in with_contents for bank, group in dict.fromkeys(f.contents)
            ])
        return last + 1, len(fresh)

    def _fresh(self, conn: Connection, scan_id: str,
               findings: Sequence[FindingRow]) -> list[FindingRow]:
        unique: dict[str, FindingRow] = {}
        for f in findings:
            unique.setdefault(f.key, f)  # the first of a key repeated within the batch
        stored: set[str] = set()
        keys = list(unique)
        for i in range(0, len(keys), _CHUNK):
            stored.update(conn.execute(
                select(scan_findings.c.key).where(
                    scan_findings.c.scan_id == scan_id,
                    scan_findings.c.key.in_(keys[i:i + _CHUNK]))
            ).scalars())
        return [f for key, f in unique.items() if key not in stored]

    def _ids(self, conn: Connection, scan_id: str, keys: list[str]) -> dict[str, int]:
        out: dict[str, int] = {}
        for i in range(0, len(keys), _CHUNK):
            rows = conn.execute(
                select(scan_findings.c.key, scan_findings.c.id).where(
                    scan_findings.c.scan_id == scan_id,
                    scan_findings.c.key.in_(keys[i:i + _CHUNK]))
            ).all()
            out.update({r.key: r.id for r in rows})
        return out

    def count_findings(self, scan_id: str) -> int:
        """How many findings the scan stored."""
        with self._read() as conn:
            return int(conn.execute(
                select(func.count()).select_from(scan_findings)
                .where(scan_findings.c.scan_id == scan_id)
            ).scalar_one())

    def iter_findings(self, scan_id: str, *, page: int = 1000) -> Iterator[dict[str, Any]]:
        """The scan's findings in stored order, read a page at a time (keyset paging)."""
        after = 0
        while True:
            with self._read() as conn:
                rows = conn.execute(
                    select(scan_findings.c.seq, scan_findings.c.finding)
                    .where(scan_findings.c.scan_id == scan_id, scan_findings.c.seq > after)
                    .order_by(scan_findings.c.seq).limit(page)
                ).all()
            for row in rows:
                yield dict(row.finding)
            if len(rows) < page:
                return
            after = rows[-1].seq

    def finding_keys(self, scan_id: str) -> list[str]:
        """The keys of the scan's findings, in stored order."""
        with self._read() as conn:
            return list(conn.execute(
                select(scan_findings.c.key).where(scan_findings.c.scan_id == scan_id)
                .order_by(scan_findings.c.seq)
            ).scalars())

    def sightings(self, content_group: str, *, limit: int = 1000) -> list[ContentSighting]:
        """Where any scan found this banked content, oldest message first (undated last)."""
        f, c = scan_findings, scan_finding_contents
        with self._read() as conn:
            rows = conn.execute(
                select(c.c.scan_id, c.c.bank, c.c.content_group, f.c.chat_id, f.c.message_id,
                       f.c.date_utc, f.c.input)
                .join(f, f.c.id == c.c.finding_id)
                .where(c.c.content_group == content_group)
                .order_by(f.c.date_utc.is_(None), f.c.date_utc, f.c.id).limit(limit)
            ).all()
        return [ContentSighting(r.scan_id, r.bank, r.content_group, r.chat_id, r.message_id,
                                r.date_utc, r.input) for r in rows]

    def _get(self, conn: Connection, scan_id: str) -> ScanRecord:
        row = conn.execute(select(scans).where(scans.c.id == scan_id)).first()
        if row is None:
            raise UnknownScan(scan_id)
        return _scan(row)


def _scan(row: Row[Any]) -> ScanRecord:
    m = row._mapping
    return ScanRecord(
        id=m["id"], created_at=utc(m["created_at"]), updated_at=utc(m["updated_at"]),
        finished_at=utc(m["finished_at"]), fingerprint=m["fingerprint"],
        inputs=tuple(m["inputs"]), banks=None if m["banks"] is None else tuple(m["banks"]),
        options=dict(m["options"]), status=m["status"],
        counters={str(k): int(v) for k, v in (m["counters"] or {}).items()},
        progress={str(k): dict(v) for k, v in (m["progress"] or {}).items()},
    )
