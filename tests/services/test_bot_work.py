"""Retries of the bot's work: backoff, Telegram's retry_after, dead after the last try, and who
may send dead work again."""

from __future__ import annotations

import pytest

from rempart.core.workflow import Role
from rempart.services.bot_work import BotWork, retry_delay
from rempart.services.notices import NotAllowed
from rempart.store.bot import NewAction, SqlBotStore
from rempart.store.rows import utc_now
from rempart.store.sql import open_store
from rempart.store.users import UserRecord


def test_backoff() -> None:
    assert [retry_delay(n) for n in range(1, 5)] == [5.0, 10.0, 20.0, 40.0]
    assert retry_delay(30) == 3600.0
    assert retry_delay(1, retry_after=42.0) == 42.0


def _user(role: Role, disabled: bool = False) -> UserRecord:
    return UserRecord(1, "someone", role, utc_now(), disabled)


def test_dead_after_the_last_try_and_retried_by_a_moderator(sqlite_url: str) -> None:
    store = SqlBotStore(open_store(sqlite_url).engine)
    work = BotWork(store, max_attempts=2)
    row = store.add_actions([NewAction("k", -100, "delete", "action", {"message_ids": [1]})])[0]
    work.action_failed(row, "Bad Request: message can't be deleted", retry_after=None)
    row = store.get_action(row.id)  # type: ignore[assignment]
    assert row.status == "pending" and row.attempts == 1 and row.next_at > utc_now()
    work.action_failed(row, "Bad Request: message can't be deleted", retry_after=None)
    items = work.troubled()
    assert [(i.kind, i.status, i.what, i.retryable) for i in items] == [
        ("action", "dead", "delete messages 1 (action)", True)]
    with pytest.raises(NotAllowed):
        work.retry("action", row.id, _user(Role.ANALYST))
    with pytest.raises(NotAllowed):
        work.retry("action", row.id, _user(Role.MODERATOR, disabled=True))
    assert work.retry("action", row.id, _user(Role.MODERATOR))
    assert not work.retry("action", row.id, _user(Role.MODERATOR))  # already pending
    store.close()
