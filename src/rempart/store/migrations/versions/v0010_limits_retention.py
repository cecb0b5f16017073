"""Shared rate limits, login lockout and retention.

Create Date: 2026-12-02 19:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from rempart.store.migrations.columns import create_index, create_table, drop_index, stamp

revision = "0010"
down_revision = "0009"

# Retention: the purge finds tombstones, bot messages and closed cases by date.
_RETENTION_INDEXES = (
    ("bank_entries", "removed_at"),
    ("bot_messages", "at"),
    ("victim_cases", "closed_at"),
)


def upgrade() -> None:
    create_table(
        "rate_buckets",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("level", sa.Float(), nullable=False),
        sa.Column("stamp", sa.Float(), nullable=False),
        sa.Column("expires", sa.Float(), nullable=False),
        sa.Column("granted", sa.Boolean(), nullable=False),
        key=("key",),
    )
    create_index("rate_buckets", "expires")
    create_table(
        "login_failures",
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        stamp("window_start"),
        stamp("locked_until", nullable=True),
        stamp("updated_at"),
        key=("username",),
    )
    create_index("login_failures", "updated_at")
    for table, column in _RETENTION_INDEXES:
        create_index(table, column)


def downgrade() -> None:
    for table, column in reversed(_RETENTION_INDEXES):
        drop_index(table, column)
    op.drop_table("login_failures")
    op.drop_table("rate_buckets")
