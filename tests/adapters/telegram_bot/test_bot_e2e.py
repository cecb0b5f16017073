"""End to end: python-telegram-bot against the fake Bot API server over HTTP, real database,
real matcher, generated images."""

from __future__ import annotations

from bot_support import (
    ADMIN,
    ADMIN_CHAT,
    BLOCK_SEED,
    CHAT,
    REVIEW_SEED,
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


def test_album_with_one_review_photo_is_queued_not_deleted(
        bot_env: tuple[FakeBotApi, BotHarness]) -> None:
    api, h = bot_env
    album = [api.photo_message(CHAT, USER, data, media_group_id="alb1") for data in (
        photo_bytes(60, SIZE), cropped_copy(REVIEW_SEED), photo_bytes(61, SIZE))]
    for update in album:
        api.add_update(update)
    runner = h.runner()
    h.run_until(runner, lambda: runner.processed >= 3 and any(
        i["bank"] == "victims" for i in h.bot_store.review_items()))
    # Review never deletes by itself: a moderator confirms first; nobody is punished.
    assert not {(CHAT, u["message"]["message_id"]) for u in album} & api.deleted()
    assert api.calls_to("restrictChatMember") == []
    items = h.bot_store.review_items()
    assert any(i["bank"] == "victims" and i["kind"] == "media_match" for i in items)


def test_album_with_one_blocked_photo_goes_entirely(
        bot_env: tuple[FakeBotApi, BotHarness]) -> None:
    api, h = bot_env
    album = [api.photo_message(CHAT, USER, data, media_group_id="alb2") for data in (
        photo_bytes(62, SIZE), cropped_copy(BLOCK_SEED), photo_bytes(63, SIZE))]
    for update in album:
        api.add_update(update)
    runner = h.runner()
    wanted = {(CHAT, u["message"]["message_id"]) for u in album}
    h.run_until(runner, lambda: runner.processed >= 3 and wanted <= api.deleted())
    assert wanted <= api.deleted()
    assert [c.params["user_id"] for c in api.calls_to("restrictChatMember")] == [USER]


def test_edit_swapping_in_a_banked_image_is_caught(
        bot_env: tuple[FakeBotApi, BotHarness]) -> None:
    api, h = bot_env
    first = api.photo_message(CHAT, USER, photo_bytes(70, SIZE))
    api.add_update(first)
    runner = h.runner()
    h.run_until(runner, lambda: runner.processed >= 1)
    msg_id = first["message"]["message_id"]
    assert (CHAT, msg_id) not in api.deleted()
    edited = api.message(CHAT, USER, message_id=msg_id, photo=api.photo_sizes(
        cropped_copy(BLOCK_SEED)), edit_date=first["message"]["date"] + 5)
    api.add_update({"edited_message": edited})
    runner = h.runner()
    h.run_until(runner, lambda: (CHAT, msg_id) in api.deleted())
    assert (CHAT, msg_id) in api.deleted()
    assert h.bot_store.strikes(CHAT, USER) == 1


def test_solicitation_text_removed_and_queued(bot_env: tuple[FakeBotApi, BotHarness]) -> None:
    api, h = bot_env
    bad = {"message": api.message(CHAT, USER, text="échange nudes d'ex, envoie en dm")}
    fine = {"message": api.message(CHAT, USER, text="rendez-vous demain à la bibliothèque")}
    api.add_update(bad)
    api.add_update(fine)
    runner = h.runner()
    h.run_until(runner, lambda: runner.processed >= 2)
    assert (CHAT, bad["message"]["message_id"]) in api.deleted()
    assert (CHAT, fine["message"]["message_id"]) not in api.deleted()
    items = [i for i in h.bot_store.review_items() if i["kind"] == "text_flag"]
    assert len(items) == 1 and items[0]["labels"]
    assert h.bot_store.strikes(CHAT, USER) == 0  # text never counts a strike


def test_a_reply_read_with_the_request_it_answers_is_flagged_not_deleted(
        bot_env: tuple[FakeBotApi, BotHarness]) -> None:
    api, h = bot_env
    request = api.message(CHAT, USER, text="qui a le dossier de Zorbina de la seconde B ?")
    follow = {"message": api.message(CHAT, USER + 1, text="envoie en pv stp",
                                     reply_to_message=request)}
    refusal = {"message": api.message(CHAT, USER + 2, text="non arrête c'est illégal",
                                      reply_to_message=request)}
    api.add_update(follow)
    api.add_update(refusal)
    runner = h.runner()
    h.run_until(runner, lambda: runner.processed >= 2)
    assert not api.deleted()
    items = [i for i in h.bot_store.review_items() if i["kind"] == "text_flag"]
    assert len(items) == 1 and items[0]["labels"] == ["ncii_request"]
    assert items[0]["location"]["message"] == follow["message"]["message_id"]
    assert items[0]["evidence"]["context"] == [str(request["message_id"])]


def test_429_storm_retried_nothing_lost(bot_env: tuple[FakeBotApi, BotHarness]) -> None:
    api, h = bot_env
    updates = [api.photo_message(CHAT - i, USER + i, cropped_copy(BLOCK_SEED))
               for i in range(4)]
    api.fail_next(3, retry_after=1)  # the next three calls (any method) get 429
    for update in updates:
        api.add_update(update)
    runner = h.runner()
    wanted = {(u["message"]["chat"]["id"], u["message"]["message_id"]) for u in updates}
    h.run_until(runner, lambda: wanted <= api.deleted() and runner.processed >= 4)
    assert wanted <= api.deleted()
    assert sum(1 for c in api.calls if c.status == 429) == 3
    assert len(api.calls_to("restrictChatMember")) >= 4


def test_restart_mid_batch_no_update_missed_or_done_twice(
        bot_env: tuple[FakeBotApi, BotHarness]) -> None:
    api, h = bot_env
    # Enough updates that the stop (after 3) lands mid-batch however fast the bot is.
    texts = 40
    updates = [{"message": api.message(CHAT, USER + i, text=f"bonjour {i}")}
               for i in range(texts)]
    updates += [api.photo_message(CHAT, USER + 100 + i, cropped_copy(BLOCK_SEED))
                for i in range(4)]
    ids = [api.add_update(u) for u in updates]
    done: list[int] = []
    first = h.runner(on_update_done=done.append)
    h.run_until(first, lambda: False, timeout=20, stop_when=lambda: len(done) >= 3)
    assert 3 <= len(done) < len(ids)  # killed in the middle of the batch
    done_again: list[int] = []
    second = h.runner(on_update_done=done_again.append)
    h.run_until(second, lambda: len(done) + len(done_again) >= len(ids))
    assert sorted(done + done_again) == ids  # each update handled exactly once
    photos = {(CHAT, u["message"]["message_id"]) for u in updates[texts:]}
    assert photos <= api.deleted()
    for i in range(4):
        assert h.bot_store.strikes(CHAT, USER + 100 + i) == 1
    assert h.bot_store.offset() == ids[-1] + 1
    assert h.bot_store.pending_updates() == []


def test_report_creates_a_notice_and_acknowledges_privately(
        bot_env: tuple[FakeBotApi, BotHarness]) -> None:
    api, h = bot_env
    target = api.message(CHAT, USER, text="a message someone reports")
    report = api.message(CHAT, USER + 5, text="/report ncii", reply_to_message=target)
    api.add_update({"message": report})
    runner = h.runner()
    h.run_until(runner, lambda: any(c.params.get("chat_id") == USER + 5
                                    for c in api.calls_to("sendMessage")))
    acks = [c for c in api.calls_to("sendMessage") if c.params["chat_id"] == USER + 5]
    assert len(acks) == 1 and "case" in acks[0].params["text"]
    assert (CHAT, report["message_id"]) in api.deleted()  # the reporter is not exposed
    from rempart.store.notices import NoticeFilter, SqlNoticeStore

    notices = SqlNoticeStore(h.stores[-1].engine).list_notices(NoticeFilter(), 10, 0)
    assert len(notices.items) == 1
    assert notices.items[0].new.message_id == target["message_id"]


def test_purge_deletes_the_last_48h_of_a_user(bot_env: tuple[FakeBotApi, BotHarness]) -> None:
    api, h = bot_env
    posts = [{"message": api.message(CHAT, USER, text=f"post {i}")} for i in range(3)]
    other = {"message": api.message(CHAT, USER + 1, text="someone else")}
    for u in [*posts, other]:
        api.add_update(u)
    runner = h.runner()
    h.run_until(runner, lambda: runner.processed >= 4)
    purge = api.message(CHAT, ADMIN, text=f"/rempart_purge {USER}")
    api.add_update({"message": purge})
    runner = h.runner()
    h.run_until(runner, lambda: {(CHAT, p["message"]["message_id"]) for p in posts}
                <= api.deleted())
    assert {(CHAT, p["message"]["message_id"]) for p in posts} <= api.deleted()
    assert (CHAT, other["message"]["message_id"]) not in api.deleted()
    assert [c.params["user_id"] for c in api.calls_to("banChatMember")] == [USER]
    assert api.calls_to("deleteMessages")[-1].params["message_ids"] == sorted(
        p["message"]["message_id"] for p in posts)


def test_purge_ignored_for_non_admins_and_odd_updates_survive(
        bot_env: tuple[FakeBotApi, BotHarness]) -> None:
    api, h = bot_env
    api.add_update({"message": api.message(CHAT, USER, text=f"/rempart_purge {USER + 1}")})
    api.add_update({"poll": {"id": "1", "question": "?", "options": []}})  # malformed
    api.add_update({"message": {"message_id": 1, "chat": {"id": CHAT}}})  # missing fields
    api.add_update({"my_chat_member": {
        "chat": {"id": CHAT - 7, "type": "supergroup", "title": "New group"},
        "from": {"id": ADMIN, "is_bot": False, "first_name": "Admin"}, "date": 1,
        "old_chat_member": {"status": "left", "user": {"id": 1, "is_bot": True,
                                                        "first_name": "Rempart"}},
        "new_chat_member": {"status": "member", "user": {"id": 1, "is_bot": True,
                                                         "first_name": "Rempart"}}}})
    runner = h.runner()
    h.run_until(runner, lambda: any(c.params.get("chat_id") == CHAT - 7
                                    for c in api.calls_to("sendMessage")))
    assert api.calls_to("banChatMember") == []
    told = [c for c in api.calls_to("sendMessage") if c.params["chat_id"] == CHAT - 7]
    assert "admin" in told[0].params["text"]
