"""The review queue's store (table ``review_items``), on SQLite or PostgreSQL.

An item is created once per ``dedup_key`` (the same match seen twice is one item): every writer
inserts :func:`review_row` rows, with a whole batch through :func:`insert_items` inside its own
transaction (a sighting's hits, the bot's outcome), so ``group_key`` and ``place`` are always the
same. A decision is
a compare-and-set on ``status = 'open'`` and is written with its audit event in one transaction,
so two moderators cannot both decide an item and no decision goes unlogged; a decision on a
group of items (:mod:`store.review_groups`) closes them all in one transaction.

Example::

    store = SqlReviewStore(bank_store.engine)          # after migrate()
    item, created = store.create(new_item)
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import ColumnElement, Connection, Row, RowMapping, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from rempart.store.audit import AuditEntry, log_event
from rempart.store.engine import SqlStore
from rempart.store.pages import Page
from rempart.store.review_groups import (
    ReviewFilter,
    ReviewGroup,
    group_item_ids,
    grouping,
    list_groups,
)
from rempart.store.review_models import review_items
from rempart.store.rows import utc

STATUSES = ("open", "confirmed", "dismissed")


@dataclass(frozen=True, slots=True)
class NewReviewItem:
    """A match or flagged text waiting for a human. ``dedup_key`` identifies it across runs."""

    source: str  # scan, bot, api
    kind: str  # media_match, text_flag
    dedup_key: str
    created_at: datetime
    bank: str | None = None
    entry_id: int | None = None
    content_group: str | None = None
    signal: str | None = None
    distance: int | None = None
    labels: tuple[str, ...] = ()
    # platform, chat, message, link, sender, date
    location: dict[str, Any] = field(default_factory=dict)
    # query_signals [{signal_type, value}], text, reasons [str], spans…
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ReviewItem:
    id: int
    new: NewReviewItem
    status: str
    updated_at: datetime
    decided_by: int | None = None
    decided_at: datetime | None = None
    decision: str | None = None
    decision_reason: str | None = None
    group_key: str = ""
    place: str | None = None


@dataclass(frozen=True, slots=True)
class Closing:
    """One item's part of a decision: its new status, the decision recorded, its audit event."""

    item_id: int
    status: str
    decision: str
    audit: AuditEntry


class ReviewStore(Protocol):
    def create(self, new: NewReviewItem) -> tuple[ReviewItem, bool]: ...
    def get(self, item_id: int) -> ReviewItem | None: ...
    def list(self, status: str | None, limit: int, offset: int) -> Page[ReviewItem]: ...
    def open_summary(self) -> tuple[int, datetime | None]: ...
    def decide_many(self, closings: Sequence[Closing], decided_by: int, reason: str,
                    at: datetime) -> Sequence[ReviewItem]: ...
    def log(self, audit: AuditEntry) -> None: ...
    def groups(self, f: ReviewFilter, limit: int, offset: int) -> Page[ReviewGroup]: ...
    def group_items(self, key: str, status: str | None, limit: int,
                    offset: int) -> Page[ReviewItem]: ...


def review_row(new: NewReviewItem, at: datetime | None = None,
               source: str | None = None) -> dict[str, Any]:
    """The ``review_items`` row of an open item (every writer of the table inserts these)."""
    at = utc(at or new.created_at)
    return {"created_at": at, "updated_at": at, "source": source or new.source,
            "status": "open", "kind": new.kind, "bank": new.bank, "entry_id": new.entry_id,
            "content_group": new.content_group, "signal": new.signal,
            "distance": new.distance, "labels": list(new.labels), "location": new.location,
            "evidence": new.evidence, "dedup_key": new.dedup_key[:200],
            **grouping(new.kind, new.entry_id, new.content_group, new.evidence,
                       new.dedup_key, new.location)}


def insert_items(conn: Connection, items: Sequence[NewReviewItem],
                 at: datetime | None = None) -> list[str]:
    """Insert open items within the caller's transaction, skipping a ``dedup_key`` already
    stored (any status: a decided item is never raised again) or repeated in ``items`` (the
    last one is kept); returns the keys inserted, in order."""
    rows: dict[str, dict[str, Any]] = {}
    for new in items:
        row = review_row(new, at)
        rows[row["dedup_key"]] = row
    if not rows:
        return []
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    added = set(conn.execute(
        dialect.insert(review_items)
        .on_conflict_do_nothing(index_elements=[review_items.c.dedup_key])
        .returning(review_items.c.dedup_key), list(rows.values())).scalars())
    return [k for k in rows if k in added]


def media_reviews(conn: Connection, content_groups: Collection[str],
                  *columns: ColumnElement[Any]) -> Sequence[RowMapping]:
    """``columns`` of the media-match items about these content groups, oldest first (any
    source, any status); none when no content group is given."""
    if not content_groups:
        return []
    c = review_items.c
    return conn.execute(
        select(*columns)
        .where(c.content_group.in_(sorted(set(content_groups))), c.kind == "media_match")
        .order_by(c.created_at, c.id)).mappings().all()


def _item(row: Row[Any]) -> ReviewItem:
    m = row._mapping
    new = NewReviewItem(
        source=m["source"], kind=m["kind"], dedup_key=m["dedup_key"],
        created_at=utc(m["created_at"]), bank=m["bank"], entry_id=m["entry_id"],
        content_group=m["content_group"], signal=m["signal"], distance=m["distance"],
        labels=tuple(m["labels"] or ()), location=dict(m["location"] or {}),
        evidence=dict(m["evidence"] or {}),
    )
    return ReviewItem(m["id"], new, m["status"], utc(m["updated_at"]), m["decided_by"],
                      utc(m["decided_at"]), m["decision"], m["decision_reason"],
                      m["group_key"], m["place"])


class SqlReviewStore(SqlStore):
    """ReviewStore over one SQLAlchemy engine (share the bank store's)."""

    def create(self, new: NewReviewItem) -> tuple[ReviewItem, bool]:
        """Store an open item; when its ``dedup_key`` exists, the existing item and False."""
        try:
            with self._write() as conn:
                row = conn.execute(insert(review_items).values(**review_row(new))
                                   .returning(*review_items.c)).one()
            return _item(row), True
        except IntegrityError:
            existing = self._row(review_items, review_items.c.dedup_key == new.dedup_key)
            if existing is None:  # a failure of another kind
                raise
            return _item(existing), False

    def get(self, item_id: int) -> ReviewItem | None:
        row = self._row(review_items, review_items.c.id == item_id)
        return None if row is None else _item(row)

    def list(self, status: str | None, limit: int, offset: int) -> Page[ReviewItem]:
        """Items oldest first (the queue's order); all statuses when ``status`` is None."""
        c = review_items.c
        query = select(review_items).order_by(c.created_at, c.id)
        if status is not None:
            query = query.where(c.status == status)
        with self._read() as conn:
            total = conn.execute(
                select(func.count()).select_from(query.subquery())).scalar_one()
            rows = conn.execute(query.limit(limit).offset(offset)).all()
        return Page([_item(r) for r in rows], int(total))

    def open_summary(self) -> tuple[int, datetime | None]:
        """How many items await review, and when the oldest arrived."""
        c = review_items.c
        with self._read() as conn:
            count, oldest = conn.execute(
                select(func.count(), func.min(c.created_at)).where(c.status == "open")).one()
        return int(count), utc(oldest)

    def decide_many(self, closings: Sequence[Closing], decided_by: int, reason: str,
                    at: datetime) -> Sequence[ReviewItem]:
        """Close every still open item of ``closings`` with its audit event, in one
        transaction; items decided meanwhile are left out of the answer (and not logged)."""
        c = review_items.c
        done = []
        with self._write() as conn:
            for x in closings:
                row = conn.execute(
                    update(review_items).where(c.id == x.item_id, c.status == "open")
                    .values(status=x.status, decision=x.decision, decided_by=decided_by,
                            decided_at=at, decision_reason=reason, updated_at=at)
                    .returning(*review_items.c)).one_or_none()
                if row is not None:
                    log_event(conn, x.audit)
                    done.append(_item(row))
        return done

    def groups(self, f: ReviewFilter, limit: int, offset: int) -> Page[ReviewGroup]:
        """The queue by content (:func:`review_groups.list_groups`)."""
        with self._read() as conn:
            return list_groups(conn, f, limit, offset)

    def group_items(self, key: str, status: str | None, limit: int,
                    offset: int) -> Page[ReviewItem]:
        """A group's items of ``status`` (None: all), oldest first."""
        with self._read() as conn:
            ids = group_item_ids(conn, key, status, limit, offset)
            rows = conn.execute(select(review_items).where(review_items.c.id.in_(ids.items))
                                .order_by(review_items.c.created_at, review_items.c.id)).all()
        return Page([_item(r) for r in rows], ids.total)

    def log(self, audit: AuditEntry) -> None:
        """Write one audit event (a moderator's action on bank entries)."""
        with self._write() as conn:
            log_event(conn, audit)
