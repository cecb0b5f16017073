"""Health: ``/livez`` (the process answers), ``/readyz`` (the database answers and the change
feed is fresh), ``/healthz`` (index size and feed position), all without authentication; the
503 of match routes when matching cannot be trusted; ``GET /metrics`` (Prometheus text).

Matching is trusted while the change feed was read successfully within
``http.feed_stale_seconds`` and its last read did not fail: otherwise a hash added or withdrawn
elsewhere may be missing from memory, and a "no match" would be a guess.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from rempart.adapters.http.deps import Backend, BackendDep, MetricsDep, MetricsToken
from rempart.adapters.http.errors import TOKEN_ERRORS
from rempart.adapters.http.schemas import HealthOut
from rempart.services.stores import ChangeFeed

router = APIRouter(tags=["health"])
Gauge = tuple[str, str, str, dict[str, str], float]
RETRY_AFTER_SECONDS = 1


class MatchingUnavailable(Exception):
    """Matching cannot be trusted now (503): the change feed is stale or the store is down."""


class LiveOut(BaseModel):
    """The process is up and serving HTTP."""

    status: str = "alive"


class ReadyOut(BaseModel):
    """``ready``, or ``unavailable`` with the reasons (also the body of the 503)."""

    status: str
    reasons: list[str]
    feed_age_seconds: float
    feed_failures: int


class UnavailableOut(BaseModel):
    """The body of a 503 from a match route."""

    detail: str
    code: str


UNAVAILABLE: dict[int | str, dict[str, Any]] = {
    503: {"model": UnavailableOut,
          "description": "Matching cannot be trusted now (stale change feed or database down)."},
}


def feed_age(backend: Backend) -> float:
    """Seconds since the change feed was last read successfully."""
    return max(0.0, time.monotonic() - backend.follower.last_ok)


def untrusted(backend: Backend) -> str | None:
    """Why matching cannot be trusted now, or None (no I/O: the follower's last reads)."""
    follower = backend.follower
    if follower.failures:
        return "the database did not answer the last change-feed read"
    limit = backend.settings.http.feed_stale_seconds
    if time.monotonic() - follower.last_ok > limit:
        return f"the change feed was not read for more than {limit:g} s"
    return None


async def matching_trusted(backend: BackendDep) -> None:
    """503 when matching cannot be trusted (a dependency of the match routes)."""
    reason = untrusted(backend)
    if reason is not None:
        raise MatchingUnavailable(reason)


Trusted = Annotated[None, Depends(matching_trusted)]


def unavailable_body(reason: str) -> dict[str, str]:
    """The JSON body of a 503 from a match route."""
    return {"detail": f"matching is unavailable: {reason}; try again later",
            "code": "unavailable"}


async def _unavailable(_: Request, exc: Exception) -> JSONResponse:
    return JSONResponse(unavailable_body(str(exc)), status_code=503,
                        headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


async def _database_down(_: Request, exc: Exception) -> JSONResponse:
    # Connection refused, database dropped, file gone, locked too long: the store is down.
    return JSONResponse({"detail": "the database is unavailable; try again later",
                         "code": "unavailable"}, status_code=503,
                        headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


def install(api: FastAPI) -> None:
    """Answer 503 for untrusted matching and for an unreachable database."""
    from sqlalchemy.exc import OperationalError

    api.add_exception_handler(MatchingUnavailable, _unavailable)
    api.add_exception_handler(OperationalError, _database_down)


@router.get("/livez", response_model=LiveOut)
async def livez() -> LiveOut:
    """The process is up (no authentication, no I/O): restart it when this fails."""
    return LiveOut()


READY_TIMEOUT_SECONDS = 3
"""How long ``/readyz`` waits for the database (a probe expects an answer within seconds)."""


class DatabaseProbe:
    """Whether the database answers now, within ``timeout`` seconds.

    On PostgreSQL the probe opens a connection of its own with a ``connect_timeout`` (a host
    that drops packets would otherwise hold the connect for minutes, and the pool of the
    requests may be exhausted by them); on SQLite it reads through the store. The answer is
    awaited at most ``timeout`` seconds more, and one probe runs at a time: probes repeated
    against a hung database do not pile threads up.

    Example::

        DatabaseProbe(store).reason()     # None, or why the database is not ready
    """

    def __init__(self, store: ChangeFeed, timeout: int = READY_TIMEOUT_SECONDS) -> None:
        from sqlalchemy import create_engine
        from sqlalchemy.pool import NullPool

        self.store = store
        self.timeout = timeout
        self.running = threading.Lock()
        engine = getattr(store, "engine", None)
        self.engine = None
        if engine is not None and engine.dialect.name == "postgresql":
            self.engine = create_engine(engine.url, poolclass=NullPool, connect_args={
                "connect_timeout": max(2, timeout),  # libpq's minimum is 2 s
                "options": f"-c statement_timeout={timeout * 1000}"})

    def _check(self) -> str | None:
        try:
            if self.engine is None:
                self.store.current_seq()
            else:
                from sqlalchemy import text

                with self.engine.connect() as conn:
                    conn.execute(text("SELECT 1"))
        except Exception as e:  # any failure to reach the store makes this process not ready
            return f"the database is unreachable ({type(e).__name__})"
        finally:
            self.running.release()
        return None

    async def reason(self) -> str | None:
        """None when the database answered, else why not (never waits much past
        ``timeout``)."""
        late = f"the database did not answer within {self.timeout} s"
        if not self.running.acquire(blocking=False):
            return late  # the previous probe still waits for it
        task = asyncio.ensure_future(run_in_threadpool(self._check))
        done, _ = await asyncio.wait({task}, timeout=self.timeout + 1)
        return task.result() if done else late


_PROBE = threading.Lock()


def database_probe(request: Request, backend: Backend) -> DatabaseProbe:
    """The readiness probe of this app (made on first use)."""
    state = request.app.state
    with _PROBE:
        probe: DatabaseProbe | None = getattr(state, "database_probe", None)
        if probe is None:
            probe = state.database_probe = DatabaseProbe(backend.store)
    return probe


@router.get("/readyz", response_model=ReadyOut, responses={503: {"model": ReadyOut}})
async def readyz(request: Request, backend: BackendDep) -> JSONResponse:
    """Ready to match (no authentication): the database answers now (within a few seconds)
    and the change feed was read within ``http.feed_stale_seconds``. 503 otherwise: send
    traffic elsewhere."""
    database = await database_probe(request, backend).reason()
    reasons = [r for r in (database, untrusted(backend)) if r is not None]
    out = ReadyOut(status="unavailable" if reasons else "ready", reasons=reasons,
                   feed_age_seconds=round(feed_age(backend), 3),
                   feed_failures=backend.follower.failures)
    return JSONResponse(out.model_dump(), status_code=503 if reasons else 200)


@router.get("/healthz", response_model=HealthOut)
async def healthz(backend: BackendDep) -> HealthOut:
    """The index size and the change-feed position (no authentication); ``status`` is ``ok``,
    or ``degraded`` when matching cannot be trusted (see ``/readyz``)."""
    status = "ok" if untrusted(backend) is None else "degraded"
    return HealthOut(status=status, indexed=len(backend.matching.matcher),
                     seq=backend.matching.seq)


def index_sizes(backend: Backend) -> dict[str, int]:
    """Signals held in memory by type."""
    m: Any = backend.matching.matcher
    # The matcher keeps one structure per signal type; read their sizes without locking.
    return {
        "pdq": len(m._pdq),
        "md5_sha256": len(m._exact_of),
        "vpdq": len(m._videos),
        "orb": len(m._orb),
    }


def _gauges(backend: Backend) -> list[Gauge]:
    size_help = "Signals in the in-memory index by type."
    out: list[Gauge] = [
        ("rempart_index_signals", "gauge", size_help, {"signal_type": k}, float(v))
        for k, v in index_sizes(backend).items()
    ]
    head = backend.store.current_seq()
    out += [
        ("rempart_change_feed_lag_changes", "gauge",
         "Bank changes committed but not yet applied to the index.", {},
         float(max(0, head - backend.matching.seq))),
        ("rempart_change_feed_age_seconds", "gauge",
         "Seconds since the change feed was last read successfully.", {},
         round(feed_age(backend), 3)),
        ("rempart_change_feed_errors_total", "counter",
         "Failed reads of the change feed.", {}, float(backend.follower.errors)),
    ]
    return out


@router.get("/metrics", response_class=PlainTextResponse, responses=TOKEN_ERRORS)
async def metrics(backend: BackendDep, registry: MetricsDep, _: MetricsToken) -> PlainTextResponse:
    """Requests by route and status, latency histogram, index size, matches, feed lag."""
    gauges = await run_in_threadpool(_gauges, backend)
    return PlainTextResponse(
        registry.render(gauges), media_type="text/plain; version=0.0.4; charset=utf-8"
    )
