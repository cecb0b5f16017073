"""The bot's store on SQLite and PostgreSQL: offset and inbox, chats, message log, strikes,
seen files, review items deduplicated, the outbox and its retries."""

from __future__ import annotations

from datetime import timedelta

from rempart.core.chat_ids import MATRIX_CHATS, TELEGRAM_CHATS
from rempart.store.audit import AuditEntry
from rempart.store.bot import NewAction, SqlBotStore
from rempart.store.review_groups import group_key
from rempart.store.reviews import NewReviewItem
from rempart.store.rows import utc_now
from rempart.store.sql import open_store


def test_bot_store(db_url: str) -> None:
    engine = open_store(db_url).engine
    s = SqlBotStore(engine)
    assert s.offset() == 0
    assert s.accept_updates([(5, -100, {"update_id": 5}), (6, None, {"update_id": 6})], 7) \
        == [5, 6]
    assert s.accept_updates([(5, -100, {"update_id": 5})], 7) == []  # sent again: known
    assert s.offset() == 7
    assert [u.update_id for u in s.pending_updates()] == [5, 6]

    chat = s.save_chat(-100, "supergroup", "Group", rights={"status": "administrator"})
    assert chat.settings == {} and chat.rights["status"] == "administrator"
    chat = s.save_chat(-100, "supergroup", settings={"strikes_to_ban": 2})
    assert chat.settings == {"strikes_to_ban": 2} and chat.title == "Group"
    assert [c.chat_id for c in s.list_chats()] == [-100]

    now = utc_now()
    assert s.log_message(-100, 1, 9, None, now)
    assert not s.log_message(-100, 1, 9, None, now)
    s.log_message(-100, 2, 9, None, now - timedelta(hours=50))
    s.log_message(-100, 3, 8, None, now)
    assert s.messages_since(-100, 9, now - timedelta(hours=48)) == [1]
    assert s.mark_deleted(-100, [1]) == 1 and s.mark_deleted(-100, [1]) == 0
    assert s.is_deleted(-100, 1) and not s.is_deleted(-100, 3)
    assert s.prune_messages(now - timedelta(hours=49)) == 1

    assert s.strikes(-100, 9) == 0
    assert s.add_strike(-100, 9) == 1 and s.add_strike(-100, 9) == 2

    assert s.seen_file("u1") is None
    s.remember_file("u1", "ab" * 32, {"status": "checked", "matches": []})
    s.remember_file("u1", "ab" * 32, {"status": "checked", "matches": [{"bank": "b"}]})
    assert s.seen_file("u1") == {"status": "checked", "matches": [{"bank": "b"}]}

    item = NewReviewItem("bot", "media_match", "bot:-100:1:u1:3", utc_now(), bank="b",
                         entry_id=3, distance=4, labels=("ncii",),
                         location={"platform": "telegram", "chat": -100},
                         evidence={"match": {}})
    assert s.add_review_item(item) and not s.add_review_item(item)
    rows = s.review_items()
    assert len(rows) == 1 and rows[0]["source"] == "bot" and rows[0]["status"] == "open"
    # Grouped as every review item is (the review-by-content queue).
    assert rows[0]["group_key"] == group_key("media_match", entry_id=3)
    assert rows[0]["place"] == "telegram:-100"
    engine.dispose()


def _engine(db_url: str) -> SqlBotStore:
    return SqlBotStore(open_store(db_url).engine)


def test_inbox_done_failed_dead_pruned(db_url: str) -> None:
    s = _engine(db_url)
    s.accept_updates([(1, -100, {"update_id": 1, "message": {"text": "hi"}}),
                      (2, -100, {"update_id": 2}), (3, -100, {"update_id": 3})], 4)
    s.update_done(1)
    row = s.get_update(1)
    assert row is not None and row.status == "done" and row.payload is None  # text dropped
    later = utc_now() + timedelta(minutes=5)
    s.update_failed(2, "RuntimeError: boom", later)
    s.update_failed(3, "timed out after 1 s", None)
    assert [u.update_id for u in s.pending_updates(due_before=utc_now())] == []
    assert [u.update_id for u in s.pending_updates()] == [2]
    troubled = {u.update_id: u for u in s.troubled_updates()}
    assert troubled[2].status == "pending" and troubled[2].attempts == 1
    assert troubled[3].status == "dead" and troubled[3].error == "timed out after 1 s"
    audit = AuditEntry(utc_now(), "user", "mod", "bot.retry_update", "bot_update", "3")
    assert s.retry_update(3, audit) and not s.retry_update(3, audit)
    assert s.get_update(3).status == "pending"  # type: ignore[union-attr]
    assert s.prune_updates(4) == 1  # only the done one goes
    assert s.get_update(1) is None and s.get_update(2) is not None
    s.close()


def test_each_platform_reads_only_its_chats_actions(db_url: str) -> None:
    s = _engine(db_url)
    telegram, matrix = s.add_actions([
        NewAction("t", -1001234567890, "delete", "action", {"message_ids": [1]}),
        NewAction("m", MATRIX_CHATS[0] + 12345, "delete", "action", {"message_ids": [2]})])
    assert s.due_actions(utc_now(), chats=TELEGRAM_CHATS) == [telegram]
    assert s.due_actions(utc_now(), chats=MATRIX_CHATS) == [matrix]
    assert len(s.due_actions(utc_now())) == 2
    s.close()


def test_outbox_actions_receipts_and_outcomes(db_url: str) -> None:
    s = _engine(db_url)
    now = utc_now()
    s.log_message(-100, 12, 9, None, now)
    s.log_message(-100, 13, 9, None, now)
    rows = s.add_actions([
        NewAction("-100:12:7:delete", -100, "delete", "action", {"message_ids": [12, 13]}, 7),
        NewAction("-100:12:7:receipt", 9, "message", "receipt", {"text": "secret S3"}, 7)])
    assert [r.action for r in rows] == ["delete", "message"]
    assert s.add_actions([NewAction("-100:12:7:delete", -100, "delete", "action", {})]) == []
    assert s.action_keys(["-100:12:7:receipt", "nope"]) == {"-100:12:7:receipt"}
    assert {r.id for r in s.due_actions(utc_now())} == {r.id for r in rows}
    assert s.due_actions(utc_now(), exclude={rows[0].id}) == [rows[1]]
    s.action_done(rows[0].id)
    assert s.is_deleted(-100, 12) and s.is_deleted(-100, 13)
    s.action_done(rows[1].id)
    receipt = s.get_action(rows[1].id)
    assert receipt is not None and receipt.status == "done" and receipt.params is None

    # A receipt that can never be delivered: given up, and its secret dropped all the same.
    undeliverable = s.add_actions([NewAction("r2", 10, "message", "receipt",
                                             {"text": "secret S4"})])[0]
    s.action_failed(undeliverable.id, "Forbidden: bot can't initiate conversation", None)
    dead = s.get_action(undeliverable.id)
    assert dead is not None and dead.status == "dead" and dead.params is None
    audit = AuditEntry(utc_now(), "user", "mod", "bot.retry_action", "bot_action", "x")
    assert not s.retry_action(undeliverable.id, audit)  # nothing left to send

    ban = s.add_actions([NewAction("b1", -100, "ban", "action", {"user_id": 9})])[0]
    s.action_failed(ban.id, "Bad Request: not enough rights", utc_now() + timedelta(hours=1))
    assert s.due_actions(utc_now()) == []
    s.action_failed(ban.id, "Bad Request: not enough rights", None)
    assert [r.id for r in s.troubled_actions()] == [ban.id, undeliverable.id]
    assert s.retry_action(ban.id, audit)
    again = s.get_action(ban.id)
    assert again is not None and again.status == "pending" and again.attempts == 0

    # Findings, strike and actions in one transaction; punishment and alert only once.
    item = NewReviewItem("bot", "media_match", "bot:-100:20:u:1", utc_now(),
                         location={"chat": -100})
    delete = NewAction("-100:20:8:delete", -100, "delete", "action", {"message_ids": [20]})
    alert = NewAction("-100:20:8:alert", -99, "message", "alert", {"text": "Removed"})
    first = s.record_outcome([item], (-100, 9), [delete], [alert])
    assert first.new and first.strikes == 1 and len(first.actions) == 2
    again_outcome = s.record_outcome([item], (-100, 9), [delete], [alert])
    assert not again_outcome.new and again_outcome.actions == [] and s.strikes(-100, 9) == 1
    # A key repeated within one outcome is one finding, not a failed transaction.
    twice = NewReviewItem("bot", "media_match", "bot:-100:21:u:1", utc_now())
    assert s.record_outcome([twice, twice], None, [], []).new
    assert sum(r["dedup_key"] == twice.dedup_key for r in s.review_items()) == 1
    s.close()
