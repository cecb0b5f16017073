"""Rate limits shared by every process of a deployment, over a :class:`RateStore`.

- :class:`SharedLimiter`: one shared take per request — for the public routes (notices,
  reports, the victim portal, sign-in), where a request costs far more than a round trip.
- :class:`LeasedLimiter`: the API tokens' limit, on the lookup hot path (thousands of
  requests a second): each process takes a *lease* of tokens from the shared bucket (about
  ``lease_seconds`` of the token's rate) and spends it locally, so the store sees one round trip
  per lease, not per request; a refusal is remembered locally until a whole lease would be
  there again, so a client hammering past its limit costs at most one round trip per lease
  time either. A process holds
  at most one lease per key: the overshoot over the shared limit is bounded by one lease per
  process.

If the store cannot be reached, :class:`SharedLimiter` raises :class:`LimiterUnavailable` (the
public routes answer 503: they are the abuse-prone ones), and :class:`LeasedLimiter` falls
back to per-process buckets (integrators keep working, still limited).

Example::

    notices = SharedLimiter(SqlRateStore(engine), "notice", per_minute=10, burst=5)
    notices.wait("203.0.113.7")          # 0.0, or seconds to wait
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from rempart.services.errors import RempartError
from rempart.store.limits import RateStore

log = logging.getLogger(__name__)
PRUNE_EVERY = 60.0  # seconds between two deletions of expired buckets by one process
MAX_LOCAL = 100_000  # local states kept before the idle ones are dropped


class LimiterUnavailable(RempartError):
    """The shared rate-limit store could not be reached."""


class SharedLimiter:
    """A token bucket per key in the shared store: ``per_minute`` tokens, ``burst`` at most."""

    def __init__(self, store: RateStore, name: str, per_minute: float, burst: int,
                 clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.name = name
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.clock = clock
        self._pruned = 0.0

    def wait(self, key: str) -> float:
        """0 when ``key`` may go now (a token is spent), else the seconds to wait."""
        now = self.clock()
        try:
            if now - self._pruned > PRUNE_EVERY:
                self._pruned = now
                self.store.prune(now)
            took = self.store.take(f"{self.name}:{key[:150]}", self.rate, self.burst, 1.0, now)
        except Exception as e:  # database or Redis down: refuse rather than let floods in
            log.warning("rate-limit store unreachable: %s", e)
            raise LimiterUnavailable("rate limits unavailable: try again later") from e
        return took.wait(1.0, self.rate)


@dataclass
class _Local:
    tokens: float = 0.0  # leased tokens left
    denied_until: float = 0.0
    seen: float = 0.0
    rate: float = 0.0
    burst: float = 0.0  # of the fallback bucket
    stamp: float = 0.0


class LeasedLimiter:
    """Per-process leases of shared token buckets (see the module docstring).

    ``take_local`` runs on the event loop (no I/O): 0 or a wait when it can decide, None when a
    lease is needed; ``take_shared`` (a thread) fetches it.
    """

    def __init__(self, store: RateStore, name: str = "token", lease_seconds: float = 0.2,
                 clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.name = name
        self.lease_seconds = lease_seconds
        self.clock = clock
        self._local: dict[str, _Local] = {}
        self._lock = threading.Lock()
        self._pruned = 0.0

    def lease_size(self, rate: float, burst: float) -> float:
        """Tokens taken from the shared bucket at once (at least 1, at most a quarter burst)."""
        return float(max(1, min(math.floor(rate * self.lease_seconds), math.floor(burst / 4))))

    def take_local(self, key: str) -> float | None:
        """Decide from this process's lease or refusal; None when the store must be asked."""
        now = self.clock()
        with self._lock:
            state = self._local.get(key)
            if state is None:
                return None
            state.seen = now
            if state.tokens >= 1.0:
                state.tokens -= 1.0
                return 0.0
            if state.denied_until > now:
                return state.denied_until - now
        return None

    def take_shared(self, key: str, rate: float, burst: float) -> float:
        """Lease tokens from the shared bucket and spend one; the wait when refused."""
        now = self.clock()
        want = self.lease_size(rate, burst)
        shared = f"{self.name}:{key}"
        try:
            if now - self._pruned > PRUNE_EVERY:
                self._pruned = now
                self.store.prune(now)
            took = self.store.take(shared, rate, burst, want, now)
        except Exception as e:
            log.warning("rate-limit store unreachable, limiting per process: %s", e)
            return self._fallback(key, rate, burst, now)
        with self._lock:
            state = self._state(key, now)
            if took.granted:
                state.tokens += want - 1.0
                state.denied_until = 0.0
                return 0.0
            # Ask again once a whole lease is there: at most one round trip per lease time,
            # however hard the client hammers.
            state.denied_until = now + took.wait(want, rate)
            return took.wait(1.0, rate)

    def _state(self, key: str, now: float) -> _Local:
        state = self._local.get(key)
        if state is None:
            if len(self._local) >= MAX_LOCAL:  # drop the idle ones, not everything
                idle = sorted(self._local, key=lambda k: self._local[k].seen)
                for old in idle[: MAX_LOCAL // 10]:
                    del self._local[old]
            state = self._local[key] = _Local(seen=now)
        state.seen = now
        return state

    def _fallback(self, key: str, rate: float, burst: float, now: float) -> float:
        """A plain per-process token bucket while the store is unreachable."""
        with self._lock:
            state = self._state(key, now)
            if state.rate != rate or state.burst != burst:
                state.rate, state.burst, state.stamp, state.tokens = rate, burst, now, burst
            state.tokens = min(burst, state.tokens + (now - state.stamp) * rate)
            state.stamp = now
            if state.tokens >= 1.0:
                state.tokens -= 1.0
                return 0.0
            return (1.0 - state.tokens) / rate
