"""The notice store on SQLite and PostgreSQL: notices, decisions, appeals."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from rempart.core.workflow import Action, AppealOutcome, Category, NoticeState, Role
from rempart.store import make_engine, migrate
from rempart.store.audit import AuditEntry, AuditFilter, SqlAuditLog
from rempart.store.notices import (
    NewDecision,
    NewNotice,
    NoticeFilter,
    SqlNoticeStore,
    StateConflict,
)
from rempart.store.users import SqlUserStore

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    migrate(db_url)
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def store(engine: Engine) -> SqlNoticeStore:
    return SqlNoticeStore(engine)


def entry(action: str, object_id: str | None = None, at: datetime = T0) -> AuditEntry:
    return AuditEntry(at, "system", None, action, "notice", object_id, {"k": 1})


def notice(category: Category = Category.NCII, hours: float = 24, **over: object) -> NewNotice:
    values: dict[str, object] = {
        "category": category, "explanation": "<b>shared</b> without consent",
        "received_at": T0, "deadline": T0 + timedelta(hours=hours), "escalated": hours == 0,
        "good_faith": True, "message_link": "https://t.me/c/100/200", "chat_id": -100123,
        "message_id": 200,
    }
    values.update(over)
    return NewNotice(**values)  # type: ignore[arg-type]


def test_notice_lifecycle(store: SqlNoticeStore, engine: Engine) -> None:
    first = store.create_notice(notice(), "a" * 64, entry("notice.submit"))
    assert first.case_number == f"RMP-2026-{first.id:06d}"
    assert first.state is NoticeState.RECEIVED
    assert first.new == notice()  # explanation stored as given, times in UTC
    assert store.get_notice(first.case_number) == first
    assert store.get_notice("RMP-2026-999999") is None

    users = SqlUserStore(engine)
    mod = users.create_user("mod-one", "h", Role.MODERATOR, entry("user.create"))
    other = users.create_user("mod-two", "h", Role.MODERATOR, entry("user.create"))
    store.transition(first.id, NoticeState.RECEIVED, NoticeState.IN_REVIEW,
                     entry("notice.assign", first.case_number), assign=mod.id)
    with pytest.raises(StateConflict):  # a second moderator lost the race
        store.transition(first.id, NoticeState.RECEIVED, NoticeState.IN_REVIEW,
                         entry("notice.assign"), assign=other.id)
    decided = store.add_decision(
        first.id, NoticeState.IN_REVIEW, NoticeState.DECIDED,
        NewDecision(mod.id, T0 + timedelta(hours=1), Action.REMOVE, "removed", {"a": [1]}),
        entry("notice.decide"))
    assert decided.new.statement == {"a": [1]}
    appeal = store.file_appeal(first.id, "please look again", entry("notice.appeal"))
    assert appeal.outcome is None and store.get_appeal(first.id) == appeal
    store.decide_appeal(
        first.id, other.id, AppealOutcome.REVERSED, "was wrong",
        NewDecision(other.id, T0 + timedelta(hours=2), Action.NO_ACTION, "restored", None),
        entry("appeal.decide"))
    closed = store.get_notice(first.case_number)
    assert closed is not None and closed.state is NoticeState.CLOSED
    assert closed.assigned_to == mod.id
    both = store.decisions(first.id)
    assert [d.new.action for d in both] == [Action.REMOVE, Action.NO_ACTION]
    assert both[1].new.appeal_id == appeal.id
    decided_appeal = store.get_appeal(first.id)
    assert decided_appeal is not None and decided_appeal.outcome is AppealOutcome.REVERSED
    with pytest.raises(StateConflict):
        store.file_appeal(first.id, "again", entry("notice.appeal"))
    statements = store.statements(None, None, 10, 0)  # only decisions with a statement
    assert statements.total == 1 and statements.items[0][0] == first.case_number


def test_list_filters_and_pages(store: SqlNoticeStore) -> None:
    made = [store.create_notice(notice(c, h), f"{i:064x}", entry("notice.submit"))
            for i, (c, h) in enumerate([(Category.NCII, 24), (Category.CSAM, 0),
                                        (Category.OTHER, 168), (Category.NCII, 12)])]
    page = store.list_notices(NoticeFilter(), 2, 0)
    assert page.total == 4
    assert [n.id for n in page.items] == [made[1].id, made[3].id]  # most urgent first
    assert [n.id for n in store.list_notices(NoticeFilter(), 2, 2).items] == [
        made[0].id, made[2].id]
    ncii = store.list_notices(NoticeFilter(category=Category.NCII), 10, 0)
    assert {n.id for n in ncii.items} == {made[0].id, made[3].id}
    soon = store.list_notices(NoticeFilter(deadline_before=T0 + timedelta(hours=13)), 10, 0)
    assert {n.id for n in soon.items} == {made[1].id, made[3].id}
    assert store.list_notices(NoticeFilter(escalated=True), 10, 0).total == 1
    assert store.list_notices(NoticeFilter(states=(NoticeState.DECIDED,)), 10, 0).total == 0


def test_each_change_is_audited(store: SqlNoticeStore, engine: Engine) -> None:
    made = store.create_notice(notice(), "b" * 64, entry("notice.submit"))
    store.transition(made.id, NoticeState.RECEIVED, NoticeState.IN_REVIEW,
                     entry("notice.assign", made.case_number))
    events = SqlAuditLog(engine).list_audit(AuditFilter(object_type="notice"), 10, 0).items
    assert [(e.entry.action, e.entry.object_id) for e in events] == [
        ("notice.assign", made.case_number), ("notice.submit", made.case_number)]
