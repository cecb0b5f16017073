"""The audit log on SQLite and PostgreSQL: filters, pages, and rows no one can change."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from rempart.store import make_engine, migrate
from rempart.store.audit import AuditEntry, AuditFilter, SqlAuditLog

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def audit(db_url: str) -> Iterator[SqlAuditLog]:
    migrate(db_url)
    engine = make_engine(db_url)
    yield SqlAuditLog(engine)
    engine.dispose()


def entry(action: str, object_id: str | None = None, at: datetime = T0) -> AuditEntry:
    return AuditEntry(at, "system", None, action, "notice", object_id, {"k": 1})


def test_audit_filters(audit: SqlAuditLog) -> None:
    for i in range(5):
        audit.append_audit(entry("a" if i % 2 else "b", str(i), T0 + timedelta(minutes=i)))
    page = audit.list_audit(AuditFilter(action="b"), 2, 0)
    assert page.total == 3 and [e.entry.object_id for e in page.items] == ["4", "2"]
    since = audit.list_audit(AuditFilter(since=T0 + timedelta(minutes=3)), 10, 0)
    assert [e.entry.object_id for e in since.items] == ["4", "3"]
    assert since.items[0].entry.details == {"k": 1}
    assert since.items[0].entry.at == T0 + timedelta(minutes=4)


@pytest.mark.parametrize("statement", [
    "UPDATE audit_events SET action = 'forged'",
    "DELETE FROM audit_events",
])
def test_audit_rows_cannot_be_changed_or_deleted(audit: SqlAuditLog, statement: str) -> None:
    audit.append_audit(entry("notice.submit", "RMP-2026-000001"))
    with pytest.raises(DBAPIError, match="append-only"), audit.engine.begin() as conn:
        conn.execute(text(statement))
    events = audit.list_audit(AuditFilter(), 10, 0)
    assert [e.entry.action for e in events.items] == ["notice.submit"]
    assert not any(hasattr(audit, name) for name in ("update_audit", "delete_audit"))
