"""The bot's pure rules: block, review, alert, text labels, strikes, channel identities."""

from __future__ import annotations

import pytest

from rempart.core.bot_policy import (
    ChatPolicy,
    MediaHit,
    chunks,
    decide,
    message_link,
    missing_rights,
)

BLOCK = MediaHit("confirmed", "block", 6)
REVIEW = MediaHit("victims", "review", 10)
ALERT = MediaHit("partner", "alert", 20)


def test_block_deletes_strikes_and_restricts_then_bans() -> None:
    p = ChatPolicy(strikes_to_ban=3)
    first = decide([BLOCK], (), p, strikes_before=0)
    assert first.delete and first.strike and first.alert and first.sender == "restrict"
    third = decide([BLOCK], (), p, strikes_before=2)
    assert third.sender == "ban"


def test_review_never_deletes_by_itself() -> None:
    d = decide([REVIEW], (), ChatPolicy(), strikes_before=0)
    assert not d.delete and d.review and d.alert and not d.strike and d.sender == "none"
    # A group admin cannot turn review into deletion: the setting does not exist.
    with pytest.raises(ValueError):
        ChatPolicy().with_setting("delete_on_review", "on")
    assert ChatPolicy.from_json({"delete_on_review": True}) == ChatPolicy()


def test_alert_only_and_nothing() -> None:
    d = decide([ALERT], (), ChatPolicy(), strikes_before=0)
    assert d.alert and not d.delete and not d.review
    assert not decide([], (), ChatPolicy(), strikes_before=0).acts
    assert not decide([BLOCK], (), ChatPolicy(enabled=False), strikes_before=0).acts


def test_text_labels() -> None:
    d = decide([], ("ncii_request",), ChatPolicy(), strikes_before=5)
    assert d.delete and d.review and not d.strike and d.sender == "none"
    promo = decide([], ("group_promotion",), ChatPolicy(), strikes_before=0)
    assert promo.alert and not promo.delete


def test_labels_read_in_context_alert_and_queue_but_never_delete() -> None:
    d = decide([], (), ChatPolicy(), strikes_before=0, context_labels=("ncii_request",))
    assert d.alert and d.review and not d.delete and not d.strike
    assert d.reasons == ("text in context: ncii_request",)
    promo = decide([], (), ChatPolicy(), strikes_before=0, context_labels=("group_promotion",))
    assert promo.alert and not promo.review and not promo.delete


def test_channel_identity_and_anonymous_admin() -> None:
    d = decide([BLOCK], (), ChatPolicy(), strikes_before=0, sender="channel_identity")
    assert d.ban_sender_chat and d.sender == "none"
    anon = decide([BLOCK], (), ChatPolicy(), strikes_before=0, sender="anonymous_admin")
    assert anon.delete and not anon.strike and not anon.ban_sender_chat


def test_settings_round_trip_and_admin_text() -> None:
    p = ChatPolicy().with_setting("strikes_to_ban", "2").with_setting("enabled", "off")
    assert p.strikes_to_ban == 2 and not p.enabled
    assert ChatPolicy.from_json(p.to_json()) == p
    assert ChatPolicy().with_setting("banks", "a, b").banks == ("a", "b")
    with pytest.raises(ValueError):
        ChatPolicy().with_setting("nope", "1")
    with pytest.raises(ValueError):
        ChatPolicy().with_setting("sender_action", "explode")


def test_rights_links_chunks() -> None:
    assert missing_rights("supergroup", "member", {}) == ["admin"]
    assert missing_rights("supergroup", "administrator", {"can_delete_messages": True}) == [
        "can_restrict_members"]
    assert missing_rights("channel", "administrator", {"can_delete_messages": True}) == []
    assert message_link(-1001234, 5) == "https://t.me/c/1234/5"
    assert message_link(-1001234, 5, "pubgroup") == "https://t.me/pubgroup/5"
    assert message_link(-42, 5) is None
    parts = chunks(list(range(250, 0, -1)))
    assert [len(c) for c in parts] == [100, 100, 50] and parts[0][0] == 1
