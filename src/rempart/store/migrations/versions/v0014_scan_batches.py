"""The batches of a distributed scan (``rempart scan --distributed``): one row per range of an
input's items, marked done in the transaction that stores its findings.

Create Date: 2026-12-03 15:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from rempart.store.migrations.columns import big_id, create_index, create_table, fk, stamp, uq

revision = "0014"
down_revision = "0013"


def upgrade() -> None:
    create_table(
        "scan_batches",
        big_id(),
        sa.Column("scan_id", sa.String(36), nullable=False),
        sa.Column("input", sa.String(4000), nullable=False),
        sa.Column("input_index", sa.Integer(), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("stop", sa.Integer(), nullable=True),
        sa.Column("done", sa.Boolean(), nullable=False),
        stamp("sent_at", nullable=True),
        stamp("touched_at", nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("counters", sa.JSON(), nullable=False),
        sa.Column("error", sa.String(4000), nullable=True),
        sa.Column("seq_from", sa.Integer(), nullable=True),
        sa.Column("seq_to", sa.Integer(), nullable=True),
        fk("scan_batches", "scan_id", "scans", ondelete="CASCADE"),
        uq("scan_batches", "scan_id", "input_index", "start"),
    )
    create_index("scan_batches", "scan_id")


def downgrade() -> None:
    op.drop_table("scan_batches")
