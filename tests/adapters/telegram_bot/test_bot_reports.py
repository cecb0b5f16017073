"""``/report`` floods and the linked channel's automatic forwards, end to end (fake Bot API over
HTTP, real database): one notice per message, a per-member limit, the group's own channel never
banned."""

from __future__ import annotations

from typing import Any

from bot_support import ADMIN_CHAT, BLOCK_SEED, CHAT, USER, BotHarness, cropped_copy
from telegram import Update

from rempart.adapters.telegram_bot.items import message_of
from rempart.bench.fake_bot_api import FakeBotApi
from rempart.services.bot_reports import REPORT_BURST
from rempart.store.notices import NoticeFilter, SqlNoticeStore

LINKED_ID = -1007777777777
LINKED = {"id": LINKED_ID, "type": "channel", "title": "The group's channel"}


def _notices(h: BotHarness) -> list[Any]:
    return SqlNoticeStore(h.stores[-1].engine).list_notices(NoticeFilter(), 50, 0).items


def _said_in_chat(api: FakeBotApi) -> list[str]:
    return [c.params["text"] for c in api.calls_to("sendMessage")
            if c.params["chat_id"] == CHAT]


def test_a_message_reported_by_several_members_gets_one_notice_and_one_alert(
        bot_env: tuple[FakeBotApi, BotHarness]) -> None:
    api, h = bot_env
    target = api.message(CHAT, USER, text="a message several members report")
    reports = [api.message(CHAT, USER + n, text="/report csam", reply_to_message=target)
               for n in (1, 2, 3)]
    for report in reports:
        api.add_update({"message": report})
    runner = h.runner()
    h.run_until(runner, lambda: runner.processed >= 3 and {
        (CHAT, r["message_id"]) for r in reports} <= api.deleted() and len(
        [t for t in _said_in_chat(api) if "already reported" in t]) >= 2)
    assert len(_notices(h)) == 1
    assert len([c for c in api.calls_to("sendMessage")
                if c.params["chat_id"] == ADMIN_CHAT]) == 1
    receipts = [c for c in api.calls_to("sendMessage") if c.params["chat_id"] == USER + 1]
    assert len(receipts) == 1 and "case" in receipts[0].params["text"]
    assert not [c for c in api.calls_to("sendMessage") if c.params["chat_id"] in (USER + 2,
                                                                                  USER + 3)]
    already = [t for t in _said_in_chat(api) if "already reported" in t]
    assert len(already) == 2
    assert {(CHAT, r["message_id"]) for r in reports} <= api.deleted()  # reporters not exposed
    assert (CHAT, target["message_id"]) not in api.deleted()  # a report never deletes


def test_a_member_over_her_report_limit_is_told_to_wait_once(
        bot_env: tuple[FakeBotApi, BotHarness]) -> None:
    api, h = bot_env
    count = REPORT_BURST + 4
    targets = [api.message(CHAT, USER, text=f"message {n}") for n in range(count)]
    reports = [api.message(CHAT, USER + 5, text="/report ncii", reply_to_message=t)
               for t in targets]
    for report in reports:
        api.add_update({"message": report})
    runner = h.runner()
    h.run_until(runner, lambda: runner.processed >= count and {
        (CHAT, r["message_id"]) for r in reports} <= api.deleted() and any(
        "Too many reports" in t for t in _said_in_chat(api)))
    assert len(_notices(h)) == REPORT_BURST
    waits = [t for t in _said_in_chat(api) if "Too many reports" in t]
    assert len(waits) == 1  # a flood of commands gets no flood of replies
    assert {(CHAT, r["message_id"]) for r in reports} <= api.deleted()
    # Another member is not held back by her limit.
    other = api.message(CHAT, USER + 6, text="/report ncii", reply_to_message=api.message(
        CHAT, USER, text="one more"))
    api.add_update({"message": other})
    runner = h.runner()
    h.run_until(runner, lambda: len(_notices(h)) > REPORT_BURST)
    assert len(_notices(h)) == REPORT_BURST + 1


def test_the_linked_channels_automatic_forward_is_deleted_without_strike_or_ban(
        bot_env: tuple[FakeBotApi, BotHarness]) -> None:
    api, h = bot_env
    post = api.photo_message(CHAT, 777000, cropped_copy(BLOCK_SEED), sender_chat=LINKED,
                             is_automatic_forward=True)
    api.add_update(post)
    runner = h.runner()
    h.run_until(runner, lambda: runner.processed >= 1 and bool(api.deleted()))
    assert (CHAT, post["message"]["message_id"]) in api.deleted()
    assert not api.calls_to("banChatSenderChat")
    assert not api.calls_to("restrictChatMember") and not api.calls_to("banChatMember")
    assert h.bot_store.strikes(CHAT, LINKED_ID) == 0
    assert h.bot_store.strikes(CHAT, 777000) == 0


def test_an_automatic_forward_is_the_channels_post_and_a_channel_identity_is_not(
        bot_env: tuple[FakeBotApi, BotHarness]) -> None:
    api, _ = bot_env

    def sender(**extra: Any) -> str:
        update = Update.de_json({"update_id": 1, "message": api.message(
            CHAT, 777000, text="hello", sender_chat=LINKED, **extra)}, None)
        message = message_of(update)
        assert message is not None
        return message.sender

    assert sender(is_automatic_forward=True) == "channel_post"
    assert sender() == "channel_identity"
