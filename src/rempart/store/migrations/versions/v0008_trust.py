"""Bank entry trust (bank / unconfirmed / confirmed) and where each flood-guard hit was seen.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 19:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("bank_entries") as batch:
        batch.add_column(sa.Column("trust", sa.String(length=16), nullable=False,
                                   server_default="bank"))
    op.create_index("ix_bank_entries_case_id", "bank_entries", ["case_id"])
    # Victim-portal registrations made before trust levels existed were never confirmed.
    op.execute("UPDATE bank_entries SET trust = 'unconfirmed' WHERE source = 'victim-portal'")
    with op.batch_alter_table("entry_hits") as batch:
        batch.add_column(sa.Column("place", sa.String(length=128), nullable=True))
        batch.add_column(sa.Column("sender", sa.String(length=128), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("entry_hits") as batch:
        batch.drop_column("sender")
        batch.drop_column("place")
    op.drop_index("ix_bank_entries_case_id", table_name="bank_entries")
    with op.batch_alter_table("bank_entries") as batch:
        batch.drop_column("trust")
