"""Tables of console sessions and one-time password links (migration 0007).

Registered on ``models.metadata``; change them only together with a migration. Secrets are
stored as their sha256 only.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table

from rempart.store.models import id_column, metadata, stamp


def _user_secret() -> tuple[Column[Any], ...]:
    """``id``, the sha256 hex of a secret handed to a user (never the secret), and the user."""
    return (
        id_column(),
        Column("secret_sha256", String(64), nullable=False, unique=True),
        Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    )


console_sessions = Table(
    "console_sessions",
    metadata,
    *_user_secret(),
    # Token that forms of this session carry (double checked against the posted field).
    Column("csrf", String(64), nullable=False),
    stamp("created_at"),
    stamp("last_seen_at"),
    stamp("expires_at"),
    stamp("revoked_at", nullable=True),
    Column("revoked_reason", String(32), nullable=True),
    Column("user_agent", String(200), nullable=True),
    Index("ix_console_sessions_user_id", "user_id"),
)

password_links = Table(
    "password_links",
    metadata,
    *_user_secret(),
    stamp("created_at"),
    stamp("expires_at"),
    stamp("used_at", nullable=True),
)
