"""The review queue's store (table ``review_items``), on SQLite or PostgreSQL.

An item is created once per ``dedup_key`` (the same match seen twice is one item). A decision is
a compare-and-set on ``status = 'open'`` and is written with its audit event in one transaction,
so two moderators cannot both decide an item and no decision goes unlogged.

Example::

    store = SqlReviewStore(bank_store.engine)          # after migrate()
    item, created = store.create(new_item)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Row, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from rempart.store.audit import AuditEntry, log_event
from rempart.store.engine import SqlStore
from rempart.store.pages import Page
from rempart.store.review_models import review_items
from rempart.store.rows import utc

STATUSES = ("open", "confirmed", "dismissed")


class ReviewConflict(Exception):
    """The item is no longer open (someone decided it meanwhile)."""


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


class ReviewStore(Protocol):
    def create(self, new: NewReviewItem) -> tuple[ReviewItem, bool]: ...
    def get(self, item_id: int) -> ReviewItem | None: ...
    def list(self, status: str | None, limit: int, offset: int) -> Page[ReviewItem]: ...
    def open_summary(self) -> tuple[int, datetime | None]: ...
    def decide(self, item_id: int, status: str, decision: str, decided_by: int,
               reason: str, at: datetime, audit: AuditEntry) -> ReviewItem: ...
    def log(self, audit: AuditEntry) -> None: ...


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
                      utc(m["decided_at"]), m["decision"], m["decision_reason"])


class SqlReviewStore(SqlStore):
    """ReviewStore over one SQLAlchemy engine (share the bank store's)."""

    def create(self, new: NewReviewItem) -> tuple[ReviewItem, bool]:
        """Store an open item; when its ``dedup_key`` exists, the existing item and False."""
        try:
            with self._write() as conn:
                row = conn.execute(insert(review_items).values(
                    created_at=new.created_at, updated_at=new.created_at, source=new.source,
                    status="open", kind=new.kind, bank=new.bank, entry_id=new.entry_id,
                    content_group=new.content_group, signal=new.signal,
                    distance=new.distance, labels=list(new.labels), location=new.location,
                    evidence=new.evidence, dedup_key=new.dedup_key,
                ).returning(*review_items.c)).one()
            return _item(row), True
        except IntegrityError:
            with self._read() as conn:
                existing = conn.execute(select(review_items).where(
                    review_items.c.dedup_key == new.dedup_key)).one_or_none()
            if existing is None:  # a failure of another kind
                raise
            return _item(existing), False

    def get(self, item_id: int) -> ReviewItem | None:
        with self._read() as conn:
            row = conn.execute(
                select(review_items).where(review_items.c.id == item_id)).one_or_none()
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

    def decide(self, item_id: int, status: str, decision: str, decided_by: int,
               reason: str, at: datetime, audit: AuditEntry) -> ReviewItem:
        """Close an open item with its decision and log ``audit``; ReviewConflict if not open."""
        c = review_items.c
        with self._write() as conn:
            row = conn.execute(
                update(review_items).where(c.id == item_id, c.status == "open")
                .values(status=status, decision=decision, decided_by=decided_by,
                        decided_at=at, decision_reason=reason, updated_at=at)
                .returning(*review_items.c)).one_or_none()
            if row is None:
                raise ReviewConflict(f"review item {item_id} is not open")
            log_event(conn, audit)  # the one audit log, same transaction
        return _item(row)

    def log(self, audit: AuditEntry) -> None:
        """Write one audit event (a moderator's action on bank entries)."""
        with self._write() as conn:
            log_event(conn, audit)
