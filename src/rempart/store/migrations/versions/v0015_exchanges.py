"""Hash exchanges filling banks (with their checkpoints), the outbox of feedback sent back to
them, and the tokens that follow one bank's change feed.

Create Date: 2026-12-03 16:45:00.000000
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
    uq,
)

revision = "0015"
down_revision = "0014"


def upgrade() -> None:
    create_table(
        "exchanges",
        int_id(),
        sa.Column("name", sa.String(63), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("bank_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(2000), nullable=True),
        sa.Column("checkpoint", sa.JSON(), nullable=True),
        stamp("created_at"),
        stamp("fetched_at", nullable=True),
        sa.Column("last_error", sa.String(2000), nullable=True),
        sa.Column("added", sa.Integer(), nullable=False),
        sa.Column("withdrawn", sa.Integer(), nullable=False),
        fk("exchanges", "bank_id", "banks", ondelete="CASCADE"),
        uq("exchanges", "name"),
        uq("exchanges", "bank_id"),
    )
    create_table(
        "exchange_feedback",
        big_id(),
        sa.Column("exchange_id", sa.Integer(), nullable=False),
        sa.Column("review_item_id", sa.BigInteger(), nullable=False),
        sa.Column("signal_type", sa.String(32), nullable=False),
        sa.Column("value", sa.String(64), nullable=False),
        sa.Column("opinion", sa.String(32), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        stamp("created_at"),
        stamp("sent_at", nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(2000), nullable=True),
        fk("exchange_feedback", "exchange_id", "exchanges", ondelete="CASCADE"),
        uq("exchange_feedback", "exchange_id", "review_item_id"),
    )
    create_table(
        "bank_feed_tokens",
        int_id(),
        sa.Column("name", sa.String(63), nullable=False),
        sa.Column("bank_id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        stamp("created_at"),
        stamp("revoked_at", nullable=True),
        fk("bank_feed_tokens", "bank_id", "banks", ondelete="CASCADE"),
        uq("bank_feed_tokens", "digest"),
    )
    create_index("bank_feed_tokens", "bank_id")


def downgrade() -> None:
    op.drop_table("bank_feed_tokens")
    op.drop_table("exchange_feedback")
    op.drop_table("exchanges")
