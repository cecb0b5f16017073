"""Victim cases of the protection portal: cases, their items, spent proof-of-work challenges.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _id() -> sa.Column[int]:
    return sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                     autoincrement=True, nullable=False)


def upgrade() -> None:
    op.create_table(
        "victim_cases",
        _id(),
        sa.Column("case_number", sa.String(length=32), nullable=False),
        sa.Column("secret_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("minor", sa.Boolean(), nullable=False),
        sa.Column("contact", sa.String(length=320), nullable=True),
        sa.Column("item_count", sa.Integer(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_victim_cases")),
        sa.UniqueConstraint("case_number", name=op.f("uq_victim_cases_case_number")),
    )
    op.create_table(
        "case_items",
        _id(),
        sa.Column("case_id", sa.BigInteger(), nullable=False),
        sa.Column("content_group", sa.String(length=64), nullable=False),
        sa.Column("bank", sa.String(length=200), nullable=False),
        sa.Column("entry_ids", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["victim_cases.id"],
                                name=op.f("fk_case_items_case_id_victim_cases"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_items")),
    )
    with op.batch_alter_table("case_items", schema=None) as batch_op:
        batch_op.create_index("ix_case_items_case", ["case_id"], unique=False)
    op.create_table(
        "case_challenges",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_challenges")),
    )
    with op.batch_alter_table("case_challenges", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_challenges_expires_at"), ["expires_at"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("case_challenges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_challenges_expires_at"))
    op.drop_table("case_challenges")
    with op.batch_alter_table("case_items", schema=None) as batch_op:
        batch_op.drop_index("ix_case_items_case")
    op.drop_table("case_items")
    op.drop_table("victim_cases")
