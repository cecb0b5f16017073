"""End to end: python-telegram-bot against the fake Bot API server over HTTP, real database,
real matcher, generated images."""

from __future__ import annotations

from conftest import (  # type: ignore[import-not-found]
    ADMIN_CHAT,
    BLOCK_SEED,
    CHAT,
    SIZE,
    USER,
    BotHarness,
    cropped_copy,
)
from rempart.bench.fake_bot_api import FakeBotApi
from rempart.bench.synthetic_images import photo_bytes


def test_banked_photo_deleted_sender_restricted_ordinary_stays(
        bot_env: tuple[FakeBotApi, BotHarness]) -> None:
    api, h = bot_env
    bad = api.photo_message(CHAT, USER, cropped_copy(BLOCK_SEED), caption="look")
    good = api.photo_message(CHAT, USER + 1, photo_bytes(50, SIZE))
    api.add_update(bad)
    api.add_update(good)
    runner = h.runner()
    h.run_until(runner, lambda: runner.processed >= 2)
    assert (CHAT, bad["message"]["message_id"]) in api.deleted()
    assert (CHAT, good["message"]["message_id"]) not in api.deleted()
    restricted = api.calls_to("restrictChatMember")
    assert [c.params["user_id"] for c in restricted] == [USER]
    assert restricted[0].params["permissions"]["can_send_messages"] is False
    alerts = [c for c in api.calls_to("sendMessage") if c.params["chat_id"] == ADMIN_CHAT]
    assert len(alerts) == 1
    assert "bank confirmed" in alerts[0].params["text"]
    assert "t.me/c/1234567890/" in alerts[0].params["text"]
    assert not any(c.method.startswith("send") and c.method != "sendMessage" for c in api.calls)
    assert h.bot_store.strikes(CHAT, USER) == 1
    assert runner.errors == 0
