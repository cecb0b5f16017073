"""The review queue by content: items of one content group form one group across sources and
chats; filters choose groups; a group decision closes its open items in one transaction."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from alembic import command

from rempart.core.workflow import Role
from rempart.store import make_engine
from rempart.store.audit import AuditEntry
from rempart.store.engine import alembic_config
from rempart.store.review_groups import GROUP_KEY, ReviewFilter, group_key, place_of
from rempart.store.reviews import Closing, NewReviewItem, SqlReviewStore
from rempart.store.sql import SqlBankStore, open_store
from rempart.store.users import SqlUserStore

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def store(db_url: str) -> Iterator[SqlReviewStore]:
    banks: SqlBankStore = open_store(db_url)
    yield SqlReviewStore(banks.engine)
    banks.close()


def sighting(key: str, source: str = "bot", chat: object = -1001, hours: int = 0,
             group: str | None = "cg-1", kind: str = "media_match",
             text: str | None = None, bank: str | None = "victims") -> NewReviewItem:
    return NewReviewItem(
        source, kind, key, T0 + timedelta(hours=hours), bank=bank, entry_id=7 if group else None,
        content_group=group, signal="pdq", distance=4,
        location={"platform": "telegram", "chat": chat, "message": 1},
        evidence={"text": text} if text else {})


def test_one_content_seen_by_every_source_is_one_group(store: SqlReviewStore) -> None:
    store.create(sighting("bot:1", "bot", -1001, 0))
    store.create(sighting("bot:2", "bot", -1002, 1))
    store.create(sighting("scan:1", "scan", "export-9", 2))
    store.create(NewReviewItem("api", "media_match", "api:1", T0 + timedelta(hours=3),
                               bank="victims", entry_id=8, content_group="cg-1",
                               location={"platform": "api", "token": "partner-x"}))
    store.create(sighting("bot:other", "bot", -1001, 4, group="cg-2"))
    page = store.groups(ReviewFilter(), 10, 0)
    assert page.total == 2
    first, second = page.items
    assert (first.count, first.places, first.kind) == (4, 4, "media_match")
    assert first.sources == {"api": 1, "bot": 2, "scan": 1}
    assert (first.first_seen, first.last_seen) == (T0, T0 + timedelta(hours=3))
    assert first.banks == ("victims",) and GROUP_KEY.fullmatch(first.key)
    assert second.count == 1
    items = store.group_items(first.key, "open", 2, 0)
    assert items.total == 4 and [i.new.dedup_key for i in items.items] == ["bot:1", "bot:2"]
    assert items.items[0].place == "telegram:-1001"


def test_group_ids_are_opaque_digests() -> None:
    key = group_key("media_match", content_group="cg-secret")
    assert "cg-secret" not in key and len(key) == 32
    assert key != group_key("entry_hold", content_group="cg-secret")  # kinds stay apart
    same = group_key("text_flag", text="Buy  NOW") == group_key("text_flag", text="buy now")
    assert same and group_key("text_flag", dedup_key="a") != group_key("text_flag",
                                                                         dedup_key="b")
    assert place_of({"platform": "api", "token": "t1"}) == "api:t1"
    assert place_of({}) is None


def test_filters_choose_groups_and_rows_count_the_whole_group(store: SqlReviewStore) -> None:
    store.create(sighting("bot:1", "bot", -1001, 0))
    store.create(sighting("scan:1", "scan", "export-9", 30))
    store.create(sighting("t:1", "bot", -1003, 5, group=None, kind="text_flag",
                          text="Telegram 100% promo", bank=None))
    store.create(sighting("t:2", "bot", -1004, 6, group=None, kind="text_flag",
                          text="telegram 100% PROMO", bank=None))

    def keys(**f: object) -> list[tuple[str, int]]:
        return [(g.kind, g.count) for g in store.groups(ReviewFilter(**f), 10, 0).items]

    assert keys() == [("media_match", 2), ("text_flag", 2)]
    assert keys(source="scan") == [("media_match", 2)]  # the group, counted whole
    assert keys(kind="text_flag") == [("text_flag", 2)]
    assert keys(bank="victims") == [("media_match", 2)]
    assert keys(place="-1004") == [("text_flag", 2)]
    assert keys(text="100%") == [("text_flag", 2)]  # LIKE wildcards are literal
    assert keys(text="1_0") == []
    assert keys(since=T0 + timedelta(hours=20)) == [("media_match", 2)]
    assert keys(until=T0 + timedelta(hours=1)) == [("media_match", 2)]
    assert store.groups(ReviewFilter(), 1, 1).items[0].kind == "text_flag"
    assert store.groups(ReviewFilter(), 1, 1).total == 2


def test_decide_many_closes_open_items_once_with_their_audit(store: SqlReviewStore) -> None:
    a, _ = store.create(sighting("bot:1"))
    b, _ = store.create(sighting("bot:2", chat=-1002))

    def closing(item_id: int) -> Closing:
        audit = AuditEntry(T0, "user", "mod", "review.dismiss", "review_item", str(item_id), {})
        return Closing(item_id, "dismissed", "dismiss", audit)

    store.decide_many([closing(a.id)], _user(store), "first", T0)
    done = store.decide_many([closing(a.id), closing(b.id)], _user(store), "second", T0)
    assert [i.id for i in done] == [b.id]  # a was decided already: left out
    assert store.groups(ReviewFilter(), 10, 0).total == 0
    assert store.groups(ReviewFilter(status=None), 10, 0).items[0].count == 2
    with store.engine.connect() as conn:
        logged = conn.execute(sa.text(
            "select object_id from audit_events where object_type = 'review_item'")).scalars()
        assert sorted(logged) == sorted([str(a.id), str(b.id)])


def _user(store: SqlReviewStore) -> int:
    users = SqlUserStore(store.engine)
    found = users.user_credentials("mod")
    if found is None:
        return users.create_user("mod", "x", Role.MODERATOR, _audit("user.create")).id
    return found[0].id


def _audit(action: str, object_id: str = "mod") -> AuditEntry:
    return AuditEntry(T0, "system", None, action, "user", object_id, {})


def test_migration_fills_the_groups_of_items_stored_before(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    try:
        with engine.begin() as conn:
            command.upgrade(alembic_config(conn), "0011")
            for key, chat in (("bot:1", -1001), ("bot:2", -1002)):
                conn.execute(sa.text(
                    "insert into review_items (created_at, updated_at, source, status, kind, "
                    "content_group, labels, location, evidence, dedup_key) values (:t, :t, "
                    "'bot', 'open', 'media_match', 'cg-1', '[]', :loc, '{}', :key)"),
                    {"t": T0, "key": key,
                     "loc": f'{{"platform": "telegram", "chat": {chat}}}'})
            command.upgrade(alembic_config(conn), "head")
        [group] = SqlReviewStore(engine).groups(ReviewFilter(), 10, 0).items
        assert (group.count, group.places) == (2, 2)
        assert group.key == group_key("media_match", content_group="cg-1")
    finally:
        engine.dispose()
