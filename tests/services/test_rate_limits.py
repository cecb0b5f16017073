"""Shared limits over the database: leases keep the store off the hot path; a dead store."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from rempart.services.rate_limits import LeasedLimiter, LimiterUnavailable, SharedLimiter
from rempart.store import make_engine, migrate
from rempart.store.limits import SqlRateStore, Take


class Counting:
    """A rate store that counts the takes that reach it."""

    def __init__(self, inner: SqlRateStore) -> None:
        self.inner = inner
        self.takes = 0

    def take(self, key: str, rate: float, burst: float, cost: float, now: float) -> Take:
        self.takes += 1
        return self.inner.take(key, rate, burst, cost, now)

    def prune(self, now: float) -> int:
        return self.inner.prune(now)


class Dead:
    def take(self, key: str, rate: float, burst: float, cost: float, now: float) -> Take:
        raise ConnectionError("database unreachable")

    def prune(self, now: float) -> int:
        raise ConnectionError("database unreachable")


@pytest.fixture
def store(db_url: str) -> Iterator[Counting]:
    migrate(db_url)
    engine = make_engine(db_url)
    yield Counting(SqlRateStore(engine))
    engine.dispose()


def _spend(limiter: LeasedLimiter, key: str, rate: float, burst: float) -> float:
    wait = limiter.take_local(key)
    return limiter.take_shared(key, rate, burst) if wait is None else wait


def test_one_round_trip_per_lease(store: Counting) -> None:
    clock = [1000.0]
    limiter = LeasedLimiter(store, lease_seconds=0.2, clock=lambda: clock[0])
    assert limiter.lease_size(1000.0, 10_000) == 200
    assert all(_spend(limiter, "t1", 1000.0, 10_000) == 0 for _ in range(1000))
    assert store.takes == 5  # 1000 requests, leases of 200


def test_two_processes_share_one_bucket(store: Counting) -> None:
    clock = [1000.0]
    a = LeasedLimiter(store, clock=lambda: clock[0])
    b = LeasedLimiter(store, clock=lambda: clock[0])
    granted = sum(_spend(x, "t2", 0.001, 10) == 0 for _ in range(10) for x in (a, b))
    assert granted == 10  # the burst, across both processes
    takes = store.takes
    assert _spend(a, "t2", 0.001, 10) > 0
    assert _spend(a, "t2", 0.001, 10) > 0
    assert store.takes == takes  # a refusal is remembered: no round trip per hammering call


def test_a_dead_store_limits_per_process() -> None:
    limiter = LeasedLimiter(Dead(), clock=lambda: 50.0)
    results = [_spend(limiter, "t3", 1.0, 3) for _ in range(5)]
    assert results[:3] == [0.0, 0.0, 0.0] and all(w > 0 for w in results[3:])
    shared = SharedLimiter(Dead(), "notice", 10, 5)
    with pytest.raises(LimiterUnavailable):
        shared.wait("198.51.100.7")


def test_shared_limiter_per_key(store: Counting) -> None:
    limiter = SharedLimiter(store, "notice", per_minute=60, burst=2,
                            clock=lambda: 10.0)
    assert [limiter.wait("a") for _ in range(3)][:2] == [0.0, 0.0]
    assert limiter.wait("a") == pytest.approx(1.0)
    assert limiter.wait("b") == 0.0
