"""Notice-and-action: users, notices, decisions, appeals and the append-only audit log.

Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from rempart.store.migrations.columns import (
    big_id,
    create_index,
    create_table,
    fk,
    int_id,
    stamp,
    uq,
)

revision = "0004"
down_revision = "0003"

_SQLITE_TRIGGERS = tuple(
    f"CREATE TRIGGER audit_events_no_{verb.lower()} BEFORE {verb} ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"
    for verb in ("UPDATE", "DELETE")
)
_POSTGRES_TRIGGERS = (
    "CREATE FUNCTION rempart_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION 'audit_events is append-only'; END $$",
    "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
    "FOR EACH ROW EXECUTE FUNCTION rempart_audit_append_only()",
    "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
    "FOR EACH STATEMENT EXECUTE FUNCTION rempart_audit_append_only()",
)


def upgrade() -> None:
    create_table(
        "users",
        int_id(),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        stamp("created_at"),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        uq("users", "username"),
    )
    create_table(
        "notices",
        int_id(),
        sa.Column("case_number", sa.String(32), nullable=False),
        sa.Column("secret_sha256", sa.String(64), nullable=False),
        sa.Column("message_link", sa.String(2000), nullable=True),
        sa.Column("invite_link", sa.String(2000), nullable=True),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("location_text", sa.Text(), nullable=True),
        sa.Column("category", sa.String(16), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("contact_name", sa.String(200), nullable=True),
        sa.Column("contact_email", sa.String(320), nullable=True),
        sa.Column("good_faith", sa.Boolean(), nullable=False),
        sa.Column("imminent_danger", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        stamp("received_at"),
        stamp("deadline"),
        sa.Column("escalated", sa.Boolean(), nullable=False),
        sa.Column("assigned_to", sa.Integer(), nullable=True),
        stamp("updated_at"),
        fk("notices", "assigned_to", "users"),
        uq("notices", "case_number"),
    )
    create_index("notices", "state", "deadline")
    create_index("notices", "category", "deadline")
    create_table(
        "appeals",
        int_id(),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        stamp("filed_at"),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        stamp("decided_at", nullable=True),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("outcome_reason", sa.Text(), nullable=True),
        fk("appeals", "notice_id", "notices"),
        fk("appeals", "decided_by", "users"),
        uq("appeals", "notice_id"),
    )
    create_table(
        "decisions",
        int_id(),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=False),
        stamp("decided_at"),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("statement", sa.JSON(), nullable=True),
        sa.Column("appeal_id", sa.Integer(), nullable=True),
        fk("decisions", "notice_id", "notices"),
        fk("decisions", "decided_by", "users"),
        fk("decisions", "appeal_id", "appeals"),
    )
    create_index("decisions", "notice_id")
    create_index("decisions", "decided_at")
    create_table(
        "audit_events",
        big_id(),
        stamp("at"),
        sa.Column("actor_type", sa.String(16), nullable=False),
        sa.Column("actor_id", sa.String(200), nullable=True),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("object_type", sa.String(32), nullable=False),
        sa.Column("object_id", sa.String(64), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
    )
    create_index("audit_events", "at")
    create_index("audit_events", "object_type", "object_id")
    dialect = op.get_bind().dialect.name
    for statement in _POSTGRES_TRIGGERS if dialect == "postgresql" else _SQLITE_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    op.drop_table("audit_events")  # its triggers go with it
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS rempart_audit_append_only()")
    op.drop_table("decisions")
    op.drop_table("appeals")
    op.drop_table("notices")
    op.drop_table("users")
