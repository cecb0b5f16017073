"""Tables of the notice-and-action workflow: users, notices, decisions, appeals, audit events.

Registered on ``models.metadata``; change them only together with a migration. ``audit_events``
is append-only: the migration adds triggers refusing UPDATE and DELETE on both backends.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from rempart.store.models import id_column, metadata, stamp

users = Table(
    "users",
    metadata,
    id_column(Integer),
    Column("username", String(64), nullable=False, unique=True),
    # argon2id encoded hash (parameters and salt included); never the password.
    Column("password_hash", String(255), nullable=False),
    Column("role", String(16), nullable=False),
    stamp("created_at"),
    Column("disabled", Boolean, nullable=False),
)

notices = Table(
    "notices",
    metadata,
    id_column(Integer),
    Column("case_number", String(32), nullable=False, unique=True),
    # sha256 hex of the follow-up secret given to the reporter once.
    Column("secret_sha256", String(64), nullable=False),
    Column("message_link", String(2000), nullable=True),
    Column("invite_link", String(2000), nullable=True),
    Column("chat_id", BigInteger, nullable=True),
    Column("message_id", BigInteger, nullable=True),
    Column("location_text", Text, nullable=True),
    Column("category", String(16), nullable=False),
    # Stored exactly as given; every view escapes it.
    Column("explanation", Text, nullable=False),
    Column("contact_name", String(200), nullable=True),
    Column("contact_email", String(320), nullable=True),
    Column("good_faith", Boolean, nullable=False),
    Column("imminent_danger", Boolean, nullable=False),
    Column("state", String(16), nullable=False),
    stamp("received_at"),
    stamp("deadline"),
    Column("escalated", Boolean, nullable=False),
    Column("assigned_to", Integer, ForeignKey("users.id"), nullable=True),
    stamp("updated_at"),
    Index("ix_notices_state_deadline", "state", "deadline"),
    Index("ix_notices_category_deadline", "category", "deadline"),
)

decisions = Table(
    "decisions",
    metadata,
    id_column(Integer),
    Column("notice_id", Integer, ForeignKey("notices.id"), nullable=False, index=True),
    Column("decided_by", Integer, ForeignKey("users.id"), nullable=False),
    stamp("decided_at", index=True),
    Column("action", String(32), nullable=False),
    # What the reporter is told (no personal data of third parties).
    Column("summary", Text, nullable=False),
    # StatementOfReasons.to_json(); NULL when no action was taken.
    Column("statement", JSON(none_as_null=True), nullable=True),
    # Set when this decision replaces an earlier one after an appeal.
    Column("appeal_id", Integer, ForeignKey("appeals.id"), nullable=True),
)

appeals = Table(
    "appeals",
    metadata,
    id_column(Integer),
    Column("notice_id", Integer, ForeignKey("notices.id"), nullable=False, unique=True),
    stamp("filed_at"),
    Column("reason", Text, nullable=False),
    Column("decided_by", Integer, ForeignKey("users.id"), nullable=True),
    stamp("decided_at", nullable=True),
    Column("outcome", String(16), nullable=True),
    Column("outcome_reason", Text, nullable=True),
)

audit_events = Table(
    "audit_events",
    metadata,
    id_column(),
    stamp("at", index=True),
    Column("actor_type", String(16), nullable=False),  # user, token, public, system
    Column("actor_id", String(200), nullable=True),
    Column("action", String(64), nullable=False),
    Column("object_type", String(32), nullable=False),
    Column("object_id", String(64), nullable=True),
    Column("details", JSON, nullable=False),
    Index("ix_audit_events_object_type_object_id", "object_type", "object_id"),
)
