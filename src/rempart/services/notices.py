"""Notice and action (DSA art. 16, 17, 20): public notices, review, decisions with statements
of reasons, appeals decided by another human, the Transparency Database export. Every change
writes an audit event in the same transaction.

Example::

    notices = NoticeService(SqlNoticeStore(engine), SqlUserStore(engine), SqlAuditLog(engine),
                            NoticeSettings())
    receipt = notices.submit(Submission(Category.NCII, "my photo, shared without consent",
                                        message_link="https://t.me/c/1/2", good_faith=True))
    notices.status(receipt.case_number, receipt.secret).state     # 'received'
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal, TypeVar

from rempart.config import NoticeSettings
from rempart.core.audit import AuditEvent, AuditFilter
from rempart.core.clock import utc_now
from rempart.core.notices import (
    AppealFilter,
    AppealRecord,
    DecisionFilter,
    DecisionRecord,
    NewDecision,
    NewNotice,
    NoticeFilter,
    NoticeRecord,
)
from rempart.core.notices import Submission as Submission  # the public intake's type
from rempart.core.tokens import secret_digest
from rempart.core.users import UserRecord
from rempart.core.workflow import (
    DECIDING_ROLES,
    Action,
    AppealOutcome,
    DeadlinePolicy,
    NoticeState,
    StatementOfReasons,
    WorkflowError,
    appeal_deadline,
    check_appeal_decider,
    check_appeal_window,
    check_transition,
    deadline_for,
)
from rempart.services.errors import InvalidArgument, RempartError
from rempart.services.users import Actor
from rempart.store.audit import AuditLog
from rempart.store.notices import NoticeStore, StateConflict
from rempart.store.pages import Page
from rempart.store.users import UserStore

PUBLIC = Actor("public")
MAX_EXPLANATION = 10_000
MAX_REASON = 5_000
MAX_PAGE = 500


class NoticeNotFound(RempartError):
    """No notice has this case number (or the secret does not match: the same answer)."""


class NoticeConflict(RempartError):
    """The notice's state does not allow this (or it changed meanwhile); ``code`` says why."""

    def __init__(self, message: str, code: str = "invalid_transition") -> None:
        super().__init__(message)
        self.code = code


class NotAllowed(RempartError):
    """This user may not do this: unknown, disabled, read-only, or the first decider."""


@dataclass(frozen=True, slots=True)
class Receipt:
    """The acknowledgement: the secret exists only here (the store keeps its sha256)."""

    case_number: str
    secret: str
    received_at: datetime
    escalated: bool


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _clean(value: str | None, limit: int, name: str) -> str | None:
    if value is None or not value.strip():
        return None
    if len(value) > limit:
        raise InvalidArgument(f"{name} is longer than {limit} characters")
    return value


def _check_page(limit: int, offset: int) -> None:
    if not 1 <= limit <= MAX_PAGE or offset < 0:
        raise InvalidArgument(f"limit is 1 to {MAX_PAGE} and offset at least 0")


R = TypeVar("R")


def _with_case_numbers(page: Page[tuple[str, R]], to_json: Callable[[R], dict[str, Any]],
                       ) -> Page[dict[str, Any]]:
    """Each ``(case number, record)`` of ``page`` as the record's JSON with its case number."""
    return Page([{"case_number": case, **to_json(r)} for case, r in page.items], page.total)


class NoticeService:
    """The notice-and-action workflow over notices, their deciders and the audit log."""

    def __init__(self, store: NoticeStore, users: UserStore, audit_log: AuditLog,
                 settings: NoticeSettings | None = None,
                 clock: Callable[[], datetime] = utc_now) -> None:
        self.store = store
        self.users = users
        self.audit_log = audit_log
        self.settings = settings or NoticeSettings()
        self.policy = DeadlinePolicy(dict(self.settings.deadline_hours),
                                     frozenset(self.settings.escalated_categories))
        self.clock = clock

    # --- public side --------------------------------------------------------------------

    def submit(self, s: Submission) -> Receipt:
        """Store a notice; its clock starts now. Contact is optional (never asked for csam)."""
        if not s.explanation.strip():
            raise InvalidArgument("explain why the content is illegal or harmful")
        if len(s.explanation) > MAX_EXPLANATION:
            raise InvalidArgument(f"the explanation is longer than {MAX_EXPLANATION} characters")
        links = {name: _clean(getattr(s, name), 2000, name)
                 for name in ("message_link", "invite_link", "location_text")}
        if not any(links.values()) and s.chat_id is None:
            raise InvalidArgument(
                "say where the content is: a message link, an invite link, a chat id or a "
                "description of the place")
        now = self.clock()
        deadline, escalated = deadline_for(s.category, now, self.policy, s.imminent_danger)
        cleaned = replace(s, message_link=links["message_link"], invite_link=links["invite_link"],
                          location_text=links["location_text"],
                          contact_name=_clean(s.contact_name, 200, "contact_name"),
                          contact_email=_clean(s.contact_email, 320, "contact_email"))
        new = NewNotice.received(cleaned, received_at=now, deadline=deadline,
                                 escalated=escalated)
        secret = secrets.token_urlsafe(24)
        audit = PUBLIC.entry(now, "notice.submit", "notice", None, category=s.category.value,
                             escalated=escalated)
        record = self.store.create_notice(new, secret_digest(secret), audit)
        return Receipt(record.case_number, secret, now, escalated)

    def _by_secret(self, case_number: str, secret: str) -> NoticeRecord:
        notice = self.store.get_notice(case_number) if len(case_number) <= 32 else None
        # Compare even when there is no such notice: both failures look and take the same.
        expected = notice.secret_sha256 if notice is not None else "0" * 64
        if not hmac.compare_digest(secret_digest(secret), expected) or notice is None:
            raise NoticeNotFound("no notice with this case number and secret")
        return notice

    def status(self, case_number: str, secret: str) -> dict[str, Any]:
        """What the reporter may see: state, dates, the decision's action and summary."""
        notice = self._by_secret(case_number, secret)
        decisions = self.store.decisions(notice.id)
        appeal = self.store.get_appeal(notice.id)
        last = decisions[-1] if decisions else None
        first_at = decisions[0].new.decided_at if decisions else None
        return {
            "case_number": notice.case_number, "state": notice.state.value,
            "category": notice.new.category.value,
            "received_at": _iso(notice.new.received_at),
            "decided_at": _iso(last.new.decided_at if last else None),
            "action": last.new.action.value if last else None,
            "summary": last.new.summary if last else None,
            "appeal_until": _iso(self._appeal_until(first_at) if first_at else None),
            "appeal": None if appeal is None else {
                "filed_at": _iso(appeal.filed_at), "decided_at": _iso(appeal.decided_at),
                "outcome": appeal.outcome.value if appeal.outcome else None,
                "reason": appeal.outcome_reason,
            },
        }

    def _appeal_until(self, decided_at: datetime) -> datetime:
        return appeal_deadline(decided_at, self.settings.appeal_window_months)

    def appeal(self, case_number: str, secret: str, reason: str) -> dict[str, Any]:
        """The reporter contests the decision (internal complaint, DSA art. 20)."""
        notice = self._by_secret(case_number, secret)
        if not reason.strip() or len(reason) > MAX_REASON:
            raise InvalidArgument(f"give the appeal's reason in 1 to {MAX_REASON} characters")
        now = self.clock()
        with _translated():
            check_transition(notice.state, NoticeState.APPEALED)
            first = self.store.decisions(notice.id)[0]
            check_appeal_window(first.new.decided_at, now, self.settings.appeal_window_months)
            self.store.file_appeal(notice.id, reason, PUBLIC.entry(
                now, "notice.appeal", "notice", notice.case_number))
        return self.status(case_number, secret)

    # --- moderators' side ---------------------------------------------------------------

    def get(self, case_number: str) -> NoticeRecord:
        notice = self.store.get_notice(case_number) if len(case_number) <= 32 else None
        if notice is None:
            raise NoticeNotFound(f"no notice {case_number!r}")
        return notice

    def detail(self, case_number: str) -> dict[str, Any]:
        """Everything about a notice, for moderators (the explanation as it was written)."""
        notice = self.get(case_number)
        appeal = self.store.get_appeal(notice.id)
        out = self.to_json(notice)
        out["decisions"] = [self._decision_json(d) for d in self.store.decisions(notice.id)]
        out["appeal"] = None if appeal is None else self._appeal_json(appeal)
        return out

    def _appeal_json(self, appeal: AppealRecord) -> dict[str, Any]:
        return {
            "filed_at": _iso(appeal.filed_at), "reason": appeal.reason,
            "decided_by": self._username(appeal.decided_by),
            "decided_at": _iso(appeal.decided_at),
            "outcome": appeal.outcome.value if appeal.outcome else None,
            "outcome_reason": appeal.outcome_reason,
        }

    def list(self, flt: NoticeFilter, limit: int = 50, offset: int = 0) -> Page[NoticeRecord]:
        """Notices matching ``flt``, most urgent deadline first."""
        _check_page(limit, offset)
        return self.store.list_notices(flt, limit, offset)

    def assign(self, case_number: str, assignee: str, actor: Actor) -> None:
        """Give a notice to a moderator (received → in_review, or reassign)."""
        notice = self.get(case_number)
        user = self._decider(assignee)
        with _translated():
            check_transition(notice.state, NoticeState.IN_REVIEW)
            self.store.transition(notice.id, notice.state, NoticeState.IN_REVIEW, actor.entry(
                self.clock(), "notice.assign", "notice", case_number, assignee=user.username,
            ), assign=user.id)

    def decide(self, case_number: str, decider: str, action: Action, summary: str,
               statement: StatementOfReasons | None, actor: Actor) -> DecisionRecord:
        """Record a decision; every action but ``no_action`` carries a statement of reasons."""
        notice = self.get(case_number)
        user = self._decider(decider)
        new = self._new_decision(user, action, summary, statement)
        with _translated():
            if notice.state is NoticeState.RECEIVED:
                self.assign(case_number, decider, actor)
                notice = self.get(case_number)
            check_transition(notice.state, NoticeState.DECIDED)
            return self.store.add_decision(
                notice.id, notice.state, NoticeState.DECIDED, new, actor.entry(
                    new.decided_at, "notice.decide", "notice", case_number,
                    action=action.value, decided_by=user.username))

    def decide_appeal(self, case_number: str, decider: str, outcome: AppealOutcome,
                      reason: str, actor: Actor, *, action: Action | None = None,
                      summary: str | None = None,
                      statement: StatementOfReasons | None = None) -> None:
        """Decide an appeal (someone else than the first decider); a reversal states the new
        decision."""
        notice = self.get(case_number)
        user = self._decider(decider)
        if not reason.strip() or len(reason) > MAX_REASON:
            raise InvalidArgument(f"give the outcome's reason in 1 to {MAX_REASON} characters")
        new: NewDecision | None = None
        if outcome is AppealOutcome.REVERSED:
            if action is None:
                raise InvalidArgument("a reversed decision states its new action")
            new = self._new_decision(user, action, summary or reason, statement)
        with _translated():
            check_transition(notice.state, NoticeState.CLOSED)
            if notice.state is not NoticeState.APPEALED:
                raise NoticeConflict("this notice has no pending appeal")
            previous = self.store.decisions(notice.id)[-1]
            try:
                check_appeal_decider(previous.new.decided_by, user.id)
            except WorkflowError as e:
                raise NotAllowed(str(e)) from None
            self.store.decide_appeal(notice.id, user.id, outcome, reason, new, actor.entry(
                self.clock(), "appeal.decide", "notice", case_number, outcome=outcome.value,
                decided_by=user.username, action=action.value if action else None))

    def statements(self, since: datetime | None = None, until: datetime | None = None,
                   limit: int = 100, offset: int = 0) -> Page[dict[str, Any]]:
        """Statements of reasons as the Transparency Database takes them (no personal data)."""
        _check_page(limit, offset)
        page = self.store.statements(since, until, limit, offset)
        items = [StatementOfReasons.from_json(d.new.statement or {}).to_tdb(f"{case}-{d.id}")
                 for case, d in page.items]
        return Page(items, page.total)

    def decisions(self, flt: DecisionFilter, limit: int = 50, offset: int = 0,
                  ) -> Page[dict[str, Any]]:
        """Decisions across notices, newest first, each with its notice's case number."""
        _check_page(limit, offset)
        return _with_case_numbers(self.store.list_decisions(flt, limit, offset),
                                  self._decision_json)

    def appeals(self, flt: AppealFilter, limit: int = 50, offset: int = 0,
                ) -> Page[dict[str, Any]]:
        """Appeals across notices, open ones first (oldest first), each with its case number."""
        _check_page(limit, offset)
        return _with_case_numbers(self.store.list_appeals(flt, limit, offset), self._appeal_json)

    def user_id(self, username: str) -> int | None:
        """The id of a console user, None when unknown."""
        found = self.users.user_credentials(username)
        return None if found is None else found[0].id

    def audit(self, flt: AuditFilter, limit: int = 50, offset: int = 0) -> Page[AuditEvent]:
        """Audit events, newest first."""
        _check_page(limit, offset)
        return self.audit_log.list_audit(flt, limit, offset)

    # --- helpers ------------------------------------------------------------------------

    def _decider(self, username: str) -> UserRecord:
        found = self.users.user_credentials(username)
        if found is None or found[0].disabled:
            raise NotAllowed(f"no active user named {username!r}")
        if found[0].role not in DECIDING_ROLES:
            raise NotAllowed(f"{username!r} is {found[0].role.value}: read-only")
        return found[0]

    def _new_decision(self, user: UserRecord, action: Action, summary: str,
                      statement: StatementOfReasons | None) -> NewDecision:
        if not summary.strip() or len(summary) > MAX_REASON:
            raise InvalidArgument(f"the summary for the reporter is 1 to {MAX_REASON} characters")
        if action is Action.NO_ACTION and statement is not None:
            raise InvalidArgument("a decision taking no action has no statement of reasons")
        if action is not Action.NO_ACTION:
            if statement is None:
                raise InvalidArgument(f"a {action.value} decision needs a statement of reasons")
            try:
                statement.fits(action)
            except WorkflowError as e:
                raise InvalidArgument(str(e)) from None
        return NewDecision(user.id, self.clock(), action, summary,
                           statement.to_json() if statement else None)

    def _username(self, user_id: int | None) -> str | None:
        user = self.users.get_user(user_id) if user_id is not None else None
        return user.username if user else None

    def _decision_json(self, d: DecisionRecord) -> dict[str, Any]:
        return {"id": d.id, "decided_by": self._username(d.new.decided_by),
                "decided_at": _iso(d.new.decided_at), "action": d.new.action.value,
                "summary": d.new.summary, "statement": d.new.statement,
                "appeal_id": d.new.appeal_id}

    def to_json(self, n: NoticeRecord) -> dict[str, Any]:
        """A notice for moderators (never its secret's hash)."""
        return {
            "case_number": n.case_number, "state": n.state.value, **n.new.to_json(),
            "assigned_to": self._username(n.assigned_to), "updated_at": _iso(n.updated_at),
        }


class _translated:
    """Core rule breaks and lost races become NoticeConflict."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 _tb: object) -> Literal[False]:
        if isinstance(exc, WorkflowError):
            raise NoticeConflict(str(exc), exc.code) from None
        if isinstance(exc, StateConflict):
            raise NoticeConflict("the notice changed meanwhile: reload it", "conflict") from None
        return False
