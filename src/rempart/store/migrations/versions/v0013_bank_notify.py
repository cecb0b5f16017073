"""On PostgreSQL, every change to the banks notifies the channel ``rempart_banks`` (payload: the
change feed's new seq), so that every replica's follower wakes at once instead of polling.
Every bank or entry change takes its seq from the one-row ``change_counter``; a trigger on it
covers them all. SQLite has no other process to tell: nothing to do there.

Create Date: 2026-12-03 14:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"

CHANNEL = "rempart_banks"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"""
        CREATE OR REPLACE FUNCTION rempart_bank_changed() RETURNS trigger AS $$
        BEGIN
            PERFORM pg_notify('{CHANNEL}', NEW.value::text);
            RETURN NULL;
        END;
        $$ LANGUAGE plpgsql
    """)
    op.execute("""
        CREATE TRIGGER rempart_bank_changed AFTER UPDATE ON change_counter
        FOR EACH ROW EXECUTE FUNCTION rempart_bank_changed()
    """)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER IF EXISTS rempart_bank_changed ON change_counter")
    op.execute("DROP FUNCTION IF EXISTS rempart_bank_changed()")
