"""The outbox of statements of reasons sent to the EU Transparency Database.

Create Date: 2026-12-03 17:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from rempart.store.migrations.columns import big_id, create_index, create_table, fk, stamp, uq

revision = "0016"
down_revision = "0015"


def upgrade() -> None:
    create_table(
        "tdb_submissions",
        big_id(),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("puid", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        stamp("created_at"),
        stamp("submitted_at", nullable=True),
        sa.Column("uuid", sa.String(64), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(2000), nullable=True),
        fk("tdb_submissions", "decision_id", "decisions"),
        uq("tdb_submissions", "decision_id"),
        uq("tdb_submissions", "puid"),
    )
    create_index("tdb_submissions", "status", "attempts")


def downgrade() -> None:
    op.drop_table("tdb_submissions")
