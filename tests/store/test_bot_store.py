"""The bot's store on SQLite and PostgreSQL: offset and marks, chats, message log, strikes,
seen files, review items deduplicated."""

from __future__ import annotations

from datetime import timedelta

from rempart.store.bot import NewReviewItem, SqlBotStore
from rempart.store.rows import utc_now
from rempart.store.sql import open_store


def test_bot_store(db_url: str) -> None:
    engine = open_store(db_url).engine
    s = SqlBotStore(engine)
    assert s.offset() == (0, set())
    s.mark_done(5)
    s.mark_done(5)
    s.mark_done(6)
    assert s.offset() == (0, {5, 6})
    s.set_offset(7)
    assert s.offset() == (7, set())

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

    item = NewReviewItem("media_match", "bot:-100:1:u1:3", ("ncii",), {"chat": -100},
                         {"match": {}}, bank="b", entry_id=3, distance=4)
    assert s.add_review_item(item) and not s.add_review_item(item)
    rows = s.review_items()
    assert len(rows) == 1 and rows[0]["source"] == "bot" and rows[0]["status"] == "open"
    engine.dispose()
