"""Scans (arguments, status, counters, progress cursor), their findings and matched contents.

Create Date: 2026-11-29
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

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    create_table(
        "scans",
        sa.Column("id", sa.String(36), nullable=False),
        *timestamps(),
        stamp("finished_at", nullable=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("banks", sa.JSON(), nullable=True),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("counters", sa.JSON(), nullable=False),
        sa.Column("progress", sa.JSON(), nullable=False),
    )
    create_index("scans", "fingerprint")
    create_table(
        "scan_findings",
        big_id(),
        sa.Column("scan_id", sa.String(36), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("input", sa.String(4000), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("date_utc", sa.String(40), nullable=True),
        sa.Column("finding", sa.JSON(), nullable=False),
        fk("scan_findings", "scan_id", "scans", ondelete="CASCADE"),
        uq("scan_findings", "scan_id", "key"),
    )
    create_index("scan_findings", "chat_id")
    create_index("scan_findings", "scan_id", "seq")
    create_table(
        "scan_finding_contents",
        big_id(),
        sa.Column("finding_id", sa.BigInteger(), nullable=False),
        sa.Column("scan_id", sa.String(36), nullable=False),
        sa.Column("bank", sa.String(200), nullable=False),
        sa.Column("content_group", sa.String(64), nullable=False),
        fk("scan_finding_contents", "finding_id", "scan_findings", ondelete="CASCADE"),
    )
    create_index("scan_finding_contents", "content_group")
    create_index("scan_finding_contents", "finding_id")


def downgrade() -> None:
    op.drop_table("scan_finding_contents")
    op.drop_table("scan_findings")
    op.drop_table("scans")
