"""What a transparency report counts, read from the database for one period: notices and
their first decision, appeals, review outcomes and the bot's own actions. Plain rows, no
personal data (no explanation, contact, link, chat or sender is read).

Example::

    reads = SqlTransparencyReads(engine)
    rows = list(reads.notices(since, until))
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import func, select

from rempart.store.bot_models import bot_outbox
from rempart.store.engine import SqlStore
from rempart.store.models import bank_entries, banks, entry_hits
from rempart.store.notice_models import appeals, decisions, notices
from rempart.store.review_models import review_items
from rempart.store.rows import utc

BATCH = 5000


@dataclass(frozen=True, slots=True)
class NoticeRow:
    """A notice received in the period and its first decision (None: not decided yet)."""

    category: str
    received_at: datetime
    escalated: bool
    decided_at: datetime | None
    action: str | None
    statement: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class AppealRow:
    filed_at: datetime
    decided_at: datetime | None
    outcome: str | None


@dataclass(frozen=True, slots=True)
class ReviewRow:
    """A review item created or decided in the period."""

    kind: str
    source: str
    signal: str | None
    status: str
    created_at: datetime
    decided_at: datetime | None


class TransparencyReads(Protocol):
    def notices(self, since: datetime, until: datetime) -> Iterator[NoticeRow]: ...
    def appeals(self, since: datetime, until: datetime) -> Iterator[AppealRow]: ...
    def reviews(self, since: datetime, until: datetime) -> Iterator[ReviewRow]: ...
    def bot_actions(self, since: datetime, until: datetime) -> dict[str, int]: ...
    def review_backlog(self) -> list[datetime]: ...
    def matches(self, since: datetime, limit: int) -> list[tuple[datetime, str, str | None]]: ...


class SqlTransparencyReads(SqlStore):
    """TransparencyReads over one SQLAlchemy engine."""

    def notices(self, since: datetime, until: datetime) -> Iterator[NoticeRow]:
        """Notices received in [since, until), each with its first decision (not an
        appeal's), in arrival order."""
        n, d = notices.c, decisions.c
        first = (select(d.notice_id, func.min(d.id).label("first_id"))
                 .where(d.appeal_id.is_(None)).group_by(d.notice_id).subquery())
        query = (select(n.category, n.received_at, n.escalated, d.decided_at, d.action,
                        d.statement)
                 .outerjoin(first, first.c.notice_id == n.id)
                 .outerjoin(decisions, d.id == first.c.first_id)
                 .where(n.received_at >= since, n.received_at < until)
                 .order_by(n.received_at, n.id))
        with self._read() as conn:
            for r in conn.execute(query.execution_options(yield_per=BATCH)):
                yield NoticeRow(r.category, utc(r.received_at), bool(r.escalated),
                                utc(r.decided_at) if r.decided_at else None, r.action,
                                r.statement)

    def appeals(self, since: datetime, until: datetime) -> Iterator[AppealRow]:
        """Appeals (internal complaints) filed in [since, until)."""
        a = appeals.c
        query = (select(a.filed_at, a.decided_at, a.outcome)
                 .where(a.filed_at >= since, a.filed_at < until).order_by(a.id))
        with self._read() as conn:
            for r in conn.execute(query.execution_options(yield_per=BATCH)):
                yield AppealRow(utc(r.filed_at), utc(r.decided_at) if r.decided_at else None,
                                r.outcome)

    def reviews(self, since: datetime, until: datetime) -> Iterator[ReviewRow]:
        """Review items created, or decided, in [since, until)."""
        r = review_items.c
        in_period = ((r.created_at >= since) & (r.created_at < until)) | (
            (r.decided_at >= since) & (r.decided_at < until))
        query = (select(r.kind, r.source, r.signal, r.status, r.created_at, r.decided_at)
                 .where(in_period).order_by(r.id))
        with self._read() as conn:
            for row in conn.execute(query.execution_options(yield_per=BATCH)):
                yield ReviewRow(row.kind, row.source, row.signal, row.status,
                                utc(row.created_at),
                                utc(row.decided_at) if row.decided_at else None)

    def bot_actions(self, since: datetime, until: datetime) -> dict[str, int]:
        """The bot's own actions carried out in [since, until), by action."""
        b = bot_outbox.c
        query = (select(b.action, func.count()).where(
            b.purpose == "action", b.status == "done", b.created_at >= since,
            b.created_at < until).group_by(b.action))
        with self._read() as conn:
            return {action: count for action, count in conn.execute(query)}

    def review_backlog(self) -> list[datetime]:
        """When each open review item was created (the backlog and its age)."""
        r = review_items.c
        with self._read() as conn:
            return [utc(v) for v in conn.execute(
                select(r.created_at).where(r.status == "open").order_by(r.created_at)
                .limit(100_000)).scalars()]

    def matches(self, since: datetime, limit: int) -> list[tuple[datetime, str, str | None]]:
        """Matches recorded since ``since`` (newest first, ``limit`` at most): when, the
        bank, and where (``api:…``, ``telegram:…``: the platform is before the colon)."""
        h = entry_hits.c
        query = (select(h.at, banks.c.name, h.place)
                 .join(bank_entries, bank_entries.c.id == h.entry_id)
                 .join(banks, banks.c.id == bank_entries.c.bank_id)
                 .where(h.at >= since).order_by(h.at.desc()).limit(limit))
        with self._read() as conn:
            return [(utc(r.at), r.name, r.place) for r in conn.execute(query)]
