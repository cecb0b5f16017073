"""Shared token buckets: the same contract on SQLite, PostgreSQL and Redis."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from rempart.store import make_engine, migrate
from rempart.store.limits import RateStore, RedisRateStore, SqlRateStore

IN_CI = os.environ.get("CI", "").lower() == "true"
REDIS_URL = os.environ.get("REMPART_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_store() -> RedisRateStore:
    """A Redis store with a fresh key prefix; skips without Redis (fails under CI=true)."""
    store = RedisRateStore.from_url(REDIS_URL, prefix=f"rempart-test:{uuid.uuid4().hex}:")
    try:
        store.client.ping()
    except Exception as e:
        store.close()
        if IN_CI:
            pytest.fail(f"Redis unreachable at {REDIS_URL}: {e} (CI=true: Redis tests must run)")
        pytest.skip(f"Redis unreachable at {REDIS_URL}: {e}")
    return store


@pytest.fixture(params=["sql", "redis"])
def buckets(request: pytest.FixtureRequest, db_url: str) -> Iterator[RateStore]:
    if request.param == "redis":
        if "postgresql" in db_url:
            pytest.skip("Redis does not depend on the database")
        store = redis_store()
        yield store
        store.close()
        return
    migrate(db_url)
    engine = make_engine(db_url)
    yield SqlRateStore(engine)
    engine.dispose()


def test_bucket_empties_and_refills(buckets: RateStore) -> None:
    now = 1_000_000.0
    assert [buckets.take("k", 1.0, 3, 1, now).granted for _ in range(4)] == \
        [True, True, True, False]
    refused = buckets.take("k", 1.0, 3, 1, now)
    assert not refused.granted and refused.wait(1, 1.0) == pytest.approx(1.0)
    assert buckets.take("k", 1.0, 3, 1, now + 1.0).granted  # one token per second
    assert not buckets.take("k", 1.0, 3, 1, now + 1.0).granted
    assert buckets.take("other", 1.0, 3, 1, now).granted  # keys are independent


def test_refusals_do_not_spend_and_leases_take_several(buckets: RateStore) -> None:
    now = 2_000_000.0
    assert buckets.take("lease", 10.0, 20, 15, now).granted
    refused = buckets.take("lease", 10.0, 20, 15, now)
    assert not refused.granted and refused.level == pytest.approx(5.0)
    assert buckets.take("lease", 10.0, 20, 5, now).granted  # what was left is still there
    assert buckets.take("lease", 10.0, 20, 20, now + 100).granted  # never above the burst
    assert not buckets.take("lease", 10.0, 20, 1, now + 100).granted


def test_a_clock_behind_does_not_refill(buckets: RateStore) -> None:
    now = 3_000_000.0
    assert buckets.take("skew", 1.0, 1, 1, now).granted
    assert not buckets.take("skew", 1.0, 1, 1, now - 50).granted


def test_full_buckets_expire(db_url: str) -> None:
    migrate(db_url)
    engine = make_engine(db_url)
    try:
        store = SqlRateStore(engine)
        for n in range(50):
            store.take(f"ip:{n}", 1.0, 5, 1, 100.0)
        store.take("late", 1.0, 5, 1, 200.0)
        assert store.count() == 51
        assert store.prune(150.0) == 50  # full again after 5 s: nothing to remember
        assert store.count() == 1
    finally:
        engine.dispose()


def test_redis_keys_expire() -> None:
    store = redis_store()
    try:
        store.take("ip:1", 1.0, 5, 1, 100.0)
        ttl = store.client.pttl(store.prefix + "ip:1")
        assert 0 < ttl <= 6000  # the refill time and a second
    finally:
        store.close()
