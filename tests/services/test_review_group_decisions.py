"""One decision on a group covers its sightings from every source; bulk decisions are bounded
and refused to those who may not decide."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher

from rempart.core.banks import BankKind, BankPolicy, EntryTrust, Provenance
from rempart.core.workflow import Role
from rempart.services import review_groups
from rempart.services.banks import add_signal, create_bank
from rempart.services.errors import InvalidArgument
from rempart.services.notices import NotAllowed
from rempart.services.reviews import ReviewNotFound, ReviewService
from rempart.services.users import SYSTEM, UserService
from rempart.store.audit import AuditFilter, SqlAuditLog
from rempart.store.review_groups import ReviewFilter
from rempart.store.reviews import NewReviewItem, SqlReviewStore
from rempart.store.sql import SqlBankStore, open_store
from rempart.store.users import SqlUserStore, UserRecord

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
PDQ = "f" * 64


@dataclass
class World:
    banks: SqlBankStore
    reviews: ReviewService
    users: UserService
    entry: int

    def user(self, name: str) -> UserRecord:
        return self.users.get(name)


@pytest.fixture
def w(db_url: str) -> Iterator[World]:
    banks = open_store(db_url)
    create_bank(banks, "victims", BankKind.VICTIM, BankPolicy.BLOCK)
    create_bank(banks, "allow", BankKind.ALLOWLIST)
    entry = add_signal(banks, "victims", "pdq", PDQ, Provenance(source="portal", case_id="C1"))
    banks.set_entry_trust([entry], EntryTrust.UNCONFIRMED)
    user_store = SqlUserStore(banks.engine)
    users = UserService(user_store, PasswordHasher(time_cost=1, memory_cost=1024,
                                                   parallelism=1),
                        sessions=None, audit_log=None)
    for name, role in (("mod", Role.MODERATOR), ("reader", Role.ANALYST)):
        users.create(name, "a long enough passphrase", role, SYSTEM)
    yield World(banks, ReviewService(SqlReviewStore(banks.engine), banks, user_store.get_user),
                users, entry)
    banks.close()


def _sightings(w: World, n: int = 3, md5: str = "a") -> list[int]:
    """The same registered photo seen by the bot, a scan and the API (distinct files)."""
    entry = w.banks.get_entry(w.entry)
    assert entry is not None
    out = []
    for i in range(n):
        source = ("bot", "scan", "api")[i % 3]
        item, _ = w.reviews.create(NewReviewItem(
            source, "media_match", f"{source}:{md5}:{i}", T0 + timedelta(minutes=i),
            bank="victims", entry_id=w.entry, content_group=entry.content_group, signal="pdq",
            distance=3, location={"platform": "telegram", "chat": -1000 - i},
            evidence={"query_signals": [{"signal_type": "md5", "value": f"{md5 * 31}{i % 2}"},
                                        {"signal_type": "pdq", "value": PDQ}]}))
        out.append(item.id)
    return out


def test_one_confirmation_covers_every_source_and_confirms_the_entry_once(w: World) -> None:
    ids = _sightings(w, 3)
    [group] = w.reviews.groups.list(ReviewFilter()).items
    assert group.sources == {"api": 1, "bot": 1, "scan": 1} and group.places == 3
    done = w.reviews.groups.decide([group.key], "confirm", w.user("mod"), "it is her photo")
    assert (done.groups, done.decided, done.remaining) == (1, 3, 0)
    items = [w.reviews.evidence(i).item for i in ids]
    assert {i.status for i in items} == {"confirmed"}
    assert {i.decision for i in items} == {"confirm:block"}
    entry = w.banks.get_entry(w.entry)
    assert entry is not None and entry.trust is EntryTrust.CONFIRMED
    events = SqlAuditLog(w.banks.engine).list_audit(AuditFilter(object_type="review_item"), 50, 0)
    assert sorted(e.entry.object_id for e in events.items) == sorted(str(i) for i in ids)
    assert all(e.entry.details["group"] == group.key for e in events.items)
    assert w.reviews.groups.list(ReviewFilter()).total == 0


def test_dismissing_a_group_allowlists_each_distinct_seen_signal_once(w: World) -> None:
    _sightings(w, 4)
    [group] = w.reviews.groups.list(ReviewFilter()).items
    w.reviews.groups.decide([group.key], "dismiss", w.user("mod"), "not her", "allow")
    allow = w.banks.get_bank("allow")
    assert allow is not None
    assert w.banks.count_entries(allow.id)["active"] == 3  # two md5s and the pdq


def test_withdrawing_a_group_removes_the_entry_and_refuses_text_groups(w: World) -> None:
    _sightings(w, 2)
    text, _ = w.reviews.create(NewReviewItem("bot", "text_flag", "t:1", T0, labels=("spam",),
                                             evidence={"text": "promo"}))
    groups = {g.kind: g for g in w.reviews.groups.list(ReviewFilter()).items}
    with pytest.raises(InvalidArgument):  # refused before anything changed
        w.reviews.groups.decide([groups["media_match"].key, groups["text_flag"].key],
                                "withdraw", w.user("mod"), "poisoned")
    assert w.reviews.groups.list(ReviewFilter()).total == 2
    done = w.reviews.groups.decide([groups["media_match"].key], "withdraw", w.user("mod"),
                                   "a press photo")
    assert done.decided == 2
    entry = w.banks.get_entry(w.entry)
    assert entry is not None and entry.status.value == "removed"
    assert w.reviews.evidence(text.id).item.status == "open"


def test_who_may_decide_and_what_a_group_id_may_be(w: World) -> None:
    _sightings(w, 1)
    [group] = w.reviews.groups.list(ReviewFilter()).items
    with pytest.raises(NotAllowed):
        w.reviews.groups.decide([group.key], "dismiss", w.user("reader"), "no")
    with pytest.raises(InvalidArgument):
        w.reviews.groups.decide([group.key], "dismiss", w.user("mod"), "   ")
    with pytest.raises(InvalidArgument):
        w.reviews.groups.decide(["1 or 1=1"], "dismiss", w.user("mod"), "why")
    with pytest.raises(InvalidArgument):
        w.reviews.groups.decide([group.key], "delete", w.user("mod"), "why")
    with pytest.raises(ReviewNotFound):
        w.reviews.groups.sightings("0" * 32)
    with pytest.raises(ReviewNotFound):
        w.reviews.groups.sightings("../1")
    with pytest.raises(InvalidArgument):
        w.reviews.groups.list(ReviewFilter(), limit=10_000)
    assert w.reviews.groups.list(ReviewFilter()).total == 1


def test_a_decision_closes_at_most_the_limit_and_leaves_the_rest_open(
        w: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(review_groups, "MAX_DECISION_ITEMS", 4)
    _sightings(w, 3, "a")
    later = T0 + timedelta(hours=1)
    other = w.reviews.create(NewReviewItem("bot", "text_flag", "t:1", later, labels=("spam",),
                                           evidence={"text": "promo one"}))[0]
    w.reviews.create(NewReviewItem("bot", "text_flag", "t:2", later + timedelta(hours=1),
                                   labels=("spam",), evidence={"text": "promo two"}))
    keys = [g.key for g in w.reviews.groups.list(ReviewFilter()).items]
    assert len(keys) == 3
    done = w.reviews.groups.decide(keys, "dismiss", w.user("mod"), "spam wave")
    assert (done.groups, done.decided, done.remaining) == (2, 4, 1)
    assert w.reviews.evidence(other.id).item.status == "dismissed"
    assert w.reviews.groups.list(ReviewFilter()).total == 1
    with pytest.raises(InvalidArgument):
        w.reviews.groups.decide([], "dismiss", w.user("mod"), "none")
    many = [f"{i:032x}" for i in range(review_groups.MAX_DECISION_GROUPS + 1)]
    with pytest.raises(InvalidArgument):
        w.reviews.groups.decide(many, "dismiss", w.user("mod"), "too many")


def test_the_single_item_decision_still_works(w: World) -> None:
    first, second = _sightings(w, 2)
    w.reviews.decide(first, "dismiss", w.user("mod"), "holiday", allowlist="allow")
    item = w.reviews.evidence(first).item
    assert (item.status, item.decision) == ("dismissed", "dismiss:allowlist")
    [group] = w.reviews.groups.list(ReviewFilter()).items
    assert group.count == 1 and group.first_item_id == second
