"""Console sessions kept on the server (revocable) and one-time password links.

Create Date: 2026-12-02 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from rempart.store.migrations.columns import big_id, create_index, create_table, fk, stamp, uq

revision = "0007"
down_revision = "0006"


def upgrade() -> None:
    create_table(
        "console_sessions",
        big_id(),
        sa.Column("secret_sha256", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("csrf", sa.String(length=64), nullable=False),
        stamp("created_at"),
        stamp("last_seen_at"),
        stamp("expires_at"),
        stamp("revoked_at", nullable=True),
        sa.Column("revoked_reason", sa.String(length=32), nullable=True),
        sa.Column("user_agent", sa.String(length=200), nullable=True),
        fk("console_sessions", "user_id", "users"),
        uq("console_sessions", "secret_sha256"),
    )
    create_index("console_sessions", "user_id")
    create_table(
        "password_links",
        big_id(),
        sa.Column("secret_sha256", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        stamp("created_at"),
        stamp("expires_at"),
        stamp("used_at", nullable=True),
        fk("password_links", "user_id", "users"),
        uq("password_links", "secret_sha256"),
    )


def downgrade() -> None:
    op.drop_table("password_links")
    op.drop_table("console_sessions")
