"""Read-only queries of stored scan findings for evidence packages: findings by id, those of a
banked content (a victim's image), their neighbouring messages, recent ones for the console, and
the review items (the bot's detections) about a banked content with the text flagged with them.

Reads the scan and review tables without changing them.

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
from rempart.store.review_models import review_items
from rempart.store.reviews import media_reviews
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
    key: str = ""  # the message and media's identity in its scan, equal across scans


@dataclass(frozen=True, slots=True)
class StoredReview:
    """A media-match review item (the bot's, an API caller's or a scan's) about a content.
    ``location`` holds ``chat`` and ``message``: a scan's item names its finding's message."""

    id: int
    source: str
    status: str
    bank: str | None
    content_group: str | None
    signal: str | None
    distance: int | None
    labels: tuple[str, ...]
    location: dict[str, Any]
    evidence: dict[str, Any]


def _stored(row: Row[Any, Any, Any, Any, Any, Any, Any]) -> StoredFinding:
    m = row._mapping
    return StoredFinding(m["id"], m["scan_id"], m["chat_id"], m["message_id"],
                         m["date_utc"], dict(m["finding"]), m["key"])


_COLUMNS = (scan_findings.c.id, scan_findings.c.scan_id, scan_findings.c.chat_id,
            scan_findings.c.message_id, scan_findings.c.date_utc, scan_findings.c.finding,
            scan_findings.c.key)


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

    def reviews_of(self, content_groups: Sequence[str]) -> list[StoredReview]:
        """Media-match review items about these contents, oldest first."""
        c = review_items.c
        with self._read() as conn:
            rows = media_reviews(conn, content_groups, c.id, c.source, c.status, c.bank,
                                 c.content_group, c.signal, c.distance, c.labels, c.location,
                                 c.evidence)
        return [StoredReview(r["id"], r["source"], r["status"], r["bank"], r["content_group"],
                             r["signal"], r["distance"], tuple(r["labels"] or ()),
                             dict(r["location"] or {}), dict(r["evidence"] or {}))
                for r in rows]

    def flagged_text(self, chat_id: int, message_id: int) -> tuple[str | None, tuple[str, ...]]:
        """The text and labels the bot flagged for this message, if it flagged any."""
        c = review_items.c
        with self._read() as conn:
            row = conn.execute(
                select(c.labels, c.evidence)
                .where(c.kind == "text_flag",
                       c.dedup_key.like(f"bot:{int(chat_id)}:{int(message_id)}:text:%"))
                .order_by(c.id).limit(1)).mappings().first()
        if row is None:
            return None, ()
        text = (row["evidence"] or {}).get("text")
        return (text if isinstance(text, str) else None), tuple(row["labels"] or ())
