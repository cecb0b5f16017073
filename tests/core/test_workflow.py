"""Notice-and-action rules: transitions, deadlines, statements of reasons, appeals."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from rempart.core.workflow import (
    TRANSITIONS,
    Action,
    AppealWindowClosed,
    Category,
    DeadlinePolicy,
    InvalidStatement,
    InvalidTransition,
    NoticeState,
    SameDecider,
    StatementOfReasons,
    add_months,
    appeal_deadline,
    check_appeal_decider,
    check_appeal_window,
    check_transition,
    deadline_for,
)

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def statement(**over: Any) -> StatementOfReasons:
    base: dict[str, Any] = {
        "decision_ground": "DECISION_GROUND_ILLEGAL_CONTENT",
        "illegal_content_legal_ground": "Code pénal art. 226-2-1",
        "illegal_content_explanation": "Sexual image disclosed without the person's agreement.",
        "category": "STATEMENT_CATEGORY_CYBER_VIOLENCE_AGAINST_WOMEN",
        "category_specification": ("KEYWORD_NON_CONSENSUAL_IMAGE_SHARING",),
        "content_type": ("CONTENT_TYPE_IMAGE",),
        "decision_visibility": ("DECISION_VISIBILITY_CONTENT_REMOVED",),
        "decision_facts": "Reported by a notice; the image matched the victim's description.",
        "content_date": date(2026, 2, 27),
        "application_date": date(2026, 3, 1),
    }
    base.update(over)
    return StatementOfReasons(**base)


def test_stable_names() -> None:
    assert [c.value for c in Category] == ["ncii", "csam", "doxxing", "violence", "other"]
    assert [s.value for s in NoticeState] == [
        "received", "in_review", "decided", "appealed", "closed"]


def test_transitions_follow_the_table() -> None:
    for current in NoticeState:
        for target in NoticeState:
            if target in TRANSITIONS[current]:
                check_transition(current, target)
            else:
                with pytest.raises(InvalidTransition):
                    check_transition(current, target)
    with pytest.raises(InvalidTransition, match="closed to in_review"):
        check_transition(NoticeState.CLOSED, NoticeState.IN_REVIEW)


def test_deadlines_by_category_and_escalation() -> None:
    policy = DeadlinePolicy()
    assert deadline_for(Category.NCII, T0, policy) == (T0 + timedelta(hours=24), False)
    assert deadline_for(Category.OTHER, T0, policy) == (T0 + timedelta(days=7), False)
    assert deadline_for(Category.CSAM, T0, policy) == (T0, True)
    assert deadline_for(Category.DOXXING, T0, policy, imminent_danger=True) == (T0, True)
    custom = DeadlinePolicy({"ncii": 2.0, "other": 10.0}, frozenset({"csam", "violence"}))
    assert deadline_for(Category.NCII, T0, custom) == (T0 + timedelta(hours=2), False)
    assert deadline_for(Category.DOXXING, T0, custom) == (T0 + timedelta(hours=10), False)
    assert deadline_for(Category.VIOLENCE, T0, custom) == (T0, True)


def test_appeal_window_is_at_least_six_months() -> None:
    assert add_months(datetime(2026, 8, 31, tzinfo=UTC), 6) == datetime(2027, 2, 28, tzinfo=UTC)
    assert appeal_deadline(T0, 1) == datetime(2026, 9, 1, 12, 0, tzinfo=UTC)
    assert appeal_deadline(T0, 12) == datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
    check_appeal_window(T0, datetime(2026, 9, 1, 12, 0, tzinfo=UTC), 6)
    with pytest.raises(AppealWindowClosed):
        check_appeal_window(T0, datetime(2026, 9, 1, 12, 1, tzinfo=UTC), 6)


def test_appeal_needs_another_decider() -> None:
    check_appeal_decider(1, 2)
    with pytest.raises(SameDecider):
        check_appeal_decider(3, 3)


def test_statement_exports_the_tdb_schema() -> None:
    tdb = statement(automated_detection=True).to_tdb("RMP-2026-000001-1")
    assert tdb["puid"] == "RMP-2026-000001-1"
    assert tdb["automated_detection"] == "Yes"
    assert tdb["automated_decision"] == "AUTOMATED_DECISION_NOT_AUTOMATED"
    assert tdb["source_type"] == "SOURCE_ARTICLE_16"
    assert tdb["territorial_scope"] == ["FR"]
    assert tdb["content_date"] == "2026-02-27" and tdb["application_date"] == "2026-03-01"
    assert tdb["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_REMOVED"]
    assert "decision_account" not in tdb  # empty fields are left out
    with pytest.raises(InvalidStatement, match="puid"):
        statement().to_tdb("has space")


def test_statement_round_trips_through_json() -> None:
    s = statement(end_date_visibility_restriction=date(2026, 9, 1))
    assert StatementOfReasons.from_json(s.to_json()) == s
    with pytest.raises(InvalidStatement, match="unknown field"):
        StatementOfReasons.from_json({**s.to_json(), "victim_name": "x"})
    with pytest.raises(InvalidStatement, match="YYYY-MM-DD"):
        StatementOfReasons.from_json({**s.to_json(), "content_date": "yesterday"})


@pytest.mark.parametrize(("over", "message"), [
    ({"decision_ground": "BECAUSE"}, "decision_ground"),
    ({"illegal_content_legal_ground": None}, "illegal_content_legal_ground is required"),
    ({"decision_ground": "DECISION_GROUND_INCOMPATIBLE_CONTENT"},
     "incompatible_content_ground is required"),
    ({"category": "STATEMENT_CATEGORY_FISHA"}, "category"),
    ({"content_type": ()}, "content_type"),
    ({"content_type": ("CONTENT_TYPE_OTHER",)}, "content_type_other"),
    ({"decision_visibility": ()}, "restricts something"),
    ({"decision_visibility": ("DECISION_VISIBILITY_OTHER",)}, "decision_visibility_other"),
    ({"decision_account": "DECISION_ACCOUNT_BANNED"}, "decision_account"),
    ({"territorial_scope": ("US",)}, "territorial_scope"),
    ({"content_date": date(1999, 12, 31)}, "content_date"),
    ({"application_date": date(2019, 1, 1)}, "application_date"),
    ({"decision_facts": " "}, "decision_facts"),
    ({"decision_facts": "x" * 5001}, "5000"),
    ({"illegal_content_explanation": "x" * 2001}, "2000"),
    ({"source_type": "SOURCE_RUMOUR"}, "source_type"),
    ({"automated_decision": "AUTOMATED_DECISION_MAYBE"}, "automated_decision"),
    ({"content_language": "fr"}, "content_language"),
    ({"category_specification": ("nudes",)}, "KEYWORD_"),
])
def test_statement_rejects_values_outside_the_schema(over: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidStatement, match=re.escape(message)):
        statement(**over)


def test_statement_fits_the_action() -> None:
    s = statement()
    s.fits(Action.REMOVE)
    s.fits(Action.RESTRICT)
    with pytest.raises(InvalidStatement, match="no statement"):
        s.fits(Action.NO_ACTION)
    with pytest.raises(InvalidStatement, match="decision_account"):
        s.fits(Action.SUSPEND_ACCOUNT)
    labelled = replace(s, decision_visibility=("DECISION_VISIBILITY_CONTENT_LABELLED",))
    with pytest.raises(InvalidStatement, match="CONTENT_REMOVED"):
        labelled.fits(Action.REMOVE)
