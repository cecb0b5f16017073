"""Bearer tokens: lookup by sha256 (cached briefly), scope check, token-bucket rate limit.

401 without a token or with an unknown/revoked one, 403 when the scope is missing, 429 with
``Retry-After`` when the token's bucket is empty. State lives in one ``Guard`` per FastAPI
instance; with ``limits`` (a :class:`LeasedLimiter`) the token's bucket is shared by every
process, leased in small batches so that a lookup rarely waits for the shared store.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import HTTPException
from starlette.concurrency import run_in_threadpool

from rempart.config import HttpSettings
from rempart.core.tokens import ApiToken, secret_digest
from rempart.services.rate_limits import LeasedLimiter
from rempart.services.stores import TokenStore

_UNAUTHORIZED = {"WWW-Authenticate": "Bearer"}
_MAX_CACHED = 10_000


@dataclass
class TokenBucket:
    """``rate`` tokens per second, at most ``burst`` saved up."""

    rate: float
    burst: float
    level: float
    stamp: float

    def take(self, now: float) -> float:
        """0 when a request may go now, else the seconds to wait for the next token."""
        self.level = min(self.burst, self.level + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.level >= 1.0:
            self.level -= 1.0
            return 0.0
        return (1.0 - self.level) / self.rate


class Guard:
    """Authenticates requests and rate-limits each token."""

    def __init__(
        self,
        tokens: TokenStore,
        settings: HttpSettings,
        clock: Callable[[], float] = time.monotonic,
        limits: LeasedLimiter | None = None,
    ) -> None:
        self.tokens = tokens
        self.settings = settings
        self.clock = clock
        self.limits = limits
        self._cache: dict[str, tuple[float, ApiToken | None]] = {}
        self._buckets: dict[int, TokenBucket] = {}
        self._lock = threading.Lock()

    async def check(self, authorization: str | None, scope: str) -> ApiToken:
        """The token of an ``Authorization: Bearer`` header if it may use ``scope`` now."""
        if not authorization or not authorization[:7].lower() == "bearer ":
            raise HTTPException(401, "missing bearer token", headers=_UNAUTHORIZED)
        token = await self._lookup(authorization[7:].strip())
        if token is None:
            raise HTTPException(401, "invalid or revoked token", headers=_UNAUTHORIZED)
        if not token.allows(scope):
            raise HTTPException(403, f"this token lacks the {scope!r} scope")
        wait = self._take(token) if self.limits is None else await self._take_shared(token)
        if wait > 0:
            raise HTTPException(
                429, "rate limit exceeded", headers={"Retry-After": str(max(1, math.ceil(wait)))}
            )
        return token

    async def _lookup(self, secret: str) -> ApiToken | None:
        if not secret:
            return None
        key = secret_digest(secret)
        now = self.clock()
        cached = self._cache.get(key)
        if cached is not None and now - cached[0] < self.settings.token_cache_seconds:
            return cached[1]
        token = await run_in_threadpool(self.tokens.find, secret)
        with self._lock:
            if len(self._cache) >= _MAX_CACHED:  # unknown secrets must not grow it forever
                self._cache.clear()
            self._cache[key] = (now, token)
        return token

    def forget(self) -> None:
        """Drop cached lookups (after a revocation through this process)."""
        with self._lock:
            self._cache.clear()

    async def _take_shared(self, token: ApiToken) -> float:
        """The shared bucket: from this process's lease, else a lease from the store."""
        assert self.limits is not None
        key = str(token.id)
        wait = self.limits.take_local(key)
        if wait is None:
            rate = token.rate_per_second or self.settings.rate_per_second
            burst = float(token.burst or self.settings.rate_burst)
            wait = await run_in_threadpool(self.limits.take_shared, key, rate, burst)
        return wait

    def _take(self, token: ApiToken) -> float:
        rate = token.rate_per_second or self.settings.rate_per_second
        burst = float(token.burst or self.settings.rate_burst)
        now = self.clock()
        with self._lock:
            bucket = self._buckets.get(token.id)
            if bucket is None or bucket.rate != rate or bucket.burst != burst:
                bucket = TokenBucket(rate, burst, burst, now)
                self._buckets[token.id] = bucket
            return bucket.take(now)
