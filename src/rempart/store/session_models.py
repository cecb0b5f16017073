"""Tables of console sessions and one-time password links (migration 0007).

Registered on ``models.metadata``; change them only together with a migration. Secrets are
stored as their sha256 only.
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table

from rempart.store.models import BigId, Stamp, metadata

console_sessions = Table(
    "console_sessions",
    metadata,
    Column("id", BigId, primary_key=True),
    # sha256 hex of the cookie's secret; the secret itself is never stored.
    Column("secret_sha256", String(64), nullable=False, unique=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    # Token that forms of this session carry (double checked against the posted field).
    Column("csrf", String(64), nullable=False),
    Column("created_at", Stamp, nullable=False),
    Column("last_seen_at", Stamp, nullable=False),
    Column("expires_at", Stamp, nullable=False),
    Column("revoked_at", Stamp, nullable=True),
    Column("revoked_reason", String(32), nullable=True),
    Column("user_agent", String(200), nullable=True),
    Index("ix_console_sessions_user_id", "user_id"),
)

password_links = Table(
    "password_links",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("secret_sha256", String(64), nullable=False, unique=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("created_at", Stamp, nullable=False),
    Column("expires_at", Stamp, nullable=False),
    Column("used_at", Stamp, nullable=True),
)
