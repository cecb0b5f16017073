"""``GET /healthz`` (no authentication) and ``GET /metrics`` (Prometheus text format)."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse
from starlette.concurrency import run_in_threadpool

from rempart.adapters.http.deps import Backend, BackendDep, MetricsDep, MetricsToken
from rempart.adapters.http.schemas import HealthOut

router = APIRouter(tags=["health"])
Gauge = tuple[str, str, str, dict[str, str], float]


@router.get("/healthz", response_model=HealthOut)
async def healthz(backend: BackendDep) -> HealthOut:
    """Alive, with the index size and the change-feed position (no authentication)."""
    return HealthOut(status="ok", indexed=len(backend.matching.matcher), seq=backend.matching.seq)


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
         round(time.monotonic() - backend.follower.last_ok, 3)),
        ("rempart_change_feed_errors_total", "counter",
         "Failed reads of the change feed.", {}, float(backend.follower.errors)),
    ]
    return out


@router.get("/metrics", response_class=PlainTextResponse)
async def metrics(backend: BackendDep, registry: MetricsDep, _: MetricsToken) -> PlainTextResponse:
    """Requests by route and status, latency histogram, index size, matches, feed lag."""
    gauges = await run_in_threadpool(_gauges, backend)
    return PlainTextResponse(
        registry.render(gauges), media_type="text/plain; version=0.0.4; charset=utf-8"
    )
