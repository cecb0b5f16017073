"""Feedback to StopNCII after a moderator's decision: a confirmed match of a StopNCII hash is
reported Blocked, a dismissed one NotBlocked, once each, through python-threatexchange's own
``submit_feedbacks`` against a StopNCII-shaped server; refused batches stay in the outbox."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from argon2 import PasswordHasher

from exchange_support import FEEDBACK_KEY, FETCH_KEY, SUBSCRIPTION_KEY, FakeStopNCII, serve
from rempart.adapters.exchanges import feedback_sink_for, source_for
from rempart.core.workflow import Role
from rempart.services.errors import InvalidArgument
from rempart.services.exchanges import ExchangeService, ExchangeSourceError, exchange_service
from rempart.services.reviews import ReviewService
from rempart.services.users import SYSTEM, UserService
from rempart.store import open_store
from rempart.store.reviews import NewReviewItem, SqlReviewStore
from rempart.store.sql import SqlBankStore
from rempart.store.users import SqlUserStore

pytest.importorskip("threatexchange.exchanges.clients.stopncii.api")
ENV = {"TX_STOPNCII_KEYS": f"{FETCH_KEY},{SUBSCRIPTION_KEY}",
       "TX_STOPNCII_FEEDBACK_KEY": FEEDBACK_KEY}
PDQ = ["%064x" % (0x2345678 * (i + 1)) for i in range(3)]


@pytest.fixture
def store(sqlite_url: str) -> Iterator[SqlBankStore]:
    s = open_store(sqlite_url)
    yield s
    s.close()


def _decide(store: SqlBankStore, decisions: dict[str, str]) -> None:
    """A moderator decides one review item per (value → confirm/dismiss)."""
    users = UserService(SqlUserStore(store.engine),
                        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1),
                        sessions=None, audit_log=None)
    users.create("mod", "a long enough passphrase", Role.MODERATOR, SYSTEM)
    reviews = ReviewService(SqlReviewStore(store.engine), store,
                            SqlUserStore(store.engine).get_user)
    bank = store.get_bank("sncii")
    assert bank is not None
    entries = {e.value: e for e in store.iter_entries(bank.id)}
    for value, decision in decisions.items():
        entry = entries[value]
        item, _ = reviews.create(NewReviewItem(
            "bot", "media_match", f"bot:{value}", datetime.now(UTC), bank="sncii",
            entry_id=entry.id, content_group=entry.content_group, signal="pdq", distance=4))
        reviews.decide(item.id, decision, users.get("mod"), "looked at it")


def _filled(store: SqlBankStore, fake: FakeStopNCII) -> ExchangeService:
    for i, value in enumerate(PDQ):
        fake.add("ImagePDQ", value, ts=100 + i)
    service = exchange_service(store)
    service.add("sncii", "stopncii", "sncii", url=fake.url)
    assert service.fetch("sncii", source_for(service.get("sncii"), ENV)).added == 3
    return service


def test_decisions_go_back_to_stopncii_once(store: SqlBankStore) -> None:
    with serve() as fake:
        service = _filled(store, fake)
        _decide(store, {PDQ[0]: "confirm", PDQ[1]: "dismiss"})
        sink = feedback_sink_for(service.get("sncii"), ENV)
        report = service.feedback("sncii", sink)
        assert (report.queued, report.sent, report.failed) == (2, 2, 0)
        (body,) = fake.feedback
        assert body["count"] == 2
        assert {(f["hashValue"], f["feedbackValue"]) for f in body["hashFeedbacks"]} == {
            (PDQ[0], "Blocked"), (PDQ[1], "NotBlocked")}
        again = service.feedback("sncii", sink)
        assert (again.queued, again.sent) == (0, 0) and len(fake.feedback) == 1
        assert service.outbox("sncii") == {"sent": 2, "pending": 0, "failed": 0}


def test_a_refused_batch_stays_in_the_outbox(store: SqlBankStore) -> None:
    with serve() as fake:
        service = _filled(store, fake)
        _decide(store, {PDQ[2]: "confirm"})
        fake.mode = "refuse"
        sink = feedback_sink_for(service.get("sncii"), ENV)
        report = service.feedback("sncii", sink)
        assert report.failed == 1 and report.error == "StopNCII answered HTTP 400"
        assert service.outbox("sncii") == {"sent": 0, "pending": 0, "failed": 1}
        fake.mode = "normal"
        assert service.feedback("sncii", sink).sent == 1
        assert fake.feedback[0]["hashFeedbacks"][0]["hashValue"] == PDQ[2]


def test_feedback_needs_its_key_and_a_kind_that_takes_it(store: SqlBankStore) -> None:
    service = exchange_service(store)
    service.add("peer", "rempart", "peer", url="https://peer.example/api/v1/feeds/x")
    with pytest.raises(InvalidArgument, match="takes no feedback"):
        service.feedback("peer", object())  # type: ignore[arg-type]
    service.add("sncii", "stopncii", "sncii")
    with pytest.raises(ExchangeSourceError, match="TX_STOPNCII_FEEDBACK_KEY"):
        feedback_sink_for(service.get("sncii"), {"TX_STOPNCII_KEYS": "a,b"})
