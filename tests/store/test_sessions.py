"""Console sessions and one-time password links in the store: stored hashed, revoked, expired,
used once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from rempart.app import App, build
from rempart.config import Settings
from rempart.core.workflow import Role
from rempart.services.users import SYSTEM, UserService
from rempart.store.rows import utc_now
from rempart.store.session_models import console_sessions, password_links
from rempart.store.sessions import TOUCH_EVERY, SqlSessionStore
from rempart.store.users import SqlUserStore

IDLE = timedelta(minutes=30)
LIFE = timedelta(hours=8)


@pytest.fixture
def app(db_url: str) -> Iterator[App]:
    built = build(Settings(database_url=db_url))
    yield built
    built.close()


def _user(app: App) -> int:
    users = UserService(SqlUserStore(app.store.engine), sessions=None, audit_log=None)
    return users.create("someone", "a long enough passphrase", Role.MODERATOR, SYSTEM).id


def test_sessions(app: App) -> None:
    store = SqlSessionStore(app.store.engine)
    uid = _user(app)
    now = utc_now()
    record, secret = store.create(uid, now, LIFE, "agent " * 100)
    assert record.user_agent is not None and len(record.user_agent) == 200
    with app.store.engine.connect() as conn:
        stored = conn.execute(select(console_sessions.c.secret_sha256)).scalar_one()
    assert secret not in stored and len(stored) == 64
    found = store.find(secret, now + IDLE / 2, IDLE)
    assert found is not None and found.id == record.id and found.csrf == record.csrf
    # used within the idle limit each time: alive past the first idle period
    assert store.find(secret, now + IDLE / 2 + TOUCH_EVERY + IDLE / 2, IDLE) is not None
    assert store.find(secret, now + LIFE, IDLE) is None  # absolute expiry
    assert store.find("x" * 43, now, IDLE) is None
    assert [s.id for s in store.list_user(uid, now + IDLE / 2, IDLE)] == [record.id]
    assert store.revoke(record.id, now, "admin", user_id=uid + 1) is False  # someone else's
    assert store.revoke(record.id, now, "admin", user_id=uid) is True
    assert store.revoke(record.id, now, "admin") is False
    assert store.find(secret, now, IDLE) is None
    _, other = store.create(uid, now, LIFE)
    assert store.revoke_user(uid, now, "user.disable") == 1
    assert store.find(other, now, IDLE) is None
    assert store.purge(now + LIFE + timedelta(seconds=1)) == 2


def test_password_links(app: App) -> None:
    store = SqlSessionStore(app.store.engine)
    uid = _user(app)
    now = utc_now()
    first = store.create_link(uid, now, timedelta(hours=24))
    second = store.create_link(uid, now, timedelta(hours=24))
    assert store.link_user(first, now) is None  # a new link ends the older one
    assert store.link_user(second, now) == uid
    with app.store.engine.connect() as conn:
        digests = conn.execute(select(password_links.c.secret_sha256)).scalars().all()
    assert second not in digests
    assert store.use_link(second, now + timedelta(hours=25)) is None  # expired
    assert store.use_link(second, now) == uid
    assert store.use_link(second, now) is None  # once
