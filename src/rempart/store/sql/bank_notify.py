"""Waiting for bank changes on PostgreSQL: ``LISTEN rempart_banks`` on a connection of its own
(migration 0013's trigger notifies it on every change to the banks).

The change feed stays the source of truth: a notification only says "read the feed now". A
lost connection is reopened (with backoff), and the caller reads the feed after each reconnect,
so nothing committed while it was away is missed.

Example::

    bell = BankBell("postgresql+psycopg://rempart@db/rempart")
    if bell.wait(60.0):        # True: a change was committed (or the connection was renewed)
        matching.refresh()
    bell.close()
"""

from __future__ import annotations

import logging
import threading

import psycopg
from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)
CHANNEL = "rempart_banks"


def libpq_url(url: str) -> str:
    """An SQLAlchemy PostgreSQL URL as libpq takes it.

    >>> libpq_url("postgresql+psycopg://rempart:pw@db:5432/rempart")
    'postgresql://rempart:pw@db:5432/rempart'
    """
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class BankBell:
    """A listening connection; :meth:`wait` returns when the banks changed."""

    def __init__(self, url: str, connect_timeout: float = 5.0) -> None:
        self._dsn = libpq_url(url)
        self._timeout = connect_timeout
        self._conn: psycopg.Connection[tuple[object, ...]] | None = None
        self._lock = threading.Lock()
        self._closed = False

    def wait(self, timeout: float) -> bool:
        """Block until a change is notified (True), or ``timeout`` seconds (False). A fresh
        connection also answers True at once: changes may have been missed meanwhile. A
        connection error is raised once the connection is dropped (call again to reconnect)."""
        conn = self._conn
        if conn is None or conn.closed:
            self._connect()
            return True
        try:
            for _ in conn.notifies(timeout=timeout, stop_after=1):
                return True
        except psycopg.Error:
            self._drop()
            if self._closed:
                return False
            raise
        return False

    def close(self) -> None:
        """Stop listening (a :meth:`wait` in another thread returns)."""
        self._closed = True
        self._drop()

    def _connect(self) -> None:
        with self._lock:
            conn = psycopg.connect(self._dsn, autocommit=True,
                                   connect_timeout=max(1, int(self._timeout)))
            conn.execute(f"LISTEN {CHANNEL}")
            self._conn = conn

    def _drop(self) -> None:
        with self._lock:
            conn, self._conn = self._conn, None
        if conn is not None and not conn.closed:
            try:
                conn.close()
            except psycopg.Error:  # already broken
                log.debug("closing the listening connection failed", exc_info=True)
