"""Locks shared by every process of a deployment, held while a piece of work runs: one chat's
bot updates (so that they stay in order across workers) or the bot's outbox sender (one at a
time among the receivers).

On PostgreSQL a lock is a session advisory lock on a connection of its own: a process that
dies (``kill -9``) loses its connection, and the lock with it. On SQLite (one machine) it is a
POSIX byte-range lock on a file beside the database, which the kernel also drops with the
process; an in-memory database has only one process, so a lock inside it is enough.

Example::

    locks = ChatLocks(engine)
    held = locks.try_lock("chat", -1001234)     # None: another process holds it
    if held is not None:
        try:
            ...                                 # handle the chat's updates
        finally:
            held.release()
"""

from __future__ import annotations

import fcntl
import os
import threading
import zlib
from typing import Protocol

from sqlalchemy import Connection, Engine, text

# Advisory locks are two int4s: a namespace per kind of lock, then the key's hash. Two keys
# sharing a hash only wait for each other.
_NAMESPACES = {"chat": 0x52424301, "sender": 0x52424302}
_SLOTS = 1 << 20  # byte offsets of the SQLite lock file
_REGISTRY: dict[str, set[int]] = {}
_REGISTRY_GUARD = threading.RLock()


class HeldLock(Protocol):
    """A lock this process holds until :meth:`release`."""

    def alive(self) -> bool:
        """Whether the lock is still held (a PostgreSQL connection can be lost)."""
        ...

    def release(self) -> None:
        """Let go of the lock (idempotent)."""
        ...


def _slot(kind: str, key: int) -> int:
    """A stable int4 for ``key`` of ``kind``."""
    return zlib.crc32(f"{kind}:{key}".encode()) & 0x7FFFFFFF


class _PgLock:
    def __init__(self, conn: Connection, kind: str, key: int) -> None:
        self._conn: Connection | None = conn
        self._args = {"ns": _NAMESPACES[kind], "k": _slot(kind, key)}

    def alive(self) -> bool:
        if self._conn is None:
            return False
        try:
            self._conn.execute(text("SELECT 1"))
            self._conn.commit()
        except Exception:
            self._conn = None
            return False
        return True

    def release(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            conn.execute(text("SELECT pg_advisory_unlock(:ns, :k)"), self._args)
            conn.commit()
        finally:
            conn.close()


class _LocalLock:
    def __init__(self, locks: ChatLocks, slot: int) -> None:
        self._locks: ChatLocks | None = locks
        self._slot = slot

    def alive(self) -> bool:
        return self._locks is not None

    def release(self) -> None:
        locks, self._locks = self._locks, None
        if locks is not None:
            locks._release_local(self._slot)


class ChatLocks:
    """Non-blocking named locks across the processes sharing ``engine``'s database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._fd: int | None = None
        self._pid = os.getpid()
        database = engine.url.database
        self._path = (f"{database}.locks" if engine.dialect.name == "sqlite" and database
                      and database != ":memory:" else None)
        # Slots this process holds, shared by every instance on the same database: POSIX
        # locks are per process, so they do not keep two threads of one process apart.
        with _REGISTRY_GUARD:
            self._held = _REGISTRY.setdefault(self._path or f"memory:{id(engine)}", set())
        self._guard = _REGISTRY_GUARD

    def try_lock(self, kind: str, key: int) -> HeldLock | None:
        """Take lock ``key`` of ``kind`` (``chat`` or ``sender``) at once, or None when
        another process (or thread) holds it."""
        if self.engine.dialect.name == "postgresql":
            return self._try_pg(kind, key)
        slot = (_NAMESPACES[kind] ^ _slot(kind, key)) % _SLOTS
        with self._guard:
            if slot in self._held:
                return None
            fd = self._file()
            if fd is not None:
                try:
                    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, slot)
                except OSError:
                    return None
            self._held.add(slot)
        return _LocalLock(self, slot)

    def _try_pg(self, kind: str, key: int) -> HeldLock | None:
        conn = self.engine.connect()
        try:
            got = conn.execute(text("SELECT pg_try_advisory_lock(:ns, :k)"),
                               {"ns": _NAMESPACES[kind], "k": _slot(kind, key)}).scalar()
            conn.commit()  # the lock is the session's: no transaction left open
        except BaseException:
            conn.close()
            raise
        if not got:
            conn.close()
            return None
        return _PgLock(conn, kind, key)

    def _file(self) -> int | None:
        if self._path is None:
            return None
        if self._fd is None or self._pid != os.getpid():  # a forked child opens its own
            self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
            self._pid = os.getpid()
        return self._fd

    def _release_local(self, slot: int) -> None:
        with self._guard:
            self._held.discard(slot)
            if self._fd is not None and self._pid == os.getpid():
                fcntl.lockf(self._fd, fcntl.LOCK_UN, 1, slot)
