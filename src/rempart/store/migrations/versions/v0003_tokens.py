"""API tokens: name, sha256 of the secret, scopes, optional rate limit, revocation.

Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from rempart.store.migrations.columns import create_table, int_id, stamp, uq

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    create_table(
        "api_tokens",
        int_id(),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("secret_sha256", sa.String(64), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("rate_per_second", sa.Float(), nullable=True),
        sa.Column("burst", sa.Integer(), nullable=True),
        stamp("created_at"),
        stamp("revoked_at", nullable=True),
        uq("api_tokens", "secret_sha256"),
    )


def downgrade() -> None:
    op.drop_table("api_tokens")
