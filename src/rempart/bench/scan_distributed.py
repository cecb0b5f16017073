"""`rempart bench scan --distributed`: the same generated export scanned by 1 then N
``rempart worker`` processes (one task at a time each) on Redis and PostgreSQL, photos per
second and the scaling ratio; then the time a worker killed (``kill -9``) mid-scan costs.

Needs Redis on 127.0.0.1:6379 and PostgreSQL on 127.0.0.1:5432 (user ``postgres``, trust),
where a scratch database is created and dropped (``REMPART_BENCH_REDIS_URL`` and
``REMPART_BENCH_POSTGRES_URL`` change them). Workers are started, then warmed up on a small
scan (each builds its application on its first task) before the timed one.

Example::

    $ rempart bench scan --distributed --workers 2 --messages 4000 --photos 1500
"""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

from rempart.bench.processes import scratch_database, start_worker, worker_processes

if TYPE_CHECKING:
    from rempart.services.scan.distributed import BatchProgress

REDIS = os.environ.get("REMPART_BENCH_REDIS_URL", "redis://127.0.0.1:6379/3")
LEASE = 10.0  # seconds: how soon lost work is sent again (coordinator and broker)


def _killer(procs: list[subprocess.Popen[bytes]], env: dict[str, str]
            ) -> Callable[[BatchProgress], None]:
    """A progress callback that kills the first worker (``kill -9``) once a third of the items
    are done, and starts another in its place at once."""
    killed: list[bool] = []

    def on_progress(p: BatchProgress) -> None:
        if not killed and p.items >= p.total // 3:
            killed.append(True)
            os.killpg(procs[0].pid, signal.SIGKILL)
            procs[0].wait()
            procs.append(start_worker(env, "scan"))

    return on_progress


def run(*, messages: int, photos: int, banked: int, copies: int, workers: int, seed: int,
        batch_items: int = 100, kill: bool = True) -> dict[str, Any]:
    """Scan with 1 and ``workers`` workers (and with one killed); print and return figures."""
    from rempart.adapters.cli.scan_cmd import ExportSource
    from rempart.adapters.worker import WorkerContext, make_celery
    from rempart.adapters.worker.scan_tasks import BATCH_TASK
    from rempart.bench.synthetic_export import make_export
    from rempart.bench.synthetic_images import photo_bytes
    from rempart.config import QueueSettings, Settings
    from rempart.core.banks import BankKind, Provenance
    from rempart.core.media_signals import hash_bytes
    from rempart.services import banks as bank_service
    from rempart.services.matching import MatchService
    from rempart.services.scan import ScanService
    from rempart.services.scan.distributed import DistributedScan
    from rempart.store.scans import SqlScanStore
    from rempart.store.sql import open_store

    console = Console()
    counts = sorted({1, max(1, workers)})
    prefix = f"bench{uuid.uuid4().hex[:8]}-"
    figures: dict[str, Any] = {"workers": {}}
    with tempfile.TemporaryDirectory(prefix="rempart-bench-dscan-") as tmp, \
            scratch_database() as url:
        root = Path(tmp)
        originals = [photo_bytes(1000 + i, (320, 240)) for i in range(banked)]
        export = make_export(root / "export", messages=messages, photos=photos,
                             banked=originals, copies_per_banked=copies, seed=seed,
                             shape="full")
        warm = [make_export(root / f"warm{n}", messages=batch_items * n * 2,
                            photos=min(photos, n * 8), seed=seed + n).root for n in counts]
        store = open_store(url)
        bank_service.create_bank(store, "bench", BankKind.VICTIM)
        bank_service.add_media(store, "bench", [(Path(f"banked-{i}.jpg"), hash_bytes(b))
                                                for i, b in enumerate(originals)],
                               Provenance(source="bench"))
        settings = Settings(database_url=url, broker_url=REDIS, queue=QueueSettings(
            prefix=prefix, visibility_timeout_seconds=LEASE))
        celery = make_celery(settings, WorkerContext(lambda: None))
        env = {**os.environ, "REMPART_BROKER_URL": REDIS, "REMPART_DATABASE_URL": url,
               "REMPART_QUEUE__PREFIX": prefix,
               "REMPART_QUEUE__VISIBILITY_TIMEOUT_SECONDS": str(LEASE)}
        try:
            matcher = MatchService(store)
            matcher.load()
            service = ScanService(store, SqlScanStore(store.engine), matcher, settings,
                                  source=ExportSource())
            coordinator = DistributedScan(
                service, lambda s, b: celery.send_task(BATCH_TASK, args=[s, b]),
                batch_items=batch_items, lease_seconds=LEASE, poll_seconds=0.2)

            def timed(**kwargs: Any) -> tuple[float, dict[str, int]]:
                start = time.perf_counter()
                result = coordinator.scan([export.root], resume=False, **kwargs)
                return time.perf_counter() - start, result.counters

            for n, warm_root in zip(counts, warm, strict=True):
                with worker_processes(n, env, "scan") as procs:
                    coordinator.scan([warm_root], resume=False)
                    seconds, c = timed()
                    figures["workers"][n] = {"seconds": seconds,
                                             "photos_per_s": c.get("media_hashed", 0) / seconds,
                                             "messages_per_s": c.get("messages", 0) / seconds}
                    if kill and n == counts[-1]:
                        seconds_k, _ = timed(progress=_killer(procs, env))
                        figures["killed"] = {"seconds": seconds_k,
                                             "lost_seconds": seconds_k - seconds}
        finally:
            store.close()
            celery.close()
    _print(console, figures, export.messages, export.photos, batch_items)
    return figures


def _print(console: Console, figures: dict[str, Any], messages: int, photos: int,
           batch_items: int) -> None:
    load = os.getloadavg()[0]
    table = Table(title=f"Distributed scan of a generated export ({messages} messages, {photos} "
                        f"photos, {batch_items} items per task), Redis + PostgreSQL, load "
                        f"average {load:.1f} on {os.cpu_count()} cores (wall time)")
    for col in ("workers", "seconds", "messages/s", "photos/s", "vs 1 worker"):
        table.add_column(col, justify="right")
    one = figures["workers"][1]["photos_per_s"]
    for n, f in figures["workers"].items():
        table.add_row(str(n), f"{f['seconds']:.1f}", f"{f['messages_per_s']:.0f}",
                      f"{f['photos_per_s']:.1f}", f"{f['photos_per_s'] / one:.2f}×")
    console.print(table)
    if "killed" in figures:
        k = figures["killed"]
        console.print(f"one worker killed (kill -9) a third of the way, replaced at once: "
                      f"{k['seconds']:.1f} s, {k['lost_seconds']:+.1f} s lost (its batch is "
                      f"sent again after {LEASE:g} s of silence, then redone)", highlight=False)
    console.print("target: ≥ 150 photos/s per worker with the robust signals", highlight=False)
