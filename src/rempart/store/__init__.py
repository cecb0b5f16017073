"""Persistence: Protocols in ``interface``, tables in ``models``, SQLAlchemy store in ``sql``.

Example::

    from rempart import store
    store.migrate("sqlite:///rempart.sqlite3")
    bank_store = store.open_store("sqlite:///rempart.sqlite3")
"""

from rempart.store.engine import make_engine, migrate, normalize_url
from rempart.store.sql import SqlBankStore, open_store

__all__ = ["SqlBankStore", "make_engine", "migrate", "normalize_url", "open_store"]
