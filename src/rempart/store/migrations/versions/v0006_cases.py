"""Victim cases of the protection portal: cases, their items, spent proof-of-work challenges.

Create Date: 2026-12-01 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from rempart.store.migrations.columns import (
    big_id,
    create_index,
    create_table,
    fk,
    stamp,
    timestamps,
    uq,
)

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    create_table(
        "victim_cases",
        big_id(),
        sa.Column("case_number", sa.String(length=32), nullable=False),
        sa.Column("secret_sha256", sa.String(length=64), nullable=False),
        *timestamps(),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("minor", sa.Boolean(), nullable=False),
        sa.Column("contact", sa.String(length=320), nullable=True),
        sa.Column("item_count", sa.Integer(), nullable=False),
        stamp("closed_at", nullable=True),
        uq("victim_cases", "case_number"),
    )
    create_table(
        "case_items",
        big_id(),
        sa.Column("case_id", sa.BigInteger(), nullable=False),
        sa.Column("content_group", sa.String(length=64), nullable=False),
        sa.Column("bank", sa.String(length=200), nullable=False),
        sa.Column("entry_ids", sa.JSON(), nullable=False),
        stamp("created_at"),
        stamp("withdrawn_at", nullable=True),
        fk("case_items", "case_id", "victim_cases", ondelete="CASCADE"),
    )
    create_index("case_items", "case_id", name="ix_case_items_case")
    create_table(
        "case_challenges",
        sa.Column("id", sa.String(length=64), nullable=False),
        stamp("expires_at"),
    )
    create_index("case_challenges", "expires_at")


def downgrade() -> None:
    op.drop_table("case_challenges")
    op.drop_table("case_items")
    op.drop_table("victim_cases")
