"""Redoable writes (``SqlStore._write_redoable``): on PostgreSQL they commit without waiting for
the WAL flush, in their own transaction only; the bot's durable acceptance of updates does not."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Connection, Engine, event, text

from rempart.store.bot import SqlBotStore
from rempart.store.sql import open_store


def _commit_modes(engine: Engine) -> list[str]:
    """``synchronous_commit`` as each transaction of ``engine`` sees it just before its commit."""
    modes: list[str] = []

    @event.listens_for(engine, "commit")
    def _commit(conn: Connection) -> None:
        modes.append(str(conn.exec_driver_sql("SHOW synchronous_commit").scalar()))

    return modes


@pytest.mark.postgres
def test_handling_writes_relax_only_their_own_commit(postgres_url: str) -> None:
    engine = open_store(postgres_url).engine
    try:
        bot = SqlBotStore(engine)
        modes = _commit_modes(engine)
        bot.accept_updates([(7, -100, {"update_id": 7})], offset=8)
        accepted = list(modes)
        modes.clear()
        assert bot.log_message(-100, 1, 42, None, datetime.now(UTC))
        bot.remember_file("uid-1", "ab" * 32, {"status": "checked"})
        bot.update_done(7)
        handled = list(modes)
        with engine.connect() as conn:
            after = conn.execute(text("SHOW synchronous_commit")).scalar()
    finally:
        engine.dispose()
    assert accepted and set(accepted) == {"on"}  # what Telegram handed over is flushed
    assert handled == ["off", "off", "off"]  # redone from the inbox if a crash loses them
    assert after == "on"  # SET LOCAL: the pooled connection is back to durable commits


def test_redoable_writes_are_stored(db_url: str) -> None:
    bot = SqlBotStore(open_store(db_url).engine)
    try:
        bot.accept_updates([(7, -100, {"update_id": 7})], offset=8)
        bot.remember_file("uid-1", None, {"status": "not_checked"})
        bot.update_done(7)
        assert bot.seen_file("uid-1") == {"status": "not_checked"}
        assert bot.get_update(7).status == "done"  # type: ignore[union-attr]
    finally:
        bot.close()
