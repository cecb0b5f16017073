"""SQLAlchemy tables. Change them only together with a migration in ``migrations/versions``.

``seq`` columns carry the change-feed sequence: every insert, update or tombstone of a bank or
entry takes the next numbers from the one-row ``change_counter`` table, whose row lock also
orders concurrent writers, so a reader never sees seq N before every seq < N is committed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy.types import TypeEngine

# Stable constraint names, so migrations can refer to them on every backend.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
    }
)

# BIGINT primary keys do not autoincrement on SQLite; INTEGER there is already 64-bit.
BigId = BigInteger().with_variant(Integer(), "sqlite")
Stamp = DateTime(timezone=True)


def id_column(kind: TypeEngine[int] | type[TypeEngine[int]] = BigId) -> Column[int]:
    """The surrogate primary key ``id``, 64-bit unless ``kind`` says otherwise."""
    return Column("id", kind, primary_key=True)


def stamp(name: str, *, nullable: bool = False, index: bool | None = None) -> Column[datetime]:
    """A time zone-aware instant, required unless ``nullable``."""
    return Column(name, Stamp, nullable=nullable, index=index)


def timestamps() -> tuple[Column[datetime], Column[datetime]]:
    """``created_at`` and ``updated_at``, both required (``Table(..., *timestamps())``)."""
    return stamp("created_at"), stamp("updated_at")


def parent(name: str, table: str, kind: TypeEngine[Any] | type[TypeEngine[Any]] = BigInteger,
           **kw: Any) -> Column[Any]:
    """A required reference to ``<table>.id`` whose row is deleted with its parent row:
    ``parent("bank_id", "banks", Integer)``; ``kw`` goes to the Column (``index=True``)."""
    return Column(name, kind, ForeignKey(f"{table}.id", ondelete="CASCADE"), nullable=False, **kw)


change_counter = Table(
    "change_counter",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("value", BigInteger, nullable=False),
)

banks = Table(
    "banks",
    metadata,
    id_column(Integer),
    Column("name", String(200), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("policy", String(20), nullable=False),
    Column("pdq_threshold", Integer, nullable=False),
    Column("vpdq_threshold", Integer, nullable=False),
    Column("vpdq_query_match_percent", Float, nullable=False),
    Column("vpdq_index_match_percent", Float, nullable=False),
    Column("enabled", Boolean, nullable=False),
    Column("description", Text, nullable=False),
    *timestamps(),
    stamp("deleted_at", nullable=True),
    Column("seq", BigInteger, nullable=False, index=True),
    # A deleted bank keeps its row (its entries' tombstones point at it) and frees its name.
    Index(
        "uq_banks_name_live",
        "name",
        unique=True,
        sqlite_where=text("deleted_at IS NULL"),
        postgresql_where=text("deleted_at IS NULL"),
    ),
)

bank_entries = Table(
    "bank_entries",
    metadata,
    id_column(),
    parent("bank_id", "banks", Integer),
    Column("content_group", String(64), nullable=False, index=True),
    Column("signal_type", String(32), nullable=False),
    Column("value", Text, nullable=False),
    # value if short, else sha256(value): B-tree indexes cannot hold long vPDQ/ORB values.
    Column("lookup_key", String(64), nullable=False),
    Column("quality", Integer, nullable=True),
    Column("status", String(16), nullable=False),
    # bank, unconfirmed or confirmed (core.banks.EntryTrust): with the bank's policy, the action.
    Column("trust", String(16), nullable=False, server_default="bank"),
    Column("source", String(200), nullable=True),
    stamp("submitted_at", nullable=True),
    Column("external_id", String(200), nullable=True),
    Column("case_id", String(200), nullable=True),
    Column("labels", JSON, nullable=False),
    Column("meta", JSON, nullable=False),
    *timestamps(),
    stamp("removed_at", nullable=True),
    Column("removed_reason", Text, nullable=True),
    Column("seq", BigInteger, nullable=False, index=True),
    # Exact lookups across banks, and within one bank (import de-duplication).
    Index("ix_bank_entries_signal_type_lookup_key", "signal_type", "lookup_key"),
    Index("ix_bank_entries_bank_id_signal_type_lookup_key", "bank_id", "signal_type",
          "lookup_key"),
    # Paging in id order through one bank (exports, listings) or one signal type (index loads).
    Index("ix_bank_entries_bank_id_id", "bank_id", "id"),
    Index("ix_bank_entries_signal_type_id", "signal_type", "id"),
    Index("ix_bank_entries_case_id", "case_id"),
)

entry_hits = Table(
    "entry_hits",
    metadata,
    id_column(),
    parent("entry_id", "bank_entries"),
    Column("fingerprint", String(128), nullable=False),
    # Where the match was seen (a chat, an API client) and who posted it, when known.
    Column("place", String(128), nullable=True),
    Column("sender", String(128), nullable=True),
    stamp("at", index=True),
    Index("ix_entry_hits_entry_id_at", "entry_id", "at"),
)

# Scan tables live in their own module, on this metadata.
from rempart.store import bot_models as _bot_models  # noqa: E402, F401
from rempart.store import case_models as _case_models  # noqa: E402, F401
from rempart.store import deployment_models as _deployment_models  # noqa: E402, F401
from rempart.store import exchange_models as _exchange_models  # noqa: E402, F401
from rempart.store import limit_models as _limit_models  # noqa: E402, F401
from rempart.store import notice_models as _notice_models  # noqa: E402, F401
from rempart.store import review_models as _review_models  # noqa: E402, F401
from rempart.store import scan_models as _scan_models  # noqa: E402, F401
from rempart.store import session_models as _session_models  # noqa: E402, F401
from rempart.store import statement_models as _statement_models  # noqa: E402, F401
from rempart.store import tokens as _tokens  # noqa: E402, F401
