"""Durable bot work: updates done only when handled (inbox), an outbox of Bot API calls.

Create Date: 2026-12-02 19:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from rempart.store.migrations.columns import (
    big_id,
    create_index,
    create_table,
    stamp,
    timestamps,
    uq,
)

revision = "0009"
down_revision = "0008"


def upgrade() -> None:
    create_table(
        "bot_updates",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        stamp("next_at"),
        sa.Column("error", sa.String(length=300), nullable=True),
        stamp("received_at"),
        stamp("updated_at"),
        key=("update_id",),
    )
    create_index("bot_updates", "status", "next_at")
    create_table(
        "bot_outbox",
        big_id(),
        sa.Column("dedup_key", sa.String(length=200), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("params", sa.JSON(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        stamp("next_at"),
        sa.Column("error", sa.String(length=300), nullable=True),
        sa.Column("update_id", sa.BigInteger(), nullable=True),
        *timestamps(),
        uq("bot_outbox", "dedup_key"),
    )
    create_index("bot_outbox", "status", "next_at")
    # The per-update marks of the old scheme are replaced by the inbox.
    op.execute("DELETE FROM bot_state WHERE key LIKE 'done:%'")


def downgrade() -> None:
    op.drop_table("bot_outbox")
    op.drop_table("bot_updates")
