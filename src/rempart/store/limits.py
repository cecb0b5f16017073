"""Token buckets shared by every process: in the database (``rate_buckets``), or in Redis.

A take is one atomic statement: on SQLite and PostgreSQL an ``INSERT … ON CONFLICT DO UPDATE
… RETURNING`` that refills the bucket for the time elapsed, takes ``cost`` tokens if it holds
them and says whether it did; on Redis a Lua script doing the same. A bucket that would be full
again carries no information: its row expires (``prune`` in SQL, key expiry in Redis), so the
table is bounded by the keys active within one refill time, never wiped on size.

Times are epoch seconds given by the caller (every process of a deployment shares the clock).

Example::

    buckets = SqlRateStore(engine)
    buckets.take("notice:ip:203.0.113.7", rate=10 / 60, burst=5, cost=1, now=time.time())
    # Take(granted=True, level=4.0)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Engine, case, delete, literal
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from rempart.store.engine import SqlStore
from rempart.store.limit_models import rate_buckets


@dataclass(frozen=True, slots=True)
class Take:
    """Whether the tokens were taken, and the tokens left in the bucket."""

    granted: bool
    level: float

    def wait(self, cost: float, rate: float) -> float:
        """Seconds until ``cost`` tokens are there again (0 when granted)."""
        return 0.0 if self.granted else max(0.0, cost - self.level) / rate


class RateStore(Protocol):
    """Shared token buckets by key."""

    def take(self, key: str, rate: float, burst: float, cost: float, now: float) -> Take: ...

    def prune(self, now: float) -> int: ...


def refill_seconds(rate: float, burst: float) -> float:
    """How long an empty bucket takes to be full (after which its row means nothing)."""
    return burst / rate


class SqlRateStore(SqlStore):
    """Token buckets in the ``rate_buckets`` table (SQLite or PostgreSQL)."""

    def take(self, key: str, rate: float, burst: float, cost: float, now: float) -> Take:
        t = rate_buckets.c
        expires = now + refill_seconds(rate, burst)
        elapsed = case((t.stamp < now, literal(now) - t.stamp), else_=0.0)
        filled = t.level + elapsed * rate
        refilled = case((filled > burst, literal(burst)), else_=filled)
        enough = refilled >= cost
        first = {"key": key, "level": burst - cost if burst >= cost else burst, "stamp": now,
                 "expires": expires, "granted": burst >= cost}
        insert = pg_insert if self.engine.dialect.name == "postgresql" else sqlite_insert
        stmt: Any = insert(rate_buckets).values(first)
        stmt = stmt.on_conflict_do_update(
            index_elements=[t.key],
            set_={"level": case((enough, refilled - cost), else_=refilled),
                  "stamp": case((t.stamp < now, literal(now)), else_=t.stamp),
                  "expires": expires, "granted": enough},
        ).returning(t.granted, t.level)
        with self._write() as conn:
            granted, level = conn.execute(stmt).one()
        return Take(bool(granted), float(level))

    def prune(self, now: float) -> int:
        """Delete the buckets that are full again; how many were."""
        with self._write() as conn:
            result = conn.execute(delete(rate_buckets).where(rate_buckets.c.expires < now))
        return result.rowcount

    def count(self) -> int:
        """Buckets stored (tests, metrics)."""
        from sqlalchemy import func, select

        with self._read() as conn:
            return int(conn.execute(select(func.count()).select_from(rate_buckets)).scalar_one())


# KEYS[1] = bucket; ARGV = rate, burst, cost, now, ttl in ms. Returns {granted, level}.
_TAKE_LUA = """
local rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local cost, now = tonumber(ARGV[3]), tonumber(ARGV[4])
local saved = redis.call('HMGET', KEYS[1], 'level', 'stamp')
local level, stamp = tonumber(saved[1]), tonumber(saved[2])
if level == nil then level, stamp = burst, now end
if now > stamp then
  level = math.min(burst, level + (now - stamp) * rate)
  stamp = now
end
local granted = 0
if level >= cost then
  level = level - cost
  granted = 1
end
redis.call('HSET', KEYS[1], 'level', tostring(level), 'stamp', tostring(stamp))
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return {granted, tostring(level)}
"""


class RedisRateStore:
    """Token buckets in Redis (``REMPART_REDIS_URL``); keys expire once their bucket is full.

    Example::

        RedisRateStore.from_url("redis://127.0.0.1:6379/0", prefix="rempart:rate:")
    """

    def __init__(self, client: Any, prefix: str = "rempart:rate:") -> None:
        self.client = client
        self.prefix = prefix
        self._script = client.register_script(_TAKE_LUA)

    @classmethod
    def from_url(cls, url: str, prefix: str = "rempart:rate:") -> RedisRateStore:
        import redis

        return cls(redis.Redis.from_url(url, socket_timeout=2.0, socket_connect_timeout=2.0),
                   prefix)

    def take(self, key: str, rate: float, burst: float, cost: float, now: float) -> Take:
        ttl_ms = max(1, int(refill_seconds(rate, burst) * 1000) + 1000)
        granted, level = self._script(keys=[self.prefix + key],
                                      args=[repr(rate), repr(burst), repr(cost), repr(now),
                                            ttl_ms])
        return Take(bool(int(granted)), float(level))

    def prune(self, now: float) -> int:
        """Nothing to do: Redis expires full buckets itself."""
        return 0

    def close(self) -> None:
        self.client.close()


def open_rate_store(engine: Engine, redis_url: str | None) -> RateStore:
    """Redis when a URL is configured, else the database behind ``engine``."""
    if redis_url:
        return RedisRateStore.from_url(redis_url)
    return SqlRateStore(engine)
