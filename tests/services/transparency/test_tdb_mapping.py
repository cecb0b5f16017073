"""Decisions mapped to Transparency Database statements: puids, fields, no personal data."""

from __future__ import annotations

import pytest

from rempart.core.workflow import PUID, Action
from rempart.services.transparency.tdb_mapping import (
    InvalidTdbStatement,
    PrivateData,
    puid_for,
    tdb_statement,
)
from tdb_support import VICTIM_EMAIL, VICTIM_NAME, statement


def test_puids_are_stable_unique_and_opaque() -> None:
    a, b = puid_for(b"k1", 7), puid_for(b"k1", 8)
    assert a == puid_for(b"k1", 7) and a != b and a != puid_for(b"k2", 7)
    assert PUID.fullmatch(a)
    assert len(a) == 44 and a.startswith("rmp-")


def test_the_fields_are_the_databases() -> None:
    body = tdb_statement(statement(source_identity="Point de Contact").to_json(),
                         Action.REMOVE, "rmp-1")
    assert body["puid"] == "rmp-1" and body["automated_detection"] == "No"
    assert body["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_REMOVED"]
    assert body["content_date"] == "2026-02-27" and "source_identity" not in body
    assert body["source_type"] == "SOURCE_ARTICLE_16"
    assert body["automated_decision"] == "AUTOMATED_DECISION_NOT_AUTOMATED"
    assert body["territorial_scope"] == ["FR"]
    with pytest.raises(InvalidTdbStatement, match="account suspension"):
        tdb_statement(statement().to_json(), Action.SUSPEND_ACCOUNT, "rmp-1")
    with pytest.raises(InvalidTdbStatement, match="unknown field"):
        tdb_statement({**statement().to_json(), "media_sha256": "ab" * 32}, Action.REMOVE,
                      "rmp-1")


@pytest.mark.parametrize("field,text,why", [
    ("decision_facts", f"Notice by {VICTIM_NAME.upper()}.", "quotes the notice"),
    ("decision_facts", "Seen at https://t.me/c/4242/7", "quotes the notice"),
    ("illegal_content_explanation", f"Contact {VICTIM_EMAIL}", "quotes the notice"),
    ("decision_facts", "Mail a.b@example.net for details", "e-mail address"),
    ("decision_facts", "Call +33 6 12 34 56 78 now", "phone number"),
    ("decision_facts", "Shared in telegram.me/joinchat/abc", "Telegram link"),
])
def test_personal_data_refuses_the_statement(field: str, text: str, why: str) -> None:
    private = (VICTIM_NAME, VICTIM_EMAIL, "https://t.me/c/4242/7")
    with pytest.raises(PrivateData, match=why):
        tdb_statement(statement(**{field: text}).to_json(), Action.REMOVE, "rmp-1", private)


def test_ordinary_text_passes() -> None:
    text = "Removed under art. 226-2-1 on 2026-03-01; 3 copies in 2 groups."
    body = tdb_statement(statement(decision_facts=text).to_json(), Action.REMOVE, "rmp-1",
                         (VICTIM_NAME, "ab"))  # values under 3 characters are not compared
    assert body["decision_facts"] == text
