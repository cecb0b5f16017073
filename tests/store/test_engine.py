"""SQLite connection tuning: a small page cache for reads, a big one for writes."""

from __future__ import annotations

from sqlalchemy import text

from rempart.store.engine import READ_CACHE_KIB, WRITE_CACHE_KIB, WRITE_OPTION, make_engine


def test_page_cache_follows_the_transaction_kind(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    try:
        with engine.connect().execution_options(**{WRITE_OPTION: True}) as conn, conn.begin():
            assert conn.execute(text("PRAGMA cache_size")).scalar() == WRITE_CACHE_KIB
        with engine.connect() as conn, conn.begin():  # the same pooled connection, shrunk
            assert conn.execute(text("PRAGMA cache_size")).scalar() == READ_CACHE_KIB
    finally:
        engine.dispose()


def test_a_writer_connection_gives_its_cache_back_when_pooled(sqlite_url: str) -> None:
    from rempart.store.engine import SQLITE_WAL_LIMIT_BYTES

    engine = make_engine(sqlite_url)
    try:
        with engine.connect().execution_options(**{WRITE_OPTION: True}) as conn, conn.begin():
            raw = conn.connection.driver_connection
            assert conn.execute(text("PRAGMA cache_size")).scalar() == WRITE_CACHE_KIB
        # Checked back in: shrunk at once, before anyone uses it again.
        assert raw is not None
        assert raw.execute("PRAGMA cache_size").fetchone()[0] == READ_CACHE_KIB
        assert raw.execute("PRAGMA journal_size_limit").fetchone()[0] == SQLITE_WAL_LIMIT_BYTES
    finally:
        engine.dispose()
