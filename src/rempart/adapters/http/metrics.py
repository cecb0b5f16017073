"""Prometheus metrics in the text exposition format, without a global registry.

Requests by route template and status, a latency histogram per route, matches by bank; the
index size by signal type and the change-feed lag are read when scraped.
"""

from __future__ import annotations

import threading
import time
from bisect import bisect_left
from collections.abc import Callable, Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rempart.adapters.http.asgi import HttpMiddleware
from rempart.core.verdict import Match

BUCKETS: tuple[float, ...] = (
    0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(**labels: str) -> str:
    inner = ",".join(f'{k}="{_escape(v)}"' for k, v in labels.items())
    return "{" + inner + "}" if inner else ""


def _number(value: float) -> str:
    if value == float("inf"):
        return "+Inf"
    return repr(float(value)) if not float(value).is_integer() else str(int(value))


class Metrics:
    """Counters and histograms of one API instance (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: dict[tuple[str, str, str], int] = {}
        self.latency: dict[str, list[int]] = {}
        self.latency_sum: dict[str, float] = {}
        self.matches: dict[str, int] = {}

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        """Count one request and its latency."""
        with self._lock:
            key = (route, method, str(status))
            self.requests[key] = self.requests.get(key, 0) + 1
            counts = self.latency.setdefault(route, [0] * (len(BUCKETS) + 1))
            counts[bisect_left(BUCKETS, seconds)] += 1
            self.latency_sum[route] = self.latency_sum.get(route, 0.0) + seconds

    def count_matches(self, matches: Iterable[Match]) -> None:
        """Count reported matches by bank."""
        with self._lock:
            for m in matches:
                bank = m.bank
                self.matches[bank] = self.matches.get(bank, 0) + 1

    def render(self, gauges: Iterable[tuple[str, str, str, dict[str, str], float]]) -> str:
        """The exposition text; ``gauges`` are (name, type, help, labels, value) read now."""
        out: list[str] = []
        with self._lock:
            out += [
                "# HELP rempart_http_requests_total HTTP requests by route, method and status.",
                "# TYPE rempart_http_requests_total counter",
            ]
            for (route, method, status), n in sorted(self.requests.items()):
                labels = _labels(route=route, method=method, status=status)
                out.append(f"rempart_http_requests_total{labels} {n}")
            out += [
                "# HELP rempart_http_request_duration_seconds HTTP request latency by route.",
                "# TYPE rempart_http_request_duration_seconds histogram",
            ]
            for route, counts in sorted(self.latency.items()):
                running = 0
                for bound, n in zip((*BUCKETS, float("inf")), counts, strict=True):
                    running += n
                    labels = _labels(route=route, le=_number(bound))
                    out.append(f"rempart_http_request_duration_seconds_bucket{labels} {running}")
                labels = _labels(route=route)
                total = self.latency_sum[route]
                out.append(f"rempart_http_request_duration_seconds_sum{labels} {total!r}")
                out.append(f"rempart_http_request_duration_seconds_count{labels} {running}")
            out += [
                "# HELP rempart_matches_total Matches reported by bank.",
                "# TYPE rempart_matches_total counter",
            ]
            for bank, n in sorted(self.matches.items()):
                out.append(f"rempart_matches_total{_labels(bank=bank)} {n}")
        seen: set[str] = set()
        for name, kind, help_text, labels_, value in gauges:
            if name not in seen:
                seen.add(name)
                out += [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]
            out.append(f"{name}{_labels(**labels_)} {_number(value)}")
        return "\n".join(out) + "\n"


class MetricsMiddleware(HttpMiddleware):
    """Pure ASGI middleware timing every HTTP request by its route template."""

    def __init__(
        self, app: ASGIApp, metrics: Metrics, clock: Callable[[], float] = time.perf_counter
    ) -> None:
        super().__init__(app)
        self.metrics = metrics
        self.clock = clock

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Time the request; its route template and status label the observation."""
        start = self.clock()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = scope.get("route")
            # Unmatched paths share one label: clients must not create series at will.
            path = getattr(route, "path", None) or "unmatched"
            self.metrics.observe(path, scope["method"], status, self.clock() - start)
