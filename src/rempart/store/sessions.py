"""Console sessions kept on the server, and one-time password links.

A session's id is a random secret that lives only in the visitor's cookie; the table keeps its
sha256 (like API tokens: high-entropy secrets need no slow hash). A session ends at logout, when
an admin revokes it, when its user is disabled or changes role or password, after ``idle``
without a request, or at its absolute expiry. A password link (``/console/password/<secret>``)
lets a new or reset user choose their own password once; the admin never knows it.

The tables are registered on ``models.metadata``; change them only with a migration (0007).

Example::

    sessions = SqlSessionStore(engine)
    record, secret = sessions.create(user_id=1, now=now, lifetime=timedelta(hours=8))
    sessions.find(secret, now, idle=timedelta(minutes=30))     # (SessionRecord, csrf) or None
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, insert, select, update

from rempart.core.users import SessionRecord as SessionRecord
from rempart.store.engine import SqlStore
from rempart.store.rows import utc
from rempart.store.session_models import console_sessions, password_links

TOUCH_EVERY = timedelta(seconds=60)
"""``last_seen_at`` is written at most this often per session (not on every request)."""

def digest(secret: str) -> str:
    """The stored form of a session or link secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


def _session(row: Row[Any]) -> SessionRecord:
    m = row._mapping
    return SessionRecord(m["id"], m["user_id"], m["csrf"], utc(m["created_at"]),
                         utc(m["last_seen_at"]), utc(m["expires_at"]), utc(m["revoked_at"]),
                         m["revoked_reason"], m["user_agent"])


class SqlSessionStore(SqlStore):
    """Sessions and password links over one SQLAlchemy engine (share the bank store's)."""

    def create(self, user_id: int, now: datetime, lifetime: timedelta,
               user_agent: str | None = None) -> tuple[SessionRecord, str]:
        """A new session; returns it and the cookie's secret (the only time it exists)."""
        secret = secrets.token_urlsafe(32)
        with self._write() as conn:
            row = conn.execute(insert(console_sessions).values(
                secret_sha256=digest(secret), user_id=user_id,
                csrf=secrets.token_urlsafe(24), created_at=now, last_seen_at=now,
                expires_at=now + lifetime, revoked_at=None, revoked_reason=None,
                user_agent=(user_agent or "")[:200] or None,
            ).returning(*console_sessions.c)).one()
        return _session(row), secret

    def find(self, secret: str, now: datetime, idle: timedelta) -> SessionRecord | None:
        """The live session of ``secret`` (its last use recorded), else None."""
        c = console_sessions.c
        row = self._row(console_sessions, c.secret_sha256 == digest(secret))
        if row is None:
            return None
        record = _session(row)
        if not record.live(now, idle):
            return None
        if now - record.last_seen_at >= TOUCH_EVERY:
            with self._write() as conn:
                conn.execute(update(console_sessions).where(c.id == record.id,
                                                            c.revoked_at.is_(None))
                             .values(last_seen_at=now))
        return record

    def revoke(self, session_id: int, now: datetime, reason: str,
               user_id: int | None = None) -> bool:
        """End one session (of ``user_id``, when given); False if it was not live."""
        c = console_sessions.c
        query = update(console_sessions).where(c.id == session_id, c.revoked_at.is_(None))
        if user_id is not None:
            query = query.where(c.user_id == user_id)
        with self._write() as conn:
            result = conn.execute(query.values(revoked_at=now, revoked_reason=reason))
        return bool(result.rowcount)

    def revoke_secret(self, secret: str, now: datetime, reason: str) -> None:
        """End the session of a cookie's secret (logout)."""
        c = console_sessions.c
        with self._write() as conn:
            conn.execute(update(console_sessions).where(
                c.secret_sha256 == digest(secret), c.revoked_at.is_(None))
                .values(revoked_at=now, revoked_reason=reason))

    def revoke_user(self, user_id: int, now: datetime, reason: str) -> int:
        """End every session of a user; how many were live."""
        c = console_sessions.c
        with self._write() as conn:
            result = conn.execute(update(console_sessions).where(
                c.user_id == user_id, c.revoked_at.is_(None))
                .values(revoked_at=now, revoked_reason=reason))
        return int(result.rowcount)

    def list_user(self, user_id: int, now: datetime, idle: timedelta) -> list[SessionRecord]:
        """A user's live sessions, newest first."""
        c = console_sessions.c
        with self._read() as conn:
            rows = conn.execute(select(console_sessions).where(
                c.user_id == user_id, c.revoked_at.is_(None), c.expires_at > now)
                .order_by(c.id.desc())).all()
        return [s for s in map(_session, rows) if s.live(now, idle)]

    def purge(self, before: datetime) -> int:
        """Delete sessions that ended or expired before ``before`` (housekeeping)."""
        c = console_sessions.c
        with self._write() as conn:
            result = conn.execute(console_sessions.delete().where(
                (c.expires_at < before) | (c.revoked_at < before)))
        return int(result.rowcount)

    # --- one-time password links ----------------------------------------------------------

    def create_link(self, user_id: int, now: datetime, lifetime: timedelta) -> str:
        """A new password link's secret for a user (earlier unused links of theirs end)."""
        secret = secrets.token_urlsafe(32)
        c = password_links.c
        with self._write() as conn:
            conn.execute(update(password_links).where(c.user_id == user_id,
                                                      c.used_at.is_(None))
                         .values(used_at=now))
            conn.execute(insert(password_links).values(
                secret_sha256=digest(secret), user_id=user_id, created_at=now,
                expires_at=now + lifetime, used_at=None))
        return secret

    def link_user(self, secret: str, now: datetime) -> int | None:
        """The user of a live (unused, unexpired) link, without using it."""
        c = password_links.c
        row = self._row(password_links, c.secret_sha256 == digest(secret), c.used_at.is_(None))
        if row is None or now >= utc(row.expires_at):
            return None
        return int(row.user_id)

    def use_link(self, secret: str, now: datetime) -> int | None:
        """Spend a live link once; its user, or None (unknown, used or expired)."""
        c = password_links.c
        with self._write() as conn:
            row = conn.execute(update(password_links).where(
                c.secret_sha256 == digest(secret), c.used_at.is_(None), c.expires_at > now)
                .values(used_at=now).returning(c.user_id)).one_or_none()
        return None if row is None else int(row.user_id)
