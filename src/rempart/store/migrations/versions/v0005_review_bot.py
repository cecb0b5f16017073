"""Review queue (matches and flagged texts awaiting a human) and the Telegram bot's state.

Create Date: 2026-11-29 08:26:44.238186
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

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    create_table(
        "bot_chats",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("title", sa.String(length=300), nullable=True),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("settings", sa.JSON(), nullable=False),
        sa.Column("rights", sa.JSON(), nullable=False),
        stamp("updated_at"),
        key=("chat_id",),
    )
    create_table(
        "bot_messages",
        big_id(),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=True),
        sa.Column("sender_chat_id", sa.BigInteger(), nullable=True),
        stamp("at"),
        sa.Column("deleted", sa.Integer(), nullable=False),
        uq("bot_messages", "chat_id", "message_id", name="uq_bot_messages_chat_message"),
    )
    create_index("bot_messages", "chat_id", "user_id", "at", name="ix_bot_messages_chat_user_at")
    create_table(
        "bot_seen_files",
        sa.Column("file_unique_id", sa.String(length=128), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("verdict", sa.JSON(), nullable=False),
        stamp("seen_at"),
        key=("file_unique_id",),
    )
    create_table(
        "bot_state",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        key=("key",),
    )
    create_table(
        "bot_strikes",
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        stamp("last_at"),
        key=("chat_id", "user_id"),
    )
    create_table(
        "review_items",
        big_id(),
        *timestamps(),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("bank", sa.String(length=200), nullable=True),
        sa.Column("entry_id", sa.BigInteger(), nullable=True),
        sa.Column("content_group", sa.String(length=64), nullable=True),
        sa.Column("signal", sa.String(length=16), nullable=True),
        sa.Column("distance", sa.Integer(), nullable=True),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("location", sa.JSON(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("dedup_key", sa.String(length=200), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        stamp("decided_at", nullable=True),
        sa.Column("decision", sa.String(length=32), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        fk("review_items", "decided_by", "users"),
        uq("review_items", "dedup_key"),
    )
    create_index("review_items", "status", "created_at", name="ix_review_items_status_created")


def downgrade() -> None:
    op.drop_table("review_items")
    op.drop_table("bot_strikes")
    op.drop_table("bot_state")
    op.drop_table("bot_seen_files")
    op.drop_table("bot_messages")
    op.drop_table("bot_chats")
