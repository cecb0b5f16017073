"""Notice-and-action rules (DSA art. 16, 17, 20): categories, states and their transitions,
deadlines, statements of reasons in the Transparency Database (TDB) schema, appeals.

Pure: no clock, no database. Names (categories, states, actions) are stored: never rename them.

Example::

    >>> deadline_for(Category.CSAM, datetime(2026, 1, 1, tzinfo=UTC), DeadlinePolicy())
    (datetime.datetime(2026, 1, 1, 0, 0, tzinfo=datetime.timezone.utc), True)
    >>> check_transition(NoticeState.RECEIVED, NoticeState.IN_REVIEW)
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any


class WorkflowError(ValueError):
    """A notice-and-action rule was broken; ``code`` is stable and machine-readable."""

    code = "workflow"


class InvalidTransition(WorkflowError):
    """A notice cannot go from its state to the one asked."""

    code = "invalid_transition"


class InvalidStatement(WorkflowError):
    """A statement of reasons does not fit the TDB schema or the decision."""

    code = "invalid_statement"


class AppealWindowClosed(WorkflowError):
    """The appeal came after its window."""

    code = "appeal_window_closed"


class SameDecider(WorkflowError):
    """An appeal must be decided by another human than the first decision (DSA art. 20(6))."""

    code = "same_decider"


class Category(StrEnum):
    """What a notice reports."""

    NCII = "ncii"  # intimate image shared without consent
    CSAM = "csam"  # child sexual abuse material
    DOXXING = "doxxing"
    VIOLENCE = "violence"
    OTHER = "other"


class NoticeState(StrEnum):
    RECEIVED = "received"
    IN_REVIEW = "in_review"
    DECIDED = "decided"
    APPEALED = "appealed"
    CLOSED = "closed"


S = NoticeState
TRANSITIONS: Mapping[NoticeState, frozenset[NoticeState]] = {
    S.RECEIVED: frozenset({S.IN_REVIEW}),
    S.IN_REVIEW: frozenset({S.IN_REVIEW, S.DECIDED}),  # in_review → in_review: reassignment
    S.DECIDED: frozenset({S.APPEALED, S.CLOSED}),
    S.APPEALED: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
}


def check_transition(current: NoticeState, target: NoticeState) -> None:
    """Raise InvalidTransition unless ``current → target`` is in ``TRANSITIONS``."""
    if target not in TRANSITIONS[current]:
        raise InvalidTransition(f"a notice cannot go from {current.value} to {target.value}")


class Action(StrEnum):
    """What was done about the reported content."""

    REMOVE = "remove"
    RESTRICT = "restrict"  # disabled, demoted, age-restricted, labelled…
    SUSPEND_ACCOUNT = "suspend_account"
    NO_ACTION = "no_action"


class AppealOutcome(StrEnum):
    UPHELD = "upheld"
    REVERSED = "reversed"


class Role(StrEnum):
    ADMIN = "admin"
    MODERATOR = "moderator"
    ANALYST = "analyst"  # read-only


DECIDING_ROLES = frozenset({Role.ADMIN, Role.MODERATOR})

# --- deadlines ---------------------------------------------------------------------------


DEFAULT_DEADLINE_HOURS: Mapping[str, float] = {
    "ncii": 24.0, "csam": 0.0, "doxxing": 24.0, "violence": 24.0, "other": 168.0,
}


@dataclass(frozen=True)
class DeadlinePolicy:
    """Hours to decide, per category; ``escalated`` categories are due on arrival."""

    hours: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_DEADLINE_HOURS))
    escalated: frozenset[str] = frozenset({"csam"})


def deadline_for(
    category: Category, received_at: datetime, policy: DeadlinePolicy,
    imminent_danger: bool = False,
) -> tuple[datetime, bool]:
    """(deadline, escalated): child sexual abuse and imminent danger are due at once."""
    if imminent_danger or category.value in policy.escalated:
        return received_at, True
    hours = policy.hours.get(category.value, policy.hours.get("other", 168.0))
    return received_at + timedelta(hours=hours), False


# --- appeals ----------------------------------------------------------------------------

MIN_APPEAL_MONTHS = 6


def add_months(moment: datetime, months: int) -> datetime:
    """``moment`` plus calendar months (the day clamped to the month's end)."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def appeal_deadline(decided_at: datetime, months: int = MIN_APPEAL_MONTHS) -> datetime:
    """The end of the appeal window; never shorter than six months (DSA art. 20(1))."""
    return add_months(decided_at, max(months, MIN_APPEAL_MONTHS))


def check_appeal_window(decided_at: datetime, now: datetime, months: int) -> None:
    """Raise AppealWindowClosed when ``now`` is past the window."""
    if now > appeal_deadline(decided_at, months):
        raise AppealWindowClosed("the appeal window of this decision has closed")


def check_appeal_decider(first_decider: int, appeal_decider: int) -> None:
    """Raise SameDecider when the appeal would be decided by the first decision's author."""
    if first_decider == appeal_decider:
        raise SameDecider("an appeal must be decided by someone else than the first decision")


# --- statement of reasons (TDB schema) ---------------------------------------------------

VISIBILITY = frozenset(f"DECISION_VISIBILITY_{v}" for v in (
    "CONTENT_REMOVED", "CONTENT_DISABLED", "CONTENT_DEMOTED", "CONTENT_AGE_RESTRICTED",
    "CONTENT_INTERACTION_RESTRICTED", "CONTENT_LABELLED", "OTHER"))
MONETARY = frozenset(f"DECISION_MONETARY_{v}" for v in ("SUSPENSION", "TERMINATION", "OTHER"))
PROVISION = frozenset(f"DECISION_PROVISION_{v}" for v in (
    "PARTIAL_SUSPENSION", "TOTAL_SUSPENSION", "PARTIAL_TERMINATION", "TOTAL_TERMINATION"))
ACCOUNT = frozenset({"DECISION_ACCOUNT_SUSPENDED", "DECISION_ACCOUNT_TERMINATED"})
GROUND_ILLEGAL = "DECISION_GROUND_ILLEGAL_CONTENT"
GROUND_INCOMPATIBLE = "DECISION_GROUND_INCOMPATIBLE_CONTENT"
CONTENT_TYPES = frozenset(f"CONTENT_TYPE_{v}" for v in (
    "APP", "AUDIO", "IMAGE", "PRODUCT", "SYNTHETIC_MEDIA", "TEXT", "VIDEO", "OTHER"))
TDB_CATEGORIES = frozenset(f"STATEMENT_CATEGORY_{v}" for v in (
    "ANIMAL_WELFARE", "CONSUMER_INFORMATION", "CYBER_VIOLENCE", "CYBER_VIOLENCE_AGAINST_WOMEN",
    "DATA_PROTECTION_AND_PRIVACY_VIOLATIONS", "ILLEGAL_OR_HARMFUL_SPEECH",
    "INTELLECTUAL_PROPERTY_INFRINGEMENTS", "NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS",
    "NOT_SPECIFIED_NOTICE", "OTHER_VIOLATION_TC", "PROTECTION_OF_MINORS",
    "RISK_FOR_PUBLIC_SECURITY", "SCAMS_AND_FRAUD", "SELF_HARM", "UNSAFE_AND_PROHIBITED_PRODUCTS",
    "VIOLENCE"))
SOURCE_TYPES = frozenset({"SOURCE_ARTICLE_16", "SOURCE_TRUSTED_FLAGGER",
                          "SOURCE_TYPE_OTHER_NOTIFICATION", "SOURCE_VOLUNTARY"})
AUTOMATED_DECISION = frozenset(f"AUTOMATED_DECISION_{v}" for v in (
    "FULLY", "PARTIALLY", "NOT_AUTOMATED"))
EU_EEA = frozenset((
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE",
    "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK", "IS", "LI", "NO",
))
PUID = re.compile(r"^[A-Za-z0-9_-]{1,500}$")

# Default TDB category and keywords of each notice category (research notes §1.2).
TDB_MAPPING: Mapping[Category, tuple[str, tuple[str, ...]]] = {
    Category.NCII: ("STATEMENT_CATEGORY_CYBER_VIOLENCE_AGAINST_WOMEN",
                    ("KEYWORD_NON_CONSENSUAL_IMAGE_SHARING",)),
    Category.CSAM: ("STATEMENT_CATEGORY_PROTECTION_OF_MINORS",
                    ("KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL",)),
    Category.DOXXING: ("STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS", ()),
    Category.VIOLENCE: ("STATEMENT_CATEGORY_VIOLENCE", ()),
    Category.OTHER: ("STATEMENT_CATEGORY_NOT_SPECIFIED_NOTICE", ()),
}


def _fail(message: str) -> None:
    raise InvalidStatement(message)


def _one_of(name: str, value: str, allowed: frozenset[str]) -> None:
    if value not in allowed:
        _fail(f"{name}: {value!r} is not one of {', '.join(sorted(allowed))}")


def _all_of(name: str, values: tuple[str, ...], allowed: frozenset[str]) -> None:
    for value in values:
        _one_of(name, value, allowed)


def _max_len(name: str, value: str | None, limit: int) -> None:
    if value is not None and len(value) > limit:
        _fail(f"{name} is longer than {limit} characters")


@dataclass(frozen=True)
class StatementOfReasons:
    """The fields of a TDB statement (DSA art. 17, art. 24(5)); validated on creation.

    Holds no personal data: ``decision_facts`` and explanations must not name people.
    """

    decision_ground: str
    category: str
    content_type: tuple[str, ...]
    decision_facts: str
    content_date: date
    application_date: date
    source_type: str = "SOURCE_ARTICLE_16"
    automated_detection: bool = False
    automated_decision: str = "AUTOMATED_DECISION_NOT_AUTOMATED"
    territorial_scope: tuple[str, ...] = ("FR",)
    decision_visibility: tuple[str, ...] = ()
    decision_visibility_other: str | None = None
    decision_monetary: str | None = None
    decision_provision: str | None = None
    decision_account: str | None = None
    illegal_content_legal_ground: str | None = None
    illegal_content_explanation: str | None = None
    incompatible_content_ground: str | None = None
    incompatible_content_explanation: str | None = None
    incompatible_content_illegal: bool | None = None
    decision_ground_reference_url: str | None = None
    content_type_other: str | None = None
    category_addition: tuple[str, ...] = ()
    category_specification: tuple[str, ...] = ()
    category_specification_other: str | None = None
    content_language: str | None = None
    end_date_visibility_restriction: date | None = None
    end_date_account_restriction: date | None = None
    source_identity: str | None = None

    def __post_init__(self) -> None:
        self._check_decision()
        self._check_ground()
        _all_of("content_type", self.content_type, CONTENT_TYPES)
        if not self.content_type:
            _fail("content_type needs at least one value")
        if "CONTENT_TYPE_OTHER" in self.content_type and not self.content_type_other:
            _fail("content_type_other is required with CONTENT_TYPE_OTHER")
        _one_of("category", self.category, TDB_CATEGORIES)
        _all_of("category_addition", self.category_addition, TDB_CATEGORIES)
        for keyword in self.category_specification:
            if not re.fullmatch(r"KEYWORD_[A-Z_]+", keyword):
                _fail(f"category_specification: {keyword!r} is not a KEYWORD_* value")
        _all_of("territorial_scope", self.territorial_scope, EU_EEA)
        if self.content_language is not None and not re.fullmatch(r"[A-Z]{2}",
                                                                   self.content_language):
            _fail("content_language is an upper-case ISO 639-1 code")
        if self.content_date < date(2000, 1, 1):
            _fail("content_date is on or after 2000-01-01")
        if self.application_date < date(2020, 1, 1):
            _fail("application_date is on or after 2020-01-01")
        if not self.decision_facts.strip():
            _fail("decision_facts is required")
        _max_len("decision_facts", self.decision_facts, 5000)
        _one_of("source_type", self.source_type, SOURCE_TYPES)
        _one_of("automated_decision", self.automated_decision, AUTOMATED_DECISION)
        for name in ("decision_visibility_other", "decision_ground_reference_url",
                     "content_type_other", "category_specification_other", "source_identity"):
            _max_len(name, getattr(self, name), 500)

    def _check_decision(self) -> None:
        _all_of("decision_visibility", self.decision_visibility, VISIBILITY)
        for name, allowed in (("decision_monetary", MONETARY),
                              ("decision_provision", PROVISION), ("decision_account", ACCOUNT)):
            value = getattr(self, name)
            if value is not None:
                _one_of(name, value, allowed)
        if not (self.decision_visibility or self.decision_monetary or self.decision_provision
                or self.decision_account):
            _fail("a statement restricts something: visibility, monetary, provision or account")
        if "DECISION_VISIBILITY_OTHER" in self.decision_visibility and \
                not self.decision_visibility_other:
            _fail("decision_visibility_other is required with DECISION_VISIBILITY_OTHER")

    def _check_ground(self) -> None:
        _one_of("decision_ground", self.decision_ground,
                frozenset({GROUND_ILLEGAL, GROUND_INCOMPATIBLE}))
        if self.decision_ground == GROUND_ILLEGAL:
            pair = (self.illegal_content_legal_ground, self.illegal_content_explanation)
            names = ("illegal_content_legal_ground", "illegal_content_explanation")
        else:
            pair = (self.incompatible_content_ground, self.incompatible_content_explanation)
            names = ("incompatible_content_ground", "incompatible_content_explanation")
        for name, value in zip(names, pair, strict=True):
            if not value or not value.strip():
                _fail(f"{name} is required with {self.decision_ground}")
        _max_len(names[0], pair[0], 500)
        _max_len(names[1], pair[1], 2000)

    def fits(self, action: Action) -> None:
        """Raise InvalidStatement when the statement contradicts the decision's action."""
        if action is Action.NO_ACTION:
            _fail("a decision taking no action has no statement of reasons")
        if action is Action.REMOVE and \
                "DECISION_VISIBILITY_CONTENT_REMOVED" not in self.decision_visibility:
            _fail("a removal states DECISION_VISIBILITY_CONTENT_REMOVED")
        if action is Action.SUSPEND_ACCOUNT and self.decision_account is None:
            _fail("an account suspension states decision_account")

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict of every field (dates ISO, booleans kept), for storage."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, date):
                value = value.isoformat()
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = value
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> StatementOfReasons:
        """The inverse of ``to_json``; unknown keys are an InvalidStatement."""
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(data) - set(known))
        if unknown:
            _fail(f"unknown field(s): {', '.join(unknown)}")
        values: dict[str, Any] = {}
        for name, value in data.items():
            if value is not None and name in _DATES:
                try:
                    value = date.fromisoformat(value) if isinstance(value, str) else value
                except ValueError:
                    _fail(f"{name} is a YYYY-MM-DD date")
            elif isinstance(value, list):
                value = tuple(value)
            values[name] = value
        try:
            return cls(**values)
        except TypeError as e:
            raise InvalidStatement(str(e)) from None

    def to_tdb(self, puid: str) -> dict[str, Any]:
        """The statement as the Transparency Database API takes it (empty fields left out)."""
        if not PUID.fullmatch(puid):
            _fail(f"puid {puid!r} does not match {PUID.pattern}")
        out: dict[str, Any] = {"puid": puid}
        for name, value in self.to_json().items():
            if value is None or value == []:
                continue
            if name in ("automated_detection", "incompatible_content_illegal"):
                value = "Yes" if value else "No"
            out[name] = value
        return out


_DATES = frozenset({"content_date", "application_date", "end_date_visibility_restriction",
                    "end_date_account_restriction"})


def as_utc_date(moment: datetime) -> date:
    """The UTC calendar date of an aware datetime."""
    return moment.astimezone(UTC).date()
