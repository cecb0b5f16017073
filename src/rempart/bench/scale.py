"""``rempart bench scale``: what running across processes and machines costs and gives.

- **replicas**: two ``rempart serve`` processes on one PostgreSQL database (as on two machines):
  lookup latency at each, and freshness: a hash added (then withdrawn) through one replica's
  API, timed until the other matches it (then stops), woken by ``LISTEN/NOTIFY``;
- **workers** (bot and scan): see ``rempart bench bot --workers`` and
  ``rempart bench scan --distributed``, whose figures this command prints beside these.

Needs a PostgreSQL server (``REMPART_BENCH_POSTGRES_URL``, default the local one, trust auth).

Example::

    $ rempart bench scale --n 20000 --rounds 20
"""

from __future__ import annotations

import random
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Annotated, Any

import typer

from rempart.bench.options import BankSize
from rempart.bench.processes import (
    MAIN,
    free_port,
    percentile,
    scratch_database,
    stop_process,
    wait_until_ready,
)

API = "/api/v1"


@dataclass
class ReplicaFigures:
    """Two replicas on one database: lookup latency (ms) and cross-replica freshness (ms)."""

    n: int
    lookup_ms: dict[str, list[float]] = field(default_factory=dict)  # replica → latencies
    added_ms: list[float] = field(default_factory=list)  # A's API write → B matches
    withdrawn_ms: list[float] = field(default_factory=list)  # A's withdrawal → B stops


def _seed(url: str, n: int, rng: random.Random) -> tuple[list[str], str]:
    """A bank ``bench`` of ``n`` random PDQ hashes and an admin token."""
    from rempart.core.banks import NewEntry, new_content_group
    from rempart.services import banks as svc
    from rempart.store.sql import open_store
    from rempart.store.tokens import SqlTokenStore

    store = open_store(url)
    try:
        bank = svc.create_bank(store, "bench")
        values = [f"{rng.getrandbits(256):064x}" for _ in range(n)]
        store.add_entries(bank.id, [NewEntry("pdq", v, new_content_group()) for v in values])
        _, secret = SqlTokenStore(store.engine).create("bench", ["admin"], 1e9, 1_000_000_000)
    finally:
        store.close()
    return values[:1000], secret


@contextmanager
def _replica(url: str) -> Iterator[str]:
    """A ``rempart serve`` process on ``url``; yields its base URL once ready."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-c", MAIN, "serve", "--host", "127.0.0.1", "--port", str(port),
         "--db", url, "--log-level", "warning"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(proc, f"{base}/readyz", 300, "replica", interval=0.1)
        yield base
    finally:
        stop_process(proc, 20)


def _until(client: Any, pdq: str, want: bool, timeout: float = 30.0) -> float:
    """ms until a lookup of ``pdq`` at ``client`` matches (``want``) or stops matching."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if bool(client.post(f"{API}/match", json={"pdq": pdq}).json()["matches"]) == want:
            return (time.perf_counter() - start) * 1000
    return float("inf")


def replicas(n: int, lookups: int, rounds: int, seed: int = 1) -> ReplicaFigures:
    """Measure two replicas on one fresh PostgreSQL database."""
    import httpx

    fig = ReplicaFigures(n)
    rng = random.Random(seed)
    with scratch_database() as url:
        known, secret = _seed(url, n, rng)
        headers = {"Authorization": f"Bearer {secret}"}
        with _replica(url) as a, _replica(url) as b, \
                httpx.Client(base_url=a, headers=headers, timeout=30) as ca, \
                httpx.Client(base_url=b, headers=headers, timeout=30) as cb:
            for name, client in (("A", ca), ("B", cb)):
                times = fig.lookup_ms.setdefault(name, [])
                for i in range(lookups):
                    t = time.perf_counter()
                    client.post(f"{API}/match", json={"pdq": known[i % len(known)]})
                    times.append((time.perf_counter() - t) * 1000)
            for _ in range(rounds):
                new = f"{rng.getrandbits(256):064x}"
                t = time.perf_counter()
                out = ca.post(f"{API}/banks/bench/signals",
                              json={"signals": [{"signal_type": "pdq", "signal_value": new}]})
                out.raise_for_status()
                write_ms = (time.perf_counter() - t) * 1000
                fig.added_ms.append(write_ms + _until(cb, new, True))
                t = time.perf_counter()
                ca.delete(f"{API}/banks/bench/entries/{out.json()['ids'][0]}").raise_for_status()
                write_ms = (time.perf_counter() - t) * 1000
                fig.withdrawn_ms.append(write_ms + _until(cb, new, False))
    return fig


def print_replicas(fig: ReplicaFigures) -> None:
    """The replicas' table."""
    from rich.console import Console
    from rich.table import Table

    table = Table("two `serve` replicas, one PostgreSQL", "p50", "p99 / max", "target",
                  title=f"{fig.n:,} PDQ hashes", box=None)
    for name, times in fig.lookup_ms.items():
        table.add_row(f"lookup at replica {name} (ms)", f"{percentile(times, 0.5):.2f}",
                      f"{percentile(times, 0.99):.2f}", "")
    table.add_row("hash added at A → matched at B (ms)", f"{percentile(fig.added_ms, 0.5):.0f}",
                  f"{max(fig.added_ms, default=float('nan')):.0f}", "< 1000")
    table.add_row("hash withdrawn at A → gone at B (ms)",
                  f"{percentile(fig.withdrawn_ms, 0.5):.0f}",
                  f"{max(fig.withdrawn_ms, default=float('nan')):.0f}", "< 1000")
    Console().print(table)


def workers(bot_messages: int, scan_photos: int) -> None:
    """Bot media checks and scan photos per second with 1 and 2 worker processes (their
    ratios), and what a worker killed mid-scan costs; each part prints its own table."""
    from rempart.bench import scan_distributed
    from rempart.bench.bot import run_queue

    if bot_messages:
        one, two = (run_queue(bot_messages, 0.0, n, pool="threads", concurrency=8)
                    for n in (1, 2))
        typer.echo(f"bot (queue mode, threads × 8): {one['updates_per_second']:.1f} photo "
                   f"messages/s with 1 worker, {two['updates_per_second']:.1f} with 2 "
                   f"(×{two['updates_per_second'] / one['updates_per_second']:.2f})")
    if scan_photos:
        scan_distributed.run(messages=scan_photos * 4, photos=scan_photos, banked=10, copies=3,
                             workers=2, seed=1)


def scale(
    n: BankSize = 20_000,
    lookups: Annotated[int, typer.Option(help="Sequential lookups per replica.")] = 500,
    rounds: Annotated[int, typer.Option(help="Hashes added then withdrawn.")] = 20,
    bot_messages: Annotated[int, typer.Option(
        help="Bot photo messages per worker run (0: skip the bot).")] = 300,
    scan_photos: Annotated[int, typer.Option(
        help="Photos of the scanned export (0: skip the scan).")] = 600,
) -> None:
    """Replicas on PostgreSQL (latency, freshness across them) and workers (1 vs 2)."""
    print_replicas(replicas(n, lookups, rounds))
    workers(bot_messages, scan_photos)


def register(bench_app: typer.Typer) -> None:
    """Add ``rempart bench scale``."""
    bench_app.command("scale")(scale)
