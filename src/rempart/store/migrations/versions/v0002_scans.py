"""Scans (arguments, status, counters, progress cursor), their findings and matched contents.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_STAMP = sa.DateTime(timezone=True)
_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "scans",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("created_at", _STAMP, nullable=False),
        sa.Column("updated_at", _STAMP, nullable=False),
        sa.Column("finished_at", _STAMP, nullable=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("banks", sa.JSON(), nullable=True),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("counters", sa.JSON(), nullable=False),
        sa.Column("progress", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_scans"),
    )
    op.create_index("ix_scans_fingerprint", "scans", ["fingerprint"])
    op.create_table(
        "scan_findings",
        sa.Column("id", _BIG_ID, nullable=False),
        sa.Column("scan_id", sa.String(36), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("input", sa.String(4000), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("date_utc", sa.String(40), nullable=True),
        sa.Column("finding", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["scan_id"], ["scans.id"], name="fk_scan_findings_scan_id_scans", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_scan_findings"),
        sa.UniqueConstraint("scan_id", "key", name="uq_scan_findings_scan_id_key"),
    )
    op.create_index("ix_scan_findings_chat_id", "scan_findings", ["chat_id"])
    op.create_index("ix_scan_findings_scan_id_seq", "scan_findings", ["scan_id", "seq"])
    op.create_table(
        "scan_finding_contents",
        sa.Column("id", _BIG_ID, nullable=False),
        sa.Column("finding_id", sa.BigInteger(), nullable=False),
        sa.Column("scan_id", sa.String(36), nullable=False),
        sa.Column("bank", sa.String(200), nullable=False),
        sa.Column("content_group", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(
            ["finding_id"],
            ["scan_findings.id"],
            name="fk_scan_finding_contents_finding_id_scan_findings",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_scan_finding_contents"),
    )
    op.create_index(
        "ix_scan_finding_contents_content_group", "scan_finding_contents", ["content_group"]
    )
    op.create_index(
        "ix_scan_finding_contents_finding_id", "scan_finding_contents", ["finding_id"]
    )


def downgrade() -> None:
    op.drop_table("scan_finding_contents")
    op.drop_table("scan_findings")
    op.drop_table("scans")
