"""Read-only queries of stored scan findings for evidence packages: findings by id, those of a
banked content (a victim's image), their neighbouring messages, and recent ones for the console.

Reads the scan tables (``scan_models``) without changing them.

Example::

    reads = SqlEvidenceReads(engine)
    reads.by_ids([12, 15])          # StoredFinding records, unknown ids left out
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, select

from rempart.store.engine import SqlStore
from rempart.store.scan_models import scan_finding_contents, scan_findings

_CHUNK = 500


@dataclass(frozen=True, slots=True)
class StoredFinding:
    """A stored finding with its row id (the id moderators choose) and scan."""

    id: int
    scan_id: str
    chat_id: int | None
    message_id: int | None
    date_utc: str | None
    finding: dict[str, Any]


def _stored(row: Row[Any, Any, Any, Any, Any, Any]) -> StoredFinding:
    m = row._mapping
    return StoredFinding(m["id"], m["scan_id"], m["chat_id"], m["message_id"],
                         m["date_utc"], dict(m["finding"]))


_COLUMNS = (scan_findings.c.id, scan_findings.c.scan_id, scan_findings.c.chat_id,
            scan_findings.c.message_id, scan_findings.c.date_utc, scan_findings.c.finding)


class SqlEvidenceReads(SqlStore):
    """Findings as evidence packages need them."""

    def by_ids(self, ids: Sequence[int]) -> list[StoredFinding]:
        """The findings with these ids, by id (unknown ids are left out)."""
        wanted = sorted(set(ids))
        out: list[StoredFinding] = []
        with self._read() as conn:
            for i in range(0, len(wanted), _CHUNK):
                rows = conn.execute(select(*_COLUMNS)
                                    .where(scan_findings.c.id.in_(wanted[i:i + _CHUNK]))
                                    .order_by(scan_findings.c.id)).all()
                out += [_stored(r) for r in rows]
        return out

    def of_content(self, content_group: str, limit: int = 1000) -> list[StoredFinding]:
        """The findings whose media matched the banked content ``content_group``."""
        f, c = scan_findings, scan_finding_contents
        with self._read() as conn:
            rows = conn.execute(
                select(*_COLUMNS).join(c, c.c.finding_id == f.c.id)
                .where(c.c.content_group == content_group)
                .order_by(f.c.id).limit(limit)).all()
        seen: dict[int, StoredFinding] = {}
        for r in rows:
            seen.setdefault(r.id, _stored(r))
        return list(seen.values())

    def neighbours(self, scan_id: str, chat_id: int, message_id: int,
                   span: int) -> list[StoredFinding]:
        """Stored findings of the same scan and chat within ``span`` messages, but itself."""
        f = scan_findings
        with self._read() as conn:
            rows = conn.execute(
                select(*_COLUMNS).where(
                    f.c.scan_id == scan_id, f.c.chat_id == chat_id,
                    f.c.message_id >= message_id - span, f.c.message_id <= message_id + span,
                    f.c.message_id != message_id)
                .order_by(f.c.message_id, f.c.id)).all()
        return [_stored(r) for r in rows]

    def recent(self, *, chat_id: int | None = None, scan_id: str | None = None,
               limit: int = 100, offset: int = 0) -> list[StoredFinding]:
        """The most recently stored findings, newest first, optionally of one chat or scan."""
        query = select(*_COLUMNS)
        if chat_id is not None:
            query = query.where(scan_findings.c.chat_id == chat_id)
        if scan_id is not None:
            query = query.where(scan_findings.c.scan_id == scan_id)
        with self._read() as conn:
            rows = conn.execute(query.order_by(scan_findings.c.id.desc())
                                .limit(limit).offset(offset)).all()
        return [_stored(r) for r in rows]
