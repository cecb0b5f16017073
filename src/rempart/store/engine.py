"""Engines and migrations: one place that knows SQLite's and PostgreSQL's connection quirks.

Example::

    >>> normalize_url("postgresql://u@h/db")
    'postgresql+psycopg://u@h/db'
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Row,
    Table,
    create_engine,
    event,
    inspect,
    select,
    text,
)

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 30_000
# Execution option marking a connection that will write (SQLite: BEGIN IMMEDIATE).
WRITE_OPTION = "rempart_write"


def normalize_url(url: str) -> str:
    """Use psycopg 3 for bare ``postgresql://`` / ``postgres://`` URLs."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


READ_CACHE_KIB = -8192  # SQLite page cache of a read transaction (negative: KiB)
WRITE_CACHE_KIB = -65536
_BIG_CACHE = "rempart_write_cache"
SQLITE_WAL_LIMIT_BYTES = 64 * 1024 * 1024


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; on SQLite: WAL, busy timeout, foreign keys, explicit BEGINs."""
    url = normalize_url(url)
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        _tune_sqlite(engine)
    return engine


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's own is unreliable).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        # A long-running server always has a reader somewhere: once the WAL restarts, cut the
        # file back (without a limit it keeps the size of the largest burst, GBs after imports).
        cur.execute(f"PRAGMA journal_size_limit={SQLITE_WAL_LIMIT_BYTES}")
        cur.execute(f"PRAGMA cache_size={READ_CACHE_KIB}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        # A writer takes the write lock up front: upgrading a read lock later can fail with
        # SQLITE_BUSY without waiting for the busy timeout.
        immediate = conn.get_execution_options().get(WRITE_OPTION, False)
        # Writers get a big page cache (bulk inserts touch random index pages); readers a small
        # one, so a long-lived server's pooled connections do not each keep 64 MiB of pages
        # after a full scan (lowering the size frees the excess pages at once).
        size = WRITE_CACHE_KIB if immediate else READ_CACHE_KIB
        conn.exec_driver_sql(f"PRAGMA cache_size={size}")
        if immediate:
            conn.connection.info[_BIG_CACHE] = True
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    @event.listens_for(engine, "checkin")
    def _checkin(dbapi_conn: Any, record: Any) -> None:
        # Back in the pool after a write: give the write's page cache back at once (a bulk
        # insert fills all 64 MiB), not whenever this connection is next used.
        if dbapi_conn is not None and record.info.pop(_BIG_CACHE, False):
            cur = dbapi_conn.cursor()
            cur.execute(f"PRAGMA cache_size={READ_CACHE_KIB}")
            cur.close()


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config pointing at the packaged migrations (and ``connection``, if given)."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def migrate(url: str, revision: str = "head") -> None:
    """Bring the database at ``url`` up to ``revision`` (creating tables on first run)."""
    engine = make_engine(url)
    try:
        migrate_engine(engine, revision)
    finally:
        engine.dispose()


_REVISION = re.compile(r'^(down_revision|revision)\s*=\s*(?:"([^"]*)"|None)', re.M)


@cache
def head_revisions() -> frozenset[str]:
    """The packaged migrations' head revisions, read from their files (no Alembic import)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("v*.py"):
        for name, value in _REVISION.findall(path.read_text(encoding="utf-8")):
            if value:
                (revisions if name == "revision" else parents).add(value)
    return frozenset(revisions - parents)


def current_revisions(conn: Connection) -> frozenset[str]:
    """The revisions a database is stamped with (empty for a new one)."""
    if not inspect(conn).has_table("alembic_version"):
        return frozenset()
    return frozenset(r for (r,) in conn.execute(text("SELECT version_num FROM alembic_version")))


# pg_advisory_xact_lock key of migrations: any fixed 64-bit number ("rempart!" in ASCII).
MIGRATION_LOCK_KEY = 0x72656D7061727421


def migrate_engine(engine: Engine, revision: str = "head") -> None:
    """Bring the database behind ``engine`` up to ``revision``.

    Every process of a deployment (``serve --workers N``, the bot, workers) calls this at start:
    one migrates, the others wait for it and then find the head. The lock is PostgreSQL's
    transaction-level advisory lock (released at commit, or when a crashed migrator's
    connection closes), and on SQLite the write lock taken by ``BEGIN IMMEDIATE``.

    A database already at the head is recognised without loading Alembic (about 10 MB a
    long-running server would otherwise keep for nothing), and without taking the lock."""
    if revision == "head":
        with engine.connect() as conn:
            if current_revisions(conn) == head_revisions():
                return
    with engine.connect() as conn:
        conn.execution_options(**{WRITE_OPTION: True})  # SQLite: BEGIN IMMEDIATE
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                             {"key": MIGRATION_LOCK_KEY})
            if revision == "head" and current_revisions(conn) == head_revisions():
                return  # another process migrated while this one waited
            from alembic import command

            command.upgrade(alembic_config(conn), revision)


class SqlStore:
    """Base of the SQL stores: one engine, short read and write transactions.

    Writes are marked so that SQLite takes its write lock at ``BEGIN`` (no upgrade deadlocks).
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def close(self) -> None:
        """Release the connection pool."""
        self.engine.dispose()

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            conn.execution_options(**{WRITE_OPTION: True})
            with conn.begin():
                yield conn

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn, conn.begin():
            yield conn

    def _row(self, table: Table, *where: ColumnElement[bool]) -> Row[Any] | None:
        """The one row of ``table`` matching ``where``, or ``None``: ``self._row(users,
        users.c.id == 7)``."""
        with self._read() as conn:
            return conn.execute(select(table).where(*where)).one_or_none()
