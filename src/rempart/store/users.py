"""Console users and their password hashes (table ``users``), on SQLite or PostgreSQL.

Each change is written with its audit event in one transaction. The store keeps an argon2id
hash, never a password; hashing is the user service's job.

Example::

    users = SqlUserStore(bank_store.engine)          # after migrate()
    users.create_user("ana", hasher.hash(password), Role.MODERATOR, audit_entry)
    record, password_hash = users.user_credentials("ana")
"""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy import Row, insert, select, update
from sqlalchemy.exc import IntegrityError

from rempart.core.users import UserRecord as UserRecord
from rempart.core.workflow import Role
from rempart.store.audit import AuditEntry, log_event
from rempart.store.engine import SqlStore
from rempart.store.notice_models import users
from rempart.store.rows import utc


class UserExists(Exception):
    """A user with this name already exists."""


class UserStore(Protocol):
    def create_user(self, username: str, password_hash: str, role: Role,
                    audit: AuditEntry) -> UserRecord: ...
    def user_credentials(self, username: str) -> tuple[UserRecord, str] | None: ...
    def get_user(self, user_id: int) -> UserRecord | None: ...
    def list_users(self) -> list[UserRecord]: ...
    def update_user(self, username: str, audit: AuditEntry, *, role: Role | None = None,
                    disabled: bool | None = None,
                    password_hash: str | None = None) -> UserRecord | None: ...


def _user(row: Row[Any]) -> UserRecord:
    m = row._mapping
    return UserRecord(m["id"], m["username"], Role(m["role"]), utc(m["created_at"]),
                      bool(m["disabled"]))


class SqlUserStore(SqlStore):
    """UserStore over one SQLAlchemy engine (share the bank store's)."""

    def create_user(self, username: str, password_hash: str, role: Role,
                    audit: AuditEntry) -> UserRecord:
        """Store a user; UserExists when the name is taken."""
        try:
            with self._write() as conn:
                row = conn.execute(insert(users).values(
                    username=username, password_hash=password_hash, role=role.value,
                    created_at=audit.at, disabled=False,
                ).returning(*users.c)).one()
                log_event(conn, audit)
        except IntegrityError:
            raise UserExists(username) from None
        return _user(row)

    def user_credentials(self, username: str) -> tuple[UserRecord, str] | None:
        """A user and their password hash."""
        row = self._row(users, users.c.username == username)
        return None if row is None else (_user(row), row.password_hash)

    def get_user(self, user_id: int) -> UserRecord | None:
        row = self._row(users, users.c.id == user_id)
        return None if row is None else _user(row)

    def list_users(self) -> list[UserRecord]:
        with self._read() as conn:
            return [_user(r) for r in conn.execute(select(users).order_by(users.c.id))]

    def update_user(self, username: str, audit: AuditEntry, *, role: Role | None = None,
                    disabled: bool | None = None,
                    password_hash: str | None = None) -> UserRecord | None:
        """Change a user's role, disabled flag or password hash; None if no such user."""
        values: dict[str, Any] = {}
        if role is not None:
            values["role"] = role.value
        if disabled is not None:
            values["disabled"] = disabled
        if password_hash is not None:
            values["password_hash"] = password_hash
        with self._write() as conn:
            row = conn.execute(update(users).where(users.c.username == username)
                               .values(**values).returning(*users.c)).one_or_none()
            if row is not None:
                log_event(conn, audit)
        return None if row is None else _user(row)
