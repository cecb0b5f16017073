"""Notices as every layer sees them: a notice, its decisions and appeals, and the filters
that list them (the workflow's rules are in ``rempart.core.workflow``).

Example::

    >>> from rempart.core.workflow import NoticeState
    >>> NoticeFilter((NoticeState.RECEIVED,), escalated=True).escalated
    True
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import datetime
from typing import Any

from rempart.core.workflow import Action, AppealOutcome, Category, NoticeState


@dataclass(frozen=True, slots=True)
class Submission:
    """A public notice as the reporter wrote it."""

    category: Category
    explanation: str
    good_faith: bool = False
    imminent_danger: bool = False
    message_link: str | None = None
    invite_link: str | None = None
    chat_id: int | None = None
    message_id: int | None = None
    location_text: str | None = None
    contact_name: str | None = None
    contact_email: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class NewNotice(Submission):
    """A submission as stored: when it came, when it is due, whether it jumps the queue."""

    received_at: datetime
    deadline: datetime
    escalated: bool

    @classmethod
    def received(
        cls, submission: Submission, *, received_at: datetime, deadline: datetime, escalated: bool
    ) -> NewNotice:
        """``submission`` as received at ``received_at``, due by ``deadline``."""
        values = {f.name: getattr(submission, f.name) for f in fields(Submission)}
        return cls(**values, received_at=received_at, deadline=deadline, escalated=escalated)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready: the category as its value, instants in ISO 8601."""
        return asdict(self) | {
            "category": self.category.value,
            "received_at": self.received_at.isoformat(),
            "deadline": self.deadline.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class NoticeRecord:
    id: int
    case_number: str
    secret_sha256: str
    new: NewNotice
    state: NoticeState
    assigned_to: int | None
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class NewDecision:
    decided_by: int
    decided_at: datetime
    action: Action
    summary: str
    statement: dict[str, Any] | None
    appeal_id: int | None = None


@dataclass(frozen=True, slots=True)
class DecisionRecord:
    id: int
    notice_id: int
    new: NewDecision


@dataclass(frozen=True, slots=True)
class AppealRecord:
    id: int
    notice_id: int
    filed_at: datetime
    reason: str
    decided_by: int | None
    decided_at: datetime | None
    outcome: AppealOutcome | None
    outcome_reason: str | None


@dataclass(frozen=True, slots=True)
class DecisionFilter:
    action: Action | None = None
    decided_by: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    after_appeal: bool | None = None


@dataclass(frozen=True, slots=True)
class AppealFilter:
    open: bool | None = None
    outcome: AppealOutcome | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True, slots=True)
class NoticeFilter:
    states: tuple[NoticeState, ...] = ()
    category: Category | None = None
    deadline_before: datetime | None = None
    escalated: bool | None = None
    assigned_to: int | None = None
