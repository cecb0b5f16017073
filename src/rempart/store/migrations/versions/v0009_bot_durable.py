"""Durable bot work: updates done only when handled (inbox), an outbox of Bot API calls.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 19:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _stamp(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "bot_updates",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _stamp("next_at"),
        sa.Column("error", sa.String(length=300), nullable=True),
        _stamp("received_at"),
        _stamp("updated_at"),
        sa.PrimaryKeyConstraint("update_id", name=op.f("pk_bot_updates")),
    )
    with op.batch_alter_table("bot_updates", schema=None) as batch_op:
        batch_op.create_index("ix_bot_updates_status_next_at", ["status", "next_at"],
                              unique=False)
    op.create_table(
        "bot_outbox",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  autoincrement=True, nullable=False),
        sa.Column("dedup_key", sa.String(length=200), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("params", sa.JSON(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _stamp("next_at"),
        sa.Column("error", sa.String(length=300), nullable=True),
        sa.Column("update_id", sa.BigInteger(), nullable=True),
        _stamp("created_at"),
        _stamp("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bot_outbox")),
        sa.UniqueConstraint("dedup_key", name=op.f("uq_bot_outbox_dedup_key")),
    )
    with op.batch_alter_table("bot_outbox", schema=None) as batch_op:
        batch_op.create_index("ix_bot_outbox_status_next_at", ["status", "next_at"],
                              unique=False)
    # The per-update marks of the old scheme are replaced by the inbox.
    op.execute("DELETE FROM bot_state WHERE key LIKE 'done:%'")


def downgrade() -> None:
    with op.batch_alter_table("bot_outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_bot_outbox_status_next_at")
    op.drop_table("bot_outbox")
    with op.batch_alter_table("bot_updates", schema=None) as batch_op:
        batch_op.drop_index("ix_bot_updates_status_next_at")
    op.drop_table("bot_updates")
