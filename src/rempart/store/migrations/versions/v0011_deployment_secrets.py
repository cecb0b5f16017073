"""Secrets generated once per deployment (the proof-of-work and entry-id key).

Create Date: 2026-12-03 08:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from rempart.store.migrations.columns import create_table, stamp

revision = "0011"
down_revision = "0010"


def upgrade() -> None:
    create_table(
        "deployment_secrets",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=128), nullable=False),
        stamp("created_at"),
        key=("name",),
    )


def downgrade() -> None:
    op.drop_table("deployment_secrets")
