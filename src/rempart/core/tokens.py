"""API tokens as the service sees them: their scopes and what a token allows.

Example::

    >>> from datetime import UTC, datetime
    >>> t = ApiToken(1, "partner", ("match",), None, None, datetime(2026, 1, 1, tzinfo=UTC))
    >>> t.allows("match"), t.allows("banks:write")
    (True, False)
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

SCOPES: tuple[str, ...] = (
    "match", "hash", "banks:read", "banks:write", "metrics", "notices", "findings", "cases",
    "audit", "admin",
)
"""``admin`` implies every other scope (and stays last). ``cases``: review cases (read);
``audit``: the audit log (read)."""


@dataclass(frozen=True, slots=True)
class ApiToken:
    """A stored token (without its secret)."""

    id: int
    name: str
    scopes: tuple[str, ...]
    rate_per_second: float | None
    burst: int | None
    created_at: datetime
    revoked_at: datetime | None = None

    def allows(self, scope: str) -> bool:
        """True when the token carries ``scope`` (or ``admin``)."""
        return scope in self.scopes or "admin" in self.scopes

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "name": self.name, "scopes": list(self.scopes),
            "rate_per_second": self.rate_per_second, "burst": self.burst,
            "created_at": self.created_at.isoformat(),
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
        }


def secret_digest(secret: str) -> str:
    """The stored form of a secret: its sha256, hex (secrets are high-entropy, so a fast hash
    is enough)."""
    return hashlib.sha256(secret.encode()).hexdigest()
