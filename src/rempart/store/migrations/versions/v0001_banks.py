"""Banks, bank entries (with tombstones and change sequence), entry hits, change counter.

Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from rempart.store.migrations.columns import (
    big_id,
    create_index,
    create_table,
    fk,
    int_id,
    stamp,
    timestamps,
)

revision = "0001"
down_revision = None


def upgrade() -> None:
    counter = create_table(
        "change_counter",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
    )
    op.bulk_insert(counter, [{"id": 1, "value": 0}])
    create_table(
        "banks",
        int_id(),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("policy", sa.String(20), nullable=False),
        sa.Column("pdq_threshold", sa.Integer(), nullable=False),
        sa.Column("vpdq_threshold", sa.Integer(), nullable=False),
        sa.Column("vpdq_query_match_percent", sa.Float(), nullable=False),
        sa.Column("vpdq_index_match_percent", sa.Float(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        *timestamps(),
        stamp("deleted_at", nullable=True),
        sa.Column("seq", sa.BigInteger(), nullable=False),
    )
    create_index("banks", "seq")
    create_index(
        "banks",
        "name",
        name="uq_banks_name_live",
        unique=True,
        sqlite_where=sa.text("deleted_at IS NULL"),
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    create_table(
        "bank_entries",
        big_id(),
        sa.Column("bank_id", sa.Integer(), nullable=False),
        sa.Column("content_group", sa.String(64), nullable=False),
        sa.Column("signal_type", sa.String(32), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("lookup_key", sa.String(64), nullable=False),
        sa.Column("quality", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("source", sa.String(200), nullable=True),
        stamp("submitted_at", nullable=True),
        sa.Column("external_id", sa.String(200), nullable=True),
        sa.Column("case_id", sa.String(200), nullable=True),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("meta", sa.JSON(), nullable=False),
        *timestamps(),
        stamp("removed_at", nullable=True),
        sa.Column("removed_reason", sa.Text(), nullable=True),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        fk("bank_entries", "bank_id", "banks", ondelete="CASCADE"),
    )
    create_index("bank_entries", "content_group")
    create_index("bank_entries", "seq")
    create_index("bank_entries", "bank_id", "signal_type", "lookup_key")
    create_index("bank_entries", "signal_type", "lookup_key")
    create_index("bank_entries", "bank_id", "id")
    create_index("bank_entries", "signal_type", "id")
    create_table(
        "entry_hits",
        big_id(),
        sa.Column("entry_id", sa.BigInteger(), nullable=False),
        sa.Column("fingerprint", sa.String(128), nullable=False),
        stamp("at"),
        fk("entry_hits", "entry_id", "bank_entries", ondelete="CASCADE"),
    )
    create_index("entry_hits", "at")
    create_index("entry_hits", "entry_id", "at")


def downgrade() -> None:
    op.drop_table("entry_hits")
    op.drop_table("bank_entries")
    op.drop_table("banks")
    op.drop_table("change_counter")
