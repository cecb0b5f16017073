"""The SQLAlchemy bank store: one implementation of the bank Protocols for SQLite and PostgreSQL.

``SqlBankStore`` is assembled from ``bank_table``, ``entry_writes``, ``entry_reads``,
``change_feed`` and ``hit_log``, over the transactions of ``transactions``.

Example::

    store = open_store("sqlite:///rempart.sqlite3")   # migrates, then serves
    bank = store.create_bank(NewBank("victims", BankKind.VICTIM))
"""

from __future__ import annotations

from rempart.store.engine import make_engine, migrate_engine
from rempart.store.sql.bank_table import BankTable
from rempart.store.sql.change_feed import ChangeFeedReads
from rempart.store.sql.entry_reads import EntryReads
from rempart.store.sql.entry_writes import EntryWrites
from rempart.store.sql.hit_log import HitLog

__all__ = ["SqlBankStore", "open_store"]


class SqlBankStore(BankTable, EntryWrites, EntryReads, ChangeFeedReads, HitLog):
    """BankStore, ChangeFeed and HitLog over one SQLAlchemy engine."""


def open_store(url: str, migrate: bool = True) -> SqlBankStore:
    """A store on ``url``, migrated to the latest schema first unless ``migrate`` is False."""
    engine = make_engine(url)
    if migrate:
        migrate_engine(engine)
    return SqlBankStore(engine)
