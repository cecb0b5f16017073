"""Shared rate limits, login lockout and retention.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 19:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_buckets",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("level", sa.Float(), nullable=False),
        sa.Column("stamp", sa.Float(), nullable=False),
        sa.Column("expires", sa.Float(), nullable=False),
        sa.Column("granted", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_rate_buckets")),
    )
    op.create_index(op.f("ix_rate_buckets_expires"), "rate_buckets", ["expires"])
    op.create_table(
        "login_failures",
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("username", name=op.f("pk_login_failures")),
    )
    op.create_index(op.f("ix_login_failures_updated_at"), "login_failures", ["updated_at"])
    # Retention: the purge finds tombstones, bot messages and closed cases by date.
    op.create_index("ix_bank_entries_removed_at", "bank_entries", ["removed_at"])
    op.create_index("ix_bot_messages_at", "bot_messages", ["at"])
    op.create_index("ix_victim_cases_closed_at", "victim_cases", ["closed_at"])


def downgrade() -> None:
    op.drop_index("ix_victim_cases_closed_at", table_name="victim_cases")
    op.drop_index("ix_bot_messages_at", table_name="bot_messages")
    op.drop_index("ix_bank_entries_removed_at", table_name="bank_entries")
    op.drop_index(op.f("ix_login_failures_updated_at"), table_name="login_failures")
    op.drop_table("login_failures")
    op.drop_index(op.f("ix_rate_buckets_expires"), table_name="rate_buckets")
    op.drop_table("rate_buckets")
