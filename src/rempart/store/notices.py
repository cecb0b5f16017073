"""The notice-and-action store: notices, decisions and appeals, on SQLite or PostgreSQL.

Each change and its audit event (``store.audit``) are written in one transaction: nothing
happens unlogged. State changes compare-and-set on the notice's state, so two moderators cannot
both decide a notice. Users live in ``store.users``.

Example::

    store = SqlNoticeStore(bank_store.engine)       # after migrate()
    notice = store.create_notice(new, secret_digest(secret), entry)
"""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Connection, Row, insert, select, update

from rempart.core.notices import AppealFilter as AppealFilter
from rempart.core.notices import AppealRecord as AppealRecord
from rempart.core.notices import DecisionFilter as DecisionFilter
from rempart.core.notices import DecisionRecord as DecisionRecord
from rempart.core.notices import NewDecision as NewDecision
from rempart.core.notices import NewNotice as NewNotice
from rempart.core.notices import NoticeFilter as NoticeFilter
from rempart.core.notices import NoticeRecord as NoticeRecord
from rempart.core.workflow import Action, AppealOutcome, Category, NoticeState
from rempart.store.audit import AuditEntry, log_event
from rempart.store.engine import SqlStore
from rempart.store.notice_models import appeals, decisions, notices
from rempart.store.pages import Page, fetch_page
from rempart.store.rows import utc


class StateConflict(Exception):
    """The notice is no longer in the state the change expected (someone else changed it)."""


class NoticeStore(Protocol):
    def create_notice(self, new: NewNotice, secret_sha256: str,
                      audit: AuditEntry) -> NoticeRecord: ...
    def get_notice(self, case_number: str) -> NoticeRecord | None: ...
    def list_notices(self, flt: NoticeFilter, limit: int, offset: int) -> Page[NoticeRecord]: ...
    def list_decisions(self, flt: DecisionFilter, limit: int, offset: int,
                       ) -> Page[tuple[str, DecisionRecord]]: ...
    def list_appeals(self, flt: AppealFilter, limit: int, offset: int,
                     ) -> Page[tuple[str, AppealRecord]]: ...
    def transition(self, notice_id: int, expected: NoticeState, target: NoticeState,
                   audit: AuditEntry, *, assign: int | None = None) -> None: ...
    def add_decision(self, notice_id: int, expected: NoticeState, target: NoticeState,
                     decision: NewDecision, audit: AuditEntry) -> DecisionRecord: ...
    def decisions(self, notice_id: int) -> list[DecisionRecord]: ...
    def file_appeal(self, notice_id: int, reason: str, audit: AuditEntry) -> AppealRecord: ...
    def get_appeal(self, notice_id: int) -> AppealRecord | None: ...
    def decide_appeal(self, notice_id: int, decided_by: int, outcome: AppealOutcome,
                      reason: str, decision: NewDecision | None,
                      audit: AuditEntry) -> AppealRecord: ...
    def statements(self, since: datetime | None, until: datetime | None, limit: int,
                   offset: int) -> Page[tuple[str, DecisionRecord]]: ...


def _notice(row: Row[Any]) -> NoticeRecord:
    m = row._mapping
    new = NewNotice(
        category=Category(m["category"]), explanation=m["explanation"],
        received_at=utc(m["received_at"]), deadline=utc(m["deadline"]),
        escalated=bool(m["escalated"]), good_faith=bool(m["good_faith"]),
        imminent_danger=bool(m["imminent_danger"]), message_link=m["message_link"],
        invite_link=m["invite_link"], chat_id=m["chat_id"], message_id=m["message_id"],
        location_text=m["location_text"], contact_name=m["contact_name"],
        contact_email=m["contact_email"],
    )
    return NoticeRecord(m["id"], m["case_number"], m["secret_sha256"], new,
                        NoticeState(m["state"]), m["assigned_to"], utc(m["updated_at"]))


def _decision(row: Row[Any]) -> DecisionRecord:
    m = row._mapping
    return DecisionRecord(m["id"], m["notice_id"], NewDecision(
        m["decided_by"], utc(m["decided_at"]), Action(m["action"]), m["summary"],
        m["statement"], m["appeal_id"]))


def _appeal(row: Row[Any]) -> AppealRecord:
    m = row._mapping
    return AppealRecord(m["id"], m["notice_id"], utc(m["filed_at"]), m["reason"],
                        m["decided_by"], utc(m["decided_at"]),
                        AppealOutcome(m["outcome"]) if m["outcome"] else None,
                        m["outcome_reason"])


def _decision_values(notice_id: int, d: NewDecision) -> dict[str, Any]:
    return {"notice_id": notice_id, "decided_by": d.decided_by, "decided_at": d.decided_at,
            "action": d.action.value, "summary": d.summary, "statement": d.statement,
            "appeal_id": d.appeal_id}


def case_number(notice_id: int, received_at: datetime) -> str:
    """``RMP-2026-000123``: the year of arrival and the notice's id."""
    return f"RMP-{received_at.year}-{notice_id:06d}"


class SqlNoticeStore(SqlStore):
    """NoticeStore over one SQLAlchemy engine (share the bank store's)."""

    def create_notice(self, new: NewNotice, secret_sha256: str,
                      audit: AuditEntry) -> NoticeRecord:
        """Store a received notice and give it its case number."""
        values = {f.name: getattr(new, f.name) for f in fields(NewNotice)}
        values["category"] = new.category.value
        with self._write() as conn:
            notice_id = conn.execute(insert(notices).values(
                **values, case_number=f"pending-{secret_sha256[:20]}",
                secret_sha256=secret_sha256, state=NoticeState.RECEIVED.value,
                assigned_to=None, updated_at=new.received_at,
            ).returning(notices.c.id)).scalar_one()
            number = case_number(notice_id, new.received_at)
            row = conn.execute(update(notices).where(notices.c.id == notice_id)
                               .values(case_number=number).returning(*notices.c)).one()
            log_event(conn, replace(audit, object_id=audit.object_id or number))
        return _notice(row)

    def get_notice(self, case_number: str) -> NoticeRecord | None:
        row = self._row(notices, notices.c.case_number == case_number)
        return None if row is None else _notice(row)

    def list_notices(self, flt: NoticeFilter, limit: int, offset: int) -> Page[NoticeRecord]:
        """Notices by deadline (most urgent first), then arrival."""
        query = select(notices).order_by(notices.c.deadline, notices.c.id)
        if flt.states:
            query = query.where(notices.c.state.in_([s.value for s in flt.states]))
        if flt.category is not None:
            query = query.where(notices.c.category == flt.category.value)
        if flt.deadline_before is not None:
            query = query.where(notices.c.deadline < flt.deadline_before)
        if flt.escalated is not None:
            query = query.where(notices.c.escalated == flt.escalated)
        if flt.assigned_to is not None:
            query = query.where(notices.c.assigned_to == flt.assigned_to)
        with self._read() as conn:
            rows, total = fetch_page(conn, query, limit, offset)
        return Page([_notice(r) for r in rows], total)

    def _set_state(self, conn: Connection, notice_id: int, expected: NoticeState,
                   target: NoticeState, at: datetime, **extra: Any) -> None:
        result = conn.execute(
            update(notices)
            .where(notices.c.id == notice_id, notices.c.state == expected.value)
            .values(state=target.value, updated_at=at, **extra)
        )
        if result.rowcount != 1:
            raise StateConflict(f"notice {notice_id} is no longer {expected.value}")

    def transition(self, notice_id: int, expected: NoticeState, target: NoticeState,
                   audit: AuditEntry, *, assign: int | None = None) -> None:
        """Move a notice from ``expected`` to ``target`` (and assign it, if given)."""
        extra = {} if assign is None else {"assigned_to": assign}
        with self._write() as conn:
            self._set_state(conn, notice_id, expected, target, audit.at, **extra)
            log_event(conn, audit)

    def add_decision(self, notice_id: int, expected: NoticeState, target: NoticeState,
                     decision: NewDecision, audit: AuditEntry) -> DecisionRecord:
        with self._write() as conn:
            self._set_state(conn, notice_id, expected, target, decision.decided_at)
            row = conn.execute(insert(decisions).values(_decision_values(notice_id, decision))
                               .returning(*decisions.c)).one()
            log_event(conn, audit)
        return _decision(row)

    def decisions(self, notice_id: int) -> list[DecisionRecord]:
        """A notice's decisions, first one first."""
        with self._read() as conn:
            rows = conn.execute(select(decisions).where(decisions.c.notice_id == notice_id)
                                .order_by(decisions.c.id))
            return [_decision(r) for r in rows]

    def list_decisions(self, flt: DecisionFilter, limit: int, offset: int,
                       ) -> Page[tuple[str, DecisionRecord]]:
        """Decisions with their notice's case number, newest first."""
        query = (select(notices.c.case_number, decisions)
                 .join(notices, notices.c.id == decisions.c.notice_id)
                 .order_by(decisions.c.decided_at.desc(), decisions.c.id.desc()))
        if flt.action is not None:
            query = query.where(decisions.c.action == flt.action.value)
        if flt.decided_by is not None:
            query = query.where(decisions.c.decided_by == flt.decided_by)
        if flt.since is not None:
            query = query.where(decisions.c.decided_at >= flt.since)
        if flt.until is not None:
            query = query.where(decisions.c.decided_at < flt.until)
        if flt.after_appeal is not None:
            query = query.where(decisions.c.appeal_id.is_not(None) if flt.after_appeal
                                else decisions.c.appeal_id.is_(None))
        with self._read() as conn:
            rows, total = fetch_page(conn, query, limit, offset)
        return Page([(r.case_number, _decision(r)) for r in rows], total)

    def list_appeals(self, flt: AppealFilter, limit: int, offset: int,
                     ) -> Page[tuple[str, AppealRecord]]:
        """Appeals with their notice's case number, oldest open one first, then newest."""
        query = (select(notices.c.case_number, appeals)
                 .join(notices, notices.c.id == appeals.c.notice_id)
                 .order_by(appeals.c.decided_at.is_not(None), appeals.c.filed_at, appeals.c.id))
        if flt.open is not None:
            query = query.where(appeals.c.decided_at.is_(None) if flt.open
                                else appeals.c.decided_at.is_not(None))
        if flt.outcome is not None:
            query = query.where(appeals.c.outcome == flt.outcome.value)
        if flt.since is not None:
            query = query.where(appeals.c.filed_at >= flt.since)
        if flt.until is not None:
            query = query.where(appeals.c.filed_at < flt.until)
        with self._read() as conn:
            rows, total = fetch_page(conn, query, limit, offset)
        return Page([(r.case_number, _appeal(r)) for r in rows], total)

    def file_appeal(self, notice_id: int, reason: str, audit: AuditEntry) -> AppealRecord:
        """Record an appeal against a decided notice (one per notice)."""
        with self._write() as conn:
            self._set_state(conn, notice_id, NoticeState.DECIDED, NoticeState.APPEALED,
                            audit.at)
            row = conn.execute(insert(appeals).values(
                notice_id=notice_id, filed_at=audit.at, reason=reason,
            ).returning(*appeals.c)).one()
            log_event(conn, audit)
        return _appeal(row)

    def get_appeal(self, notice_id: int) -> AppealRecord | None:
        row = self._row(appeals, appeals.c.notice_id == notice_id)
        return None if row is None else _appeal(row)

    def decide_appeal(self, notice_id: int, decided_by: int, outcome: AppealOutcome,
                      reason: str, decision: NewDecision | None,
                      audit: AuditEntry) -> AppealRecord:
        """Decide a pending appeal, close the notice, store the new decision if any."""
        with self._write() as conn:
            self._set_state(conn, notice_id, NoticeState.APPEALED, NoticeState.CLOSED,
                            audit.at)
            row = conn.execute(
                update(appeals).where(appeals.c.notice_id == notice_id,
                                      appeals.c.decided_at.is_(None))
                .values(decided_by=decided_by, decided_at=audit.at, outcome=outcome.value,
                        outcome_reason=reason).returning(*appeals.c)
            ).one_or_none()
            if row is None:
                raise StateConflict(f"notice {notice_id} has no pending appeal")
            if decision is not None:
                conn.execute(insert(decisions).values(
                    _decision_values(notice_id, replace(decision, appeal_id=row.id))))
            log_event(conn, audit)
        return _appeal(row)

    def statements(self, since: datetime | None, until: datetime | None, limit: int,
                   offset: int) -> Page[tuple[str, DecisionRecord]]:
        """Decisions carrying a statement of reasons, oldest first, with their case number."""
        query = (select(notices.c.case_number, decisions)
                 .join(notices, notices.c.id == decisions.c.notice_id)
                 .where(decisions.c.statement.is_not(None))
                 .order_by(decisions.c.decided_at, decisions.c.id))
        if since is not None:
            query = query.where(decisions.c.decided_at >= since)
        if until is not None:
            query = query.where(decisions.c.decided_at < until)
        with self._read() as conn:
            rows, total = fetch_page(conn, query, limit, offset)
        return Page([(r.case_number, _decision(r)) for r in rows], total)
