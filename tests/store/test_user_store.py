"""The user store on SQLite and PostgreSQL: create, credentials, change; each change audited."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from rempart.core.workflow import Role
from rempart.store import make_engine, migrate
from rempart.store.audit import AuditEntry, AuditFilter, SqlAuditLog
from rempart.store.users import SqlUserStore, UserExists

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    migrate(db_url)
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


def entry(action: str) -> AuditEntry:
    return AuditEntry(T0, "system", None, action, "user", "mod-one")


def test_users(engine: Engine) -> None:
    store = SqlUserStore(engine)
    user = store.create_user("mod-one", "$argon2id$x", Role.MODERATOR, entry("user.create"))
    assert (user.username, user.role, user.disabled) == ("mod-one", Role.MODERATOR, False)
    with pytest.raises(UserExists):
        store.create_user("mod-one", "h", Role.ADMIN, entry("user.create"))
    found = store.user_credentials("mod-one")
    assert found is not None and found[1] == "$argon2id$x"
    changed = store.update_user("mod-one", entry("user.role"), role=Role.ANALYST, disabled=True)
    assert changed is not None and (changed.role, changed.disabled) == (Role.ANALYST, True)
    assert store.update_user("nobody", entry("user.role"), role=Role.ADMIN) is None
    assert store.get_user(user.id) == changed
    assert [u.username for u in store.list_users()] == ["mod-one"]
    # One event per successful change, none for the failures.
    assert SqlAuditLog(engine).list_audit(AuditFilter(), 10, 0).total == 2
