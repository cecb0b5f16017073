"""Failed console sign-ins per account (``login_failures``), for the lockout rule of
:mod:`rempart.core.lockout`. A failure and its audit events are written in one transaction,
the account's row locked (PostgreSQL ``FOR UPDATE``; SQLite's write lock), so concurrent
guesses on several processes are all counted.

Example::

    store = SqlLockoutStore(engine)
    state, newly_locked = store.record_failure("alice", now, rule, audit=[...])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, or_, select, update

from rempart.core.lockout import FailureState, LockoutRule, after_failure
from rempart.store.audit import AuditEntry
from rempart.store.engine import SqlStore
from rempart.store.limit_models import login_failures
from rempart.store.notice_models import audit_events
from rempart.store.rows import utc


def _log(conn: Connection, entries: Sequence[AuditEntry]) -> None:
    for e in entries:
        conn.execute(insert(audit_events).values(
            at=e.at, actor_type=e.actor_type, actor_id=e.actor_id, action=e.action,
            object_type=e.object_type, object_id=e.object_id, details=e.details))


def _state(row: Sequence[Any] | None) -> FailureState | None:
    if row is None:
        return None
    begun = utc(row[1])
    assert begun is not None
    return FailureState(int(row[0]), begun, utc(row[2]))


class SqlLockoutStore(SqlStore):
    """Failed sign-ins and lockouts of console accounts."""

    _COLUMNS = (login_failures.c.failures, login_failures.c.window_start,
                login_failures.c.locked_until)

    def get(self, username: str) -> FailureState | None:
        with self._read() as conn:
            return _state(conn.execute(select(*self._COLUMNS).where(
                login_failures.c.username == username)).one_or_none())

    def record_failure(
        self, username: str, now: datetime, rule: LockoutRule,
        audit: Callable[[FailureState, bool], Sequence[AuditEntry]],
    ) -> tuple[FailureState, bool]:
        """Count a failed sign-in; the new state and whether it just locked the account.
        ``audit(state, newly_locked)`` gives the audit events written with it."""
        c = login_failures.c
        with self._write() as conn:
            query = select(*self._COLUMNS).where(c.username == username)
            if conn.dialect.name == "postgresql":
                query = query.with_for_update()
            before = _state(conn.execute(query).one_or_none())
            after = after_failure(before, now, rule)
            newly = after.locked(now) and not (before is not None and before.locked(now))
            values = {"failures": after.failures, "window_start": after.window_start,
                      "locked_until": after.locked_until, "updated_at": now}
            if before is None:
                conn.execute(insert(login_failures).values(username=username, **values))
            elif after != before:
                conn.execute(update(login_failures).where(c.username == username)
                             .values(**values))
            _log(conn, audit(after, newly))
        return after, newly

    def clear(self, username: str, audit: Sequence[AuditEntry] = ()) -> bool:
        """Forget an account's failures and lift its lockout; whether there was any."""
        with self._write() as conn:
            gone = conn.execute(delete(login_failures).where(
                login_failures.c.username == username)).rowcount
            _log(conn, audit)
        return bool(gone)

    def locked(self, now: datetime) -> dict[str, datetime]:
        """Accounts locked now, and until when."""
        c = login_failures.c
        with self._read() as conn:
            rows = conn.execute(select(c.username, c.locked_until)
                                .where(c.locked_until > now)).all()
        return {name: until for name, until in ((r[0], utc(r[1])) for r in rows)
                if until is not None}

    def prune(self, before: datetime, now: datetime) -> int:
        """Delete rows untouched since ``before`` whose lockout (if any) is over."""
        c = login_failures.c
        with self._write() as conn:
            return int(conn.execute(delete(login_failures).where(
                c.updated_at < before,
                or_(c.locked_until.is_(None), c.locked_until <= now))).rowcount)
