"""The outbox of statements of reasons for the EU Transparency Database, on SQLite or
PostgreSQL (table ``tdb_submissions``).

Example::

    outbox = SqlStatementOutbox(engine)          # after migrate()
    outbox.queue_new(lambda decision_id: f"rmp-{decision_id}", limit=1000)
    for pending in outbox.pending(100, max_attempts=5): ...
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import func, insert, select, update

from rempart.core.workflow import Action
from rempart.store.engine import SqlStore
from rempart.store.notice_models import decisions, notices
from rempart.store.rows import utc, utc_now
from rempart.store.statement_models import tdb_submissions

PENDING, SUBMITTED = "pending", "submitted"
ERROR_CHARS = 2000


@dataclass(frozen=True, slots=True)
class PendingStatement:
    """A queued statement: its decision's action and stored statement, and the notice's
    private values (contact, links), which must appear nowhere in what is sent."""

    id: int
    puid: str
    decision_id: int
    action: Action
    statement: Mapping[str, Any]
    private: tuple[str, ...]
    attempts: int


class StatementOutbox(Protocol):
    def queue_new(self, puid_for: Callable[[int], str], limit: int) -> int: ...
    def pending(self, limit: int, max_attempts: int) -> list[PendingStatement]: ...
    def mark_submitted(self, uuids: Mapping[int, str | None], note: str | None = None
                       ) -> None: ...
    def mark_failed(self, errors: Mapping[int, str]) -> None: ...
    def counts(self, max_attempts: int) -> dict[str, int]: ...
    def failures(self, limit: int) -> list[dict[str, Any]]: ...


class SqlStatementOutbox(SqlStore):
    """StatementOutbox over one SQLAlchemy engine (share the bank store's)."""

    def queue_new(self, puid_for: Callable[[int], str], limit: int) -> int:
        """Queue up to ``limit`` decisions with a statement not queued yet (oldest first)."""
        t = tdb_submissions.c
        query = (select(decisions.c.id).outerjoin(tdb_submissions,
                                                  t.decision_id == decisions.c.id)
                 .where(decisions.c.statement.is_not(None), t.id.is_(None))
                 .order_by(decisions.c.id).limit(limit))
        now = utc_now()
        with self._write() as conn:
            ids = list(conn.execute(query).scalars())
            if ids:
                conn.execute(insert(tdb_submissions), [
                    {"decision_id": i, "puid": puid_for(i), "status": PENDING,
                     "created_at": now, "submitted_at": None, "uuid": None, "attempts": 0,
                     "error": None} for i in ids])
        return len(ids)

    def pending(self, limit: int, max_attempts: int) -> list[PendingStatement]:
        """Pending statements tried fewer than ``max_attempts`` times, least tried first."""
        t, n = tdb_submissions.c, notices.c
        query = (select(t.id, t.puid, t.decision_id, t.attempts, decisions.c.action,
                        decisions.c.statement, n.contact_name, n.contact_email,
                        n.message_link, n.invite_link, n.location_text)
                 .join(decisions, decisions.c.id == t.decision_id)
                 .join(notices, notices.c.id == decisions.c.notice_id)
                 .where(t.status == PENDING, t.attempts < max_attempts)
                 .order_by(t.attempts, t.id).limit(limit))
        with self._read() as conn:
            rows = conn.execute(query).all()
        return [PendingStatement(
            r.id, r.puid, r.decision_id, Action(r.action), r.statement or {},
            tuple(v for v in (r.contact_name, r.contact_email, r.message_link, r.invite_link,
                              r.location_text) if v and v.strip()), r.attempts)
            for r in rows]

    def mark_submitted(self, uuids: Mapping[int, str | None], note: str | None = None
                       ) -> None:
        """Mark accepted statements (by outbox id) with the database's uuid, if given."""
        now = utc_now()
        with self._write() as conn:
            for row_id, uuid in uuids.items():
                conn.execute(update(tdb_submissions).where(tdb_submissions.c.id == row_id)
                             .values(status=SUBMITTED, submitted_at=now, uuid=uuid,
                                     error=note, attempts=tdb_submissions.c.attempts + 1))

    def mark_failed(self, errors: Mapping[int, str]) -> None:
        """Keep each failed statement pending with its one-line error, one more attempt."""
        with self._write() as conn:
            for row_id, error in errors.items():
                conn.execute(update(tdb_submissions).where(tdb_submissions.c.id == row_id)
                             .values(error=error[:ERROR_CHARS],
                                     attempts=tdb_submissions.c.attempts + 1))

    def counts(self, max_attempts: int) -> dict[str, int]:
        """``submitted``, ``pending`` (to try again) and ``given_up`` (tried too often)."""
        t = tdb_submissions.c
        with self._read() as conn:
            rows = conn.execute(select(t.status, t.attempts, func.count())
                                .group_by(t.status, t.attempts)).all()
        out = {SUBMITTED: 0, PENDING: 0, "given_up": 0}
        for status, attempts, count in rows:
            key = "given_up" if status == PENDING and attempts >= max_attempts else status
            out[key] = out.get(key, 0) + count
        return out

    def failures(self, limit: int) -> list[dict[str, Any]]:
        """Pending statements with an error, most tried first (the outbox as people see it)."""
        t = tdb_submissions.c
        with self._read() as conn:
            rows = conn.execute(select(t.puid, t.decision_id, t.attempts, t.error, t.created_at)
                                .where(t.status == PENDING, t.error.is_not(None))
                                .order_by(t.attempts.desc(), t.id).limit(limit)).all()
        return [{"puid": r.puid, "decision_id": r.decision_id, "attempts": r.attempts,
                 "error": r.error, "queued_at": utc(r.created_at).isoformat()} for r in rows]

