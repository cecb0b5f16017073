"""Migrations under a lock: several processes migrating one fresh database at once all
succeed, and the schema is migrated once (PostgreSQL advisory lock, SQLite BEGIN IMMEDIATE)."""

from __future__ import annotations

import multiprocessing

from sqlalchemy import text

from rempart.store import make_engine
from rempart.store.engine import head_revisions

PROCESSES = 4


def _migrate(url: str, start: multiprocessing.synchronize.Barrier) -> None:  # type: ignore[name-defined]
    from rempart.store import migrate

    start.wait(30)  # all at once
    migrate(url)


def test_concurrent_migrations(postgres_url: str) -> None:
    db_url = postgres_url  # SQLite serialises writers itself; its lock test is in test_engine
    ctx = multiprocessing.get_context("spawn")  # no forked engines or threads
    start = ctx.Barrier(PROCESSES)
    procs = [ctx.Process(target=_migrate, args=(db_url, start)) for _ in range(PROCESSES)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(180)
    assert [p.exitcode for p in procs] == [0] * PROCESSES
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            versions = [r for (r,) in conn.execute(text("SELECT version_num FROM alembic_version"))]
            tables = conn.execute(text("SELECT count(*) FROM rate_buckets")).scalar_one()
    finally:
        engine.dispose()
    assert frozenset(versions) == head_revisions() and len(versions) == 1
    assert tables == 0
