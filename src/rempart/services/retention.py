"""Retention: delete what has outlived its purpose, by the periods of ``Settings.retention``
(docs/privacy.md says what is kept, why and for how long).

``purge`` runs every kind in turn (one short transaction each) and returns what it deleted,
or with ``dry_run`` what it would delete. Run it daily (``rempart purge`` from cron or a
systemd timer; a scheduled task once the task queue exists).

Example::

    policy = RetentionPolicy.from_settings(settings)
    for done in purge(SqlRetentionStore(engine), policy, utc_now()):
        print(done.kind, done.count)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from rempart.config import Settings

PROOF_OF_WORK = "proof_of_work"


class RetentionStore(Protocol):
    """What purging needs of the store (``SqlRetentionStore``)."""

    def purge(self, kind: str, before: datetime, now: datetime, dry_run: bool = False) -> int: ...

    def clear_closed_contacts(self, dry_run: bool = False) -> int: ...


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    """How long each kind of data is kept (kind → period)."""

    periods: dict[str, timedelta]

    @classmethod
    def from_settings(cls, settings: Settings) -> RetentionPolicy:
        """The configured periods; the flood guard's hit log never shorter than its window."""
        r = settings.retention
        days = {
            "bot_messages": r.bot_messages_days,
            "bot_seen_files": r.bot_messages_days,
            "entry_hits": max(r.entry_hits_days, settings.flood_window_seconds / 86400),
            "tombstones": r.tombstones_days,
            "closed_cases": r.closed_cases_days,
            "sessions": r.sessions_days,
            "password_links": r.sessions_days,
            "login_failures": r.login_failures_days,
            # Spent challenges and rate buckets go when they expire (their own dates).
            PROOF_OF_WORK: 0.0,
            "rate_buckets": 0.0,
        }
        return cls({kind: timedelta(days=d) for kind, d in days.items()})


@dataclass(frozen=True, slots=True)
class Purged:
    """One kind of data: rows older than ``before`` deleted (or that would be)."""

    kind: str
    before: datetime
    count: int
    dry_run: bool

    def to_json(self) -> dict[str, object]:
        return {"kind": self.kind, "before": self.before.isoformat(), "count": self.count,
                "dry_run": self.dry_run}


CLOSED_CONTACTS = "closed_case_contacts"


def purge(store: RetentionStore, policy: RetentionPolicy, now: datetime,
          dry_run: bool = False) -> list[Purged]:
    """Apply every retention period once; what was (or would be) deleted, kind by kind."""
    done = [Purged(CLOSED_CONTACTS, now, store.clear_closed_contacts(dry_run), dry_run)]
    for kind, period in policy.periods.items():
        before = now - period
        done.append(Purged(kind, before, store.purge(kind, before, now, dry_run), dry_run))
    return done
