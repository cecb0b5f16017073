"""Banks, bank entries (with tombstones and change sequence), entry hits, change counter.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_STAMP = sa.DateTime(timezone=True)
_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    counter = op.create_table(
        "change_counter",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_change_counter"),
    )
    op.bulk_insert(counter, [{"id": 1, "value": 0}])
    op.create_table(
        "banks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("policy", sa.String(20), nullable=False),
        sa.Column("pdq_threshold", sa.Integer(), nullable=False),
        sa.Column("vpdq_threshold", sa.Integer(), nullable=False),
        sa.Column("vpdq_query_match_percent", sa.Float(), nullable=False),
        sa.Column("vpdq_index_match_percent", sa.Float(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", _STAMP, nullable=False),
        sa.Column("updated_at", _STAMP, nullable=False),
        sa.Column("deleted_at", _STAMP, nullable=True),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_banks"),
    )
    op.create_index("ix_banks_seq", "banks", ["seq"])
    op.create_index(
        "uq_banks_name_live",
        "banks",
        ["name"],
        unique=True,
        sqlite_where=sa.text("deleted_at IS NULL"),
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.create_table(
        "bank_entries",
        sa.Column("id", _BIG_ID, nullable=False),
        sa.Column("bank_id", sa.Integer(), nullable=False),
        sa.Column("content_group", sa.String(64), nullable=False),
        sa.Column("signal_type", sa.String(32), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("lookup_key", sa.String(64), nullable=False),
        sa.Column("quality", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("source", sa.String(200), nullable=True),
        sa.Column("submitted_at", _STAMP, nullable=True),
        sa.Column("external_id", sa.String(200), nullable=True),
        sa.Column("case_id", sa.String(200), nullable=True),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("meta", sa.JSON(), nullable=False),
        sa.Column("created_at", _STAMP, nullable=False),
        sa.Column("updated_at", _STAMP, nullable=False),
        sa.Column("removed_at", _STAMP, nullable=True),
        sa.Column("removed_reason", sa.Text(), nullable=True),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["bank_id"], ["banks.id"], name="fk_bank_entries_bank_id_banks", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_bank_entries"),
    )
    op.create_index("ix_bank_entries_content_group", "bank_entries", ["content_group"])
    op.create_index("ix_bank_entries_seq", "bank_entries", ["seq"])
    op.create_index(
        "ix_bank_entries_bank_id_signal_type_lookup_key",
        "bank_entries",
        ["bank_id", "signal_type", "lookup_key"],
    )
    op.create_index(
        "ix_bank_entries_signal_type_lookup_key", "bank_entries", ["signal_type", "lookup_key"]
    )
    op.create_index("ix_bank_entries_bank_id_id", "bank_entries", ["bank_id", "id"])
    op.create_index("ix_bank_entries_signal_type_id", "bank_entries", ["signal_type", "id"])
    op.create_table(
        "entry_hits",
        sa.Column("id", _BIG_ID, nullable=False),
        sa.Column("entry_id", sa.BigInteger(), nullable=False),
        sa.Column("fingerprint", sa.String(128), nullable=False),
        sa.Column("at", _STAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["bank_entries.id"],
            name="fk_entry_hits_entry_id_bank_entries",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_entry_hits"),
    )
    op.create_index("ix_entry_hits_at", "entry_hits", ["at"])
    op.create_index("ix_entry_hits_entry_id_at", "entry_hits", ["entry_id", "at"])


def downgrade() -> None:
    op.drop_table("entry_hits")
    op.drop_table("bank_entries")
    op.drop_table("banks")
    op.drop_table("change_counter")
