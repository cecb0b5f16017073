"""The store part of retention (``rempart purge``): count or delete, by date, what has outlived
its purpose. Each kind is one statement in its own short transaction (no long lock).

What is never touched here: notices, decisions, statements of reasons, appeals, the audit log
(the database refuses it), review items and live bank entries — see docs/privacy.md.

Example::

    store = SqlRetentionStore(engine)
    store.purge("bot_messages", before=cutoff, dry_run=True)     # how many would go
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, delete, func, or_, select, update

from rempart.core.banks import EntryStatus
from rempart.store.bot_models import bot_messages, bot_seen_files
from rempart.store.case_models import case_challenges, victim_cases
from rempart.store.engine import SqlStore
from rempart.store.limit_models import login_failures, rate_buckets
from rempart.store.models import bank_entries, entry_hits
from rempart.store.session_models import console_sessions, password_links

Where = Callable[[datetime, datetime], ColumnElement[bool]]

# kind → (table, rows to delete given (before, now)). Dates of one kind, one index.
KINDS: dict[str, tuple[Table, Where]] = {
    "bot_messages": (bot_messages, lambda before, now: bot_messages.c.at < before),
    "bot_seen_files": (bot_seen_files, lambda before, now: bot_seen_files.c.seen_at < before),
    "entry_hits": (entry_hits, lambda before, now: entry_hits.c.at < before),
    "tombstones": (bank_entries, lambda before, now: and_(
        bank_entries.c.status == EntryStatus.REMOVED.value, bank_entries.c.removed_at < before)),
    "closed_cases": (victim_cases, lambda before, now: and_(
        victim_cases.c.status == "closed", victim_cases.c.closed_at < before)),
    "sessions": (console_sessions, lambda before, now: or_(
        console_sessions.c.expires_at < before, console_sessions.c.revoked_at < before)),
    "password_links": (password_links, lambda before, now: password_links.c.expires_at < before),
    "login_failures": (login_failures, lambda before, now: and_(
        login_failures.c.updated_at < before,
        or_(login_failures.c.locked_until.is_(None), login_failures.c.locked_until <= now))),
    "proof_of_work": (case_challenges, lambda before, now: case_challenges.c.expires_at < now),
    "rate_buckets": (rate_buckets, lambda before, now: rate_buckets.c.expires < now.timestamp()),
}


class SqlRetentionStore(SqlStore):
    """Counts and deletions by date over every table holding data with a retention period."""

    def purge(self, kind: str, before: datetime, now: datetime, dry_run: bool = False) -> int:
        """Rows of ``kind`` older than ``before`` deleted (or counted when ``dry_run``)."""
        table, where = KINDS[kind]
        condition = where(before, now)
        if dry_run:
            with self._read() as conn:
                return int(conn.execute(
                    select(func.count()).select_from(table).where(condition)).scalar_one())
        with self._write() as conn:
            return int(conn.execute(delete(table).where(condition)).rowcount)

    def clear_closed_contacts(self, dry_run: bool = False) -> int:
        """Forget the contact details still held by closed victim cases (closing clears them;
        this catches cases closed before it did)."""
        c = victim_cases.c
        condition = and_(c.status == "closed", c.contact.is_not(None))
        if dry_run:
            with self._read() as conn:
                return int(conn.execute(select(func.count()).select_from(victim_cases)
                                        .where(condition)).scalar_one())
        values: dict[str, Any] = {"contact": None}
        with self._write() as conn:
            return int(conn.execute(update(victim_cases).where(condition)
                                    .values(**values)).rowcount)
