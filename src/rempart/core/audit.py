"""Audit events as every layer sees them: an entry to log, a logged event, a filter.

Example::

    >>> from datetime import UTC, datetime
    >>> e = AuditEntry(datetime(2026, 1, 1, tzinfo=UTC), "user", "ana", "notice.lookup",
    ...                "notice", "RMP-2026-1")
    >>> AuditEvent(1, e).to_json()["action"]
    'notice.lookup'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One event to log. ``object_id`` None on a new notice: the store fills in its case."""

    at: datetime
    actor_type: str  # user, token, public, system
    actor_id: str | None
    action: str
    object_type: str
    object_id: str | None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """A logged event and its place in the log."""

    id: int
    entry: AuditEntry

    def to_json(self) -> dict[str, Any]:
        e = self.entry
        return {"id": self.id, "at": e.at.isoformat(), "actor_type": e.actor_type,
                "actor_id": e.actor_id, "action": e.action, "object_type": e.object_type,
                "object_id": e.object_id, "details": e.details}


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """Which events to list; None matches anything."""

    actor_type: str | None = None
    actor_id: str | None = None
    action: str | None = None
    object_type: str | None = None
    object_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
