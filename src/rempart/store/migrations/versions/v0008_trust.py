"""Bank entry trust (bank / unconfirmed / confirmed) and where each flood-guard hit was seen.

Create Date: 2026-12-02 19:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from rempart.store.migrations.columns import create_index, drop_index

revision = "0008"
down_revision = "0007"


def upgrade() -> None:
    with op.batch_alter_table("bank_entries") as batch:
        batch.add_column(
            sa.Column("trust", sa.String(length=16), nullable=False, server_default="bank")
        )
    create_index("bank_entries", "case_id")
    # Victim-portal registrations made before trust levels existed were never confirmed.
    op.execute("UPDATE bank_entries SET trust = 'unconfirmed' WHERE source = 'victim-portal'")
    with op.batch_alter_table("entry_hits") as batch:
        batch.add_column(sa.Column("place", sa.String(length=128), nullable=True))
        batch.add_column(sa.Column("sender", sa.String(length=128), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("entry_hits") as batch:
        batch.drop_column("sender")
        batch.drop_column("place")
    drop_index("bank_entries", "case_id")
    with op.batch_alter_table("bank_entries") as batch:
        batch.drop_column("trust")
