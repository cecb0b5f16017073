"""Columns, constraints and indexes as the migrations write them.

:func:`create_table` (its primary key), ``fk``, ``uq`` and :func:`create_index` name what they
make by the naming convention of ``rempart.store.models.metadata`` (``pk_<table>``,
``fk_<table>_<column>_<referred table>``, ``uq_<table>_<columns>``, ``ix_<table>_<columns>``),
so a migration only spells out a name that departs from it::

    create_table(  # pk_password_links, on "id"
        "password_links",
        big_id(),
        sa.Column("user_id", sa.Integer(), nullable=False),
        stamp("used_at", nullable=True),
        fk("password_links", "user_id", "users"),  # fk_password_links_user_id_users
    )
    create_index("password_links", "user_id")  # ix_password_links_user_id
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.schema import SchemaItem

STAMP = sa.DateTime(timezone=True)
"""A moment, stored with its time zone on PostgreSQL."""

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
"""A 64-bit key: BIGINT on PostgreSQL; INTEGER on SQLite, whose BIGINT keys do not autoincrement."""


def big_id() -> sa.Column[int]:
    """The autoincremented 64-bit ``id`` of a table."""
    return sa.Column("id", BIG_ID, autoincrement=True, nullable=False)


def int_id() -> sa.Column[int]:
    """The autoincremented 32-bit ``id`` of a small table (banks, users, notices…)."""
    return sa.Column("id", sa.Integer(), nullable=False)


def stamp(name: str, *, nullable: bool = False) -> sa.Column[Any]:
    """A :data:`STAMP` column, required unless ``nullable``."""
    return sa.Column(name, STAMP, nullable=nullable)


def timestamps() -> tuple[sa.Column[Any], sa.Column[Any]]:
    """``created_at`` and ``updated_at``, both required (``create_table(..., *timestamps())``)."""
    return stamp("created_at"), stamp("updated_at")


def pk(table: str, *columns: str) -> sa.PrimaryKeyConstraint:
    """``pk_<table>`` on ``columns`` (``id`` when none are given)."""
    return sa.PrimaryKeyConstraint(*(columns or ("id",)), name=f"pk_{table}")


def create_table(name: str, *items: SchemaItem, key: tuple[str, ...] = ("id",)) -> sa.Table:
    """Create the table ``name`` of ``items`` (columns, constraints), keyed by :func:`pk` on
    ``key``: ``create_table("bot_state", ..., key=("key",))`` makes ``pk_bot_state`` on ``key``."""
    return op.create_table(name, *items, pk(name, *key))


def fk(
    table: str, column: str, referred: str, *, ondelete: str | None = None
) -> sa.ForeignKeyConstraint:
    """``fk_<table>_<column>_<referred>``: ``column`` refers to ``referred.id``."""
    return sa.ForeignKeyConstraint(
        [column], [f"{referred}.id"], name=f"fk_{table}_{column}_{referred}", ondelete=ondelete
    )


def uq(table: str, *columns: str, name: str | None = None) -> sa.UniqueConstraint:
    """A unique constraint on ``columns``, ``uq_<table>_<columns>`` unless ``name`` is given."""
    return sa.UniqueConstraint(*columns, name=name or f"uq_{table}_{'_'.join(columns)}")


def index_name(table: str, *columns: str) -> str:
    """The conventional name of an index: ``ix_<table>_<columns>``."""
    return f"ix_{table}_{'_'.join(columns)}"


def create_index(table: str, *columns: str, name: str | None = None, **kw: Any) -> None:
    """Create an index on ``columns``, ``ix_<table>_<columns>`` unless ``name`` is given.

    ``kw`` goes to :func:`alembic.op.create_index` (``unique=True``, ``sqlite_where=…``)."""
    op.create_index(name or index_name(table, *columns), table, list(columns), **kw)


def drop_index(table: str, *columns: str, name: str | None = None) -> None:
    """Drop the index :func:`create_index` made with the same arguments."""
    op.drop_index(name or index_name(table, *columns), table_name=table)
