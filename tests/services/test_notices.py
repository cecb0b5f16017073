"""The notice-and-action and user services on a real (SQLite) database with a test clock."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher

from rempart.config import NoticeSettings
from rempart.core.workflow import (
    Action,
    AppealOutcome,
    Category,
    NoticeState,
    Role,
    StatementOfReasons,
)
from rempart.services.errors import InvalidArgument
from rempart.services.notices import (
    NotAllowed,
    NoticeConflict,
    NoticeNotFound,
    NoticeService,
    Submission,
)
from rempart.services.users import SYSTEM, Actor, UserService, UserTaken
from rempart.store import make_engine, migrate
from rempart.store.audit import AuditFilter, SqlAuditLog
from rempart.store.notices import NoticeFilter, SqlNoticeStore
from rempart.store.users import SqlUserStore

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
PASSWORD = "correct horse battery"


def statement(**over: object) -> StatementOfReasons:
    """A removal for non-consensual image sharing."""
    return StatementOfReasons.from_json({
        "decision_ground": "DECISION_GROUND_ILLEGAL_CONTENT",
        "illegal_content_legal_ground": "Code pénal art. 226-2-1",
        "illegal_content_explanation": "Sexual image disclosed without agreement.",
        "category": "STATEMENT_CATEGORY_CYBER_VIOLENCE_AGAINST_WOMEN",
        "content_type": ["CONTENT_TYPE_IMAGE"],
        "decision_visibility": ["DECISION_VISIBILITY_CONTENT_REMOVED"],
        "decision_facts": "Reported by a notice and checked by a moderator.",
        "content_date": "2026-02-27", "application_date": "2026-03-01", **over,
    })


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(sqlite_url: str) -> Iterator[SqlNoticeStore]:
    migrate(sqlite_url)
    engine = make_engine(sqlite_url)
    yield SqlNoticeStore(engine)
    engine.dispose()


@pytest.fixture
def users(store: SqlNoticeStore, clock: Clock) -> UserService:
    service = UserService(SqlUserStore(store.engine), FAST, clock, sessions=None,
                          audit_log=None)
    for name, role in (("mod-a", Role.MODERATOR), ("mod-b", Role.MODERATOR),
                       ("analyst", Role.ANALYST)):
        service.create(name, PASSWORD, role, SYSTEM)
    return service


@pytest.fixture
def notices(store: SqlNoticeStore, clock: Clock, users: UserService) -> NoticeService:
    return NoticeService(store, users.store, SqlAuditLog(store.engine), NoticeSettings(), clock)


MOD = Actor("user", "mod-a")
NCII = Submission(Category.NCII, "<script>alert(1)</script> my photo", good_faith=True,
                  message_link="https://t.me/c/1/2")


def test_users_create_verify_role_disable(users: UserService) -> None:
    assert users.verify("mod-a", PASSWORD) is not None
    assert users.verify("mod-a", "wrong password!") is None
    assert users.verify("nobody", PASSWORD) is None
    with pytest.raises(UserTaken):
        users.create("mod-a", PASSWORD, Role.ADMIN, SYSTEM)
    with pytest.raises(InvalidArgument, match="12"):
        users.create("short", "tiny", Role.ADMIN, SYSTEM)
    with pytest.raises(InvalidArgument, match="user name"):
        users.create("Bad Name", PASSWORD, Role.ADMIN, SYSTEM)
    assert users.change_role("mod-a", Role.ADMIN, SYSTEM).role is Role.ADMIN
    users.set_disabled("mod-a", True, SYSTEM)
    assert users.verify("mod-a", PASSWORD) is None
    stored = users.store.user_credentials("mod-b")
    assert stored is not None and stored[1].startswith("$argon2id$")
    assert PASSWORD not in stored[1]


def test_submit_and_status(notices: NoticeService, clock: Clock) -> None:
    receipt = notices.submit(NCII)
    assert receipt.case_number.startswith("RMP-2026-") and len(receipt.secret) >= 32
    assert not receipt.escalated
    status = notices.status(receipt.case_number, receipt.secret)
    assert status["state"] == "received" and status["action"] is None
    assert "explanation" not in status and "contact_email" not in status
    with pytest.raises(NoticeNotFound):
        notices.status(receipt.case_number, receipt.secret + "x")
    with pytest.raises(NoticeNotFound):
        notices.status("RMP-2026-999999", receipt.secret)
    detail = notices.detail(receipt.case_number)
    assert detail["explanation"] == NCII.explanation  # verbatim
    assert detail["deadline"] == (T0 + timedelta(hours=24)).isoformat()
    assert "secret_sha256" not in detail


def test_csam_without_contact_is_escalated(notices: NoticeService) -> None:
    receipt = notices.submit(Submission(Category.CSAM, "a child", location_text="a group"))
    assert receipt.escalated
    detail = notices.detail(receipt.case_number)
    assert detail["deadline"] == detail["received_at"] and detail["contact_email"] is None
    danger = notices.submit(replace(NCII, imminent_danger=True))
    assert danger.escalated


@pytest.mark.parametrize("bad", [
    replace(NCII, explanation="  "),
    replace(NCII, explanation="x" * 10_001),
    replace(NCII, message_link=None),
    replace(NCII, message_link="https://t.me/" + "x" * 2000),
])
def test_submit_rejects(notices: NoticeService, bad: Submission) -> None:
    with pytest.raises(InvalidArgument):
        notices.submit(bad)


def test_decide_appeal_and_second_decider(notices: NoticeService, clock: Clock) -> None:
    receipt = notices.submit(NCII)
    case = receipt.case_number
    with pytest.raises(NotAllowed, match="read-only"):
        notices.decide(case, "analyst", Action.REMOVE, "removed", statement(), MOD)
    with pytest.raises(InvalidArgument, match="statement of reasons"):
        notices.decide(case, "mod-a", Action.REMOVE, "removed", None, MOD)
    clock.now = T0 + timedelta(hours=2)
    notices.decide(case, "mod-a", Action.REMOVE, "The image was removed.", statement(), MOD)
    status = notices.status(case, receipt.secret)
    assert (status["state"], status["action"]) == ("decided", "remove")
    assert status["appeal_until"] == (T0 + timedelta(hours=2)).replace(month=9).isoformat()
    with pytest.raises(NoticeConflict):
        notices.decide(case, "mod-b", Action.NO_ACTION, "again", None, MOD)

    clock.now = T0 + timedelta(days=30)
    notices.appeal(case, receipt.secret, "Please check again.")
    with pytest.raises(NotAllowed, match="someone else"):
        notices.decide_appeal(case, "mod-a", AppealOutcome.UPHELD, "fine", MOD)
    notices.decide_appeal(case, "mod-b", AppealOutcome.UPHELD, "The removal stands.",
                          Actor("user", "mod-b"))
    status = notices.status(case, receipt.secret)
    assert status["state"] == "closed" and status["appeal"]["outcome"] == "upheld"
    with pytest.raises(NoticeConflict):
        notices.appeal(case, receipt.secret, "again")

    actions = [e.entry.action for e in
               notices.audit(AuditFilter(object_type="notice", object_id=case)).items]
    assert actions == ["appeal.decide", "notice.appeal", "notice.decide", "notice.assign",
                       "notice.submit"]


def test_appeal_after_the_window(notices: NoticeService, clock: Clock) -> None:
    receipt = notices.submit(NCII)
    notices.decide(receipt.case_number, "mod-a", Action.NO_ACTION, "Not illegal.", None, MOD)
    clock.now = T0 + timedelta(days=200)
    with pytest.raises(NoticeConflict) as caught:
        notices.appeal(receipt.case_number, receipt.secret, "late")
    assert caught.value.code == "appeal_window_closed"


def test_reversal_records_a_new_decision_and_statements_export(
    notices: NoticeService, clock: Clock
) -> None:
    receipt = notices.submit(NCII)
    case = receipt.case_number
    notices.assign(case, "mod-a", MOD)
    notices.decide(case, "mod-a", Action.NO_ACTION, "Nothing found.", None, MOD)
    notices.appeal(case, receipt.secret, "It is my photo.")
    with pytest.raises(InvalidArgument, match="new action"):
        notices.decide_appeal(case, "mod-b", AppealOutcome.REVERSED, "Right.", MOD)
    notices.decide_appeal(case, "mod-b", AppealOutcome.REVERSED, "Right.", MOD,
                          action=Action.REMOVE, summary="Removed after your appeal.",
                          statement=statement(application_date="2026-03-02"))
    assert notices.status(case, receipt.secret)["action"] == "remove"
    page = notices.statements()
    assert page.total == 1
    tdb = page.items[0]
    assert tdb["puid"].startswith(case + "-")
    assert tdb["decision_ground"] == "DECISION_GROUND_ILLEGAL_CONTENT"
    assert tdb["automated_detection"] == "No"


def test_list_and_filters(notices: NoticeService) -> None:
    notices.submit(NCII)
    notices.submit(Submission(Category.CSAM, "x", chat_id=-1001))
    page = notices.list(NoticeFilter(states=(NoticeState.RECEIVED,)), limit=1)
    assert page.total == 2 and page.items[0].new.category is Category.CSAM
    with pytest.raises(InvalidArgument):
        notices.list(NoticeFilter(), limit=0)
