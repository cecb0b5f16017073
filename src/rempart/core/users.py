"""A console user and a console session as every layer sees them (never with a password
hash or a session's secret).

Example::

    >>> from datetime import UTC, datetime
    >>> from rempart.core.workflow import Role
    >>> UserRecord(1, "ana", Role.ADMIN, datetime(2026, 1, 1, tzinfo=UTC), False).to_json()["role"]
    'admin'
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from rempart.core.workflow import Role


@dataclass(frozen=True, slots=True)
class UserRecord:
    """A console user as others may see them (no password hash)."""

    id: int
    username: str
    role: Role
    created_at: datetime
    disabled: bool

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "username": self.username, "role": self.role.value,
                "created_at": self.created_at.isoformat(), "disabled": self.disabled}


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """A stored session (without its secret)."""

    id: int
    user_id: int
    csrf: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    revoked_reason: str | None
    user_agent: str | None

    def live(self, now: datetime, idle: timedelta) -> bool:
        """Not revoked, not past its absolute expiry, used within ``idle``."""
        return (self.revoked_at is None and now < self.expires_at
                and now - self.last_seen_at < idle)
