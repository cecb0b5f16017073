"""The audit log (table ``audit_events``): one append-only record of who did what, when.

Stores that change something write its event with ``log_event`` inside their own transaction,
so nothing happens unlogged. The log has no update or delete method, and the database refuses
both (triggers added by the migration).

Example::

    audit = SqlAuditLog(bank_store.engine)          # after migrate()
    audit.append_audit(AuditEntry(now, "user", "ana", "notice.lookup", "notice", "RMP-2026-1"))
    audit.list_audit(AuditFilter(actor_id="ana"), limit=50, offset=0).items
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import Connection, insert, select

from rempart.core.audit import AuditEntry as AuditEntry
from rempart.core.audit import AuditEvent as AuditEvent
from rempart.core.audit import AuditFilter as AuditFilter
from rempart.store.engine import SqlStore
from rempart.store.notice_models import audit_events
from rempart.store.pages import Page, fetch_page
from rempart.store.rows import utc


class AuditLog(Protocol):
    def append_audit(self, entry: AuditEntry) -> None: ...
    def list_audit(self, flt: AuditFilter, limit: int, offset: int) -> Page[AuditEvent]: ...


def log_event(conn: Connection, e: AuditEntry) -> None:
    """Write ``e`` on ``conn``: in the caller's transaction, with the change it records."""
    conn.execute(insert(audit_events).values(
        at=e.at, actor_type=e.actor_type, actor_id=e.actor_id, action=e.action,
        object_type=e.object_type, object_id=e.object_id, details=e.details,
    ))


class SqlAuditLog(SqlStore):
    """AuditLog over one SQLAlchemy engine (share the bank store's)."""

    def append_audit(self, entry: AuditEntry) -> None:
        """Log an event on its own (for actions that change nothing else, e.g. a lookup)."""
        with self._write() as conn:
            log_event(conn, entry)

    def list_audit(self, flt: AuditFilter, limit: int, offset: int) -> Page[AuditEvent]:
        """Events, newest first."""
        c = audit_events.c
        query = select(audit_events).order_by(c.id.desc())
        for column, value in ((c.actor_type, flt.actor_type), (c.actor_id, flt.actor_id),
                              (c.action, flt.action), (c.object_type, flt.object_type),
                              (c.object_id, flt.object_id)):
            if value is not None:
                query = query.where(column == value)
        if flt.since is not None:
            query = query.where(c.at >= flt.since)
        if flt.until is not None:
            query = query.where(c.at < flt.until)
        with self._read() as conn:
            rows, total = fetch_page(conn, query, limit, offset)
        return Page([AuditEvent(r.id, AuditEntry(
            utc(r.at), r.actor_type, r.actor_id, r.action, r.object_type, r.object_id,
            r.details)) for r in rows], total)
