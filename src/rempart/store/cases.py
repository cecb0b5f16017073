"""The victim cases' store (tables ``victim_cases``, ``case_items``, ``case_challenges``), on
SQLite or PostgreSQL.

A case gets its number from its row id (``VIC-<year>-<id:06>``) in the transaction that creates
it. The case's status page reads, without changing them, the review items raised about its
contents (``reviews_of``: by content group; ``review_states``: a kind's outcome, such as a
duplicate registration's) and the notices about them (``notices_of``: those
filed from the case, known by their ``location_text``, and those about a message where its
content was seen).

The cap of items per case is checked in the write transaction that adds them, so two
concurrent registrations cannot exceed it. A proof-of-work challenge is spent by inserting its
id: the primary key makes a second use fail, on any number of processes.

Example::

    store = SqlCaseStore(bank_store.engine)          # after migrate()
    case = store.create_case(secret_sha256, minor=False, contact=None, at=utc_now())
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, RowMapping, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from rempart.store.case_models import case_challenges, case_items, victim_cases
from rempart.store.engine import SqlStore
from rempart.store.notice_models import notices
from rempart.store.review_models import review_items
from rempart.store.reviews import media_reviews
from rempart.store.rows import utc


class CaseFull(Exception):
    """Adding these items would exceed the cap of items per case."""

    def __init__(self, cap: int) -> None:
        super().__init__(f"at most {cap} items per case")
        self.cap = cap


class CaseClosed(Exception):
    """The case is closed: nothing can be added to it."""


@dataclass(frozen=True, slots=True)
class CaseRecord:
    id: int
    case_number: str
    secret_sha256: str
    created_at: datetime
    updated_at: datetime
    status: str  # open, closed
    minor: bool
    contact: str | None
    item_count: int
    closed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class NewCaseItem:
    """One registered image: its content group, the bank holding its signals, their entry ids."""

    content_group: str
    bank: str
    entry_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class CaseItem:
    id: int
    case_id: int
    content_group: str
    bank: str
    entry_ids: tuple[int, ...]
    created_at: datetime
    withdrawn_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ReviewTrace:
    """A review item about one of a case's contents: where it was seen, by what (``bot``,
    ``scan``, ``api``), its review status and whether the bot removed the message."""

    content_group: str
    source: str
    status: str  # open, confirmed, dismissed
    chat_id: int | None
    message_id: int | None
    date: str | None
    link: str | None
    chat_title: str | None
    removed: bool


@dataclass(frozen=True, slots=True)
class NoticeTrace:
    """A notice about a case's content: its state and deadline (never who filed it, nor why)."""

    case_number: str
    category: str
    state: str
    received_at: datetime
    deadline: datetime
    escalated: bool
    chat_id: int | None
    message_id: int | None
    location_text: str | None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _trace(m: RowMapping) -> ReviewTrace:
    where = m["location"] if isinstance(m["location"], dict) else {}
    evidence = m["evidence"] if isinstance(m["evidence"], dict) else {}
    taken = evidence.get("action_taken")
    removed = isinstance(taken, dict) and taken.get("delete") is True
    return ReviewTrace(m["content_group"], m["source"], m["status"], _int(where.get("chat")),
                       _int(where.get("message")), _str(where.get("date")),
                       _str(where.get("link")), _str(where.get("chat_title")), removed)


def _notice_trace(m: RowMapping) -> NoticeTrace:
    received, deadline = utc(m["received_at"]), utc(m["deadline"])
    assert received is not None and deadline is not None
    return NoticeTrace(m["case_number"], m["category"], m["state"], received, deadline,
                       bool(m["escalated"]), m["chat_id"], m["message_id"], m["location_text"])


def _case(row: Row[Any]) -> CaseRecord:
    m = row._mapping
    created = utc(m["created_at"])
    updated = utc(m["updated_at"])
    assert created is not None and updated is not None
    return CaseRecord(m["id"], m["case_number"], m["secret_sha256"], created, updated,
                      m["status"], bool(m["minor"]), m["contact"], int(m["item_count"]),
                      utc(m["closed_at"]))


def _item(row: Row[Any]) -> CaseItem:
    m = row._mapping
    created = utc(m["created_at"])
    assert created is not None
    return CaseItem(m["id"], m["case_id"], m["content_group"], m["bank"],
                    tuple(int(i) for i in m["entry_ids"]), created, utc(m["withdrawn_at"]))


class SqlCaseStore(SqlStore):
    """Victim cases over one SQLAlchemy engine (share the bank store's)."""

    def create_case(self, secret_sha256: str, *, minor: bool, contact: str | None,
                    at: datetime) -> CaseRecord:
        """A new open case, numbered ``VIC-<year of at>-<id>``."""
        with self._write() as conn:
            case_id = conn.execute(insert(victim_cases).values(
                case_number=f"pending-{secret_sha256[:24]}", secret_sha256=secret_sha256,
                created_at=at, updated_at=at, status="open", minor=minor, contact=contact,
                item_count=0,
            ).returning(victim_cases.c.id)).scalar_one()
            row = conn.execute(
                update(victim_cases).where(victim_cases.c.id == case_id)
                .values(case_number=f"VIC-{at.year}-{case_id:06d}")
                .returning(*victim_cases.c)).one()
        return _case(row)

    def get_case(self, case_number: str) -> CaseRecord | None:
        row = self._row(victim_cases, victim_cases.c.case_number == case_number)
        return None if row is None else _case(row)

    def add_items(self, case_id: int, items: Sequence[NewCaseItem], at: datetime,
                  cap: int) -> list[CaseItem]:
        """Attach ``items`` to an open case; CaseFull past ``cap`` items (withdrawn ones count)."""
        c = victim_cases.c
        with self._write() as conn:
            row = conn.execute(select(c.item_count, c.status).where(c.id == case_id)).one()
            if row.status != "open":
                raise CaseClosed(case_id)
            if row.item_count + len(items) > cap:
                raise CaseFull(cap)
            out = []
            for item in items:
                created = conn.execute(insert(case_items).values(
                    case_id=case_id, content_group=item.content_group, bank=item.bank,
                    entry_ids=list(item.entry_ids), created_at=at,
                ).returning(*case_items.c)).one()
                out.append(_item(created))
            conn.execute(update(victim_cases).where(c.id == case_id).values(
                item_count=c.item_count + len(items), updated_at=at))
        return out

    def items(self, case_id: int) -> list[CaseItem]:
        """The case's items, in registration order (withdrawn ones included)."""
        with self._read() as conn:
            rows = conn.execute(select(case_items).where(case_items.c.case_id == case_id)
                                .order_by(case_items.c.id)).all()
        return [_item(r) for r in rows]

    def withdraw(self, case_id: int, item_ids: Sequence[int] | None,
                 at: datetime) -> list[CaseItem]:
        """Mark items withdrawn (all when ``item_ids`` is None); returns those newly withdrawn."""
        ci = case_items.c
        query = update(case_items).where(ci.case_id == case_id, ci.withdrawn_at.is_(None))
        if item_ids is not None:
            query = query.where(ci.id.in_(list(item_ids)))
        with self._write() as conn:
            rows = conn.execute(query.values(withdrawn_at=at).returning(*case_items.c)).all()
            if rows:
                conn.execute(update(victim_cases).where(victim_cases.c.id == case_id)
                             .values(updated_at=at))
        return sorted((_item(r) for r in rows), key=lambda i: i.id)

    def close_case(self, case_id: int, at: datetime) -> CaseRecord:
        """Close the case and forget the person's contact details (idempotent: a closed case
        keeps its first closing date)."""
        c = victim_cases.c
        with self._write() as conn:
            conn.execute(update(victim_cases).where(c.id == case_id, c.status == "open")
                         .values(status="closed", closed_at=at, updated_at=at, contact=None))
            row = conn.execute(select(victim_cases).where(c.id == case_id)).one()
        return _case(row)

    def reviews_of(self, content_groups: Collection[str]) -> list[ReviewTrace]:
        """Media review items about these contents (any source), oldest first. Read-only."""
        c = review_items.c
        with self._read() as conn:
            rows = media_reviews(conn, content_groups, c.content_group, c.source, c.status,
                                 c.location, c.evidence)
        return [_trace(r) for r in rows]

    def review_states(self, kind: str, content_groups: Collection[str]) -> dict[str, str]:
        """The status (open, confirmed, dismissed) of the ``kind`` review item about each of
        these contents that has one (the latest when several). Read-only."""
        if not content_groups:
            return {}
        c = review_items.c
        with self._read() as conn:
            rows = conn.execute(
                select(c.content_group, c.status)
                .where(c.content_group.in_(sorted(set(content_groups))), c.kind == kind)
                .order_by(c.created_at, c.id)).all()
        return {r.content_group: r.status for r in rows}

    def notices_of(self, location_text: str,
                   places: Collection[tuple[int, int]]) -> list[NoticeTrace]:
        """Notices whose ``location_text`` is exactly ``location_text`` (filed from a case) or
        about one of ``places`` (chat id, message id); most urgent first. Read-only."""
        n = notices.c
        chats = sorted({chat for chat, _ in places})
        where = n.location_text == location_text
        if chats:
            where = or_(where, n.chat_id.in_(chats))
        with self._read() as conn:
            rows = conn.execute(
                select(n.case_number, n.category, n.state, n.received_at, n.deadline,
                       n.escalated, n.chat_id, n.message_id, n.location_text)
                .where(where).order_by(n.deadline, n.id)).mappings().all()
        wanted = set(places)
        return [t for t in map(_notice_trace, rows) if t.location_text == location_text
                or (t.chat_id, t.message_id) in wanted]

    def spend_challenge(self, challenge_id: str, expires_at: datetime, now: datetime) -> bool:
        """True the first time ``challenge_id`` is spent, False afterwards (until it expires)."""
        try:
            with self._write() as conn:
                conn.execute(delete(case_challenges).where(case_challenges.c.expires_at < now))
                conn.execute(insert(case_challenges).values(id=challenge_id,
                                                            expires_at=expires_at))
        except IntegrityError:
            return False
        return True
