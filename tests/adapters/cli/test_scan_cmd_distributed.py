"""`rempart scan --distributed` on real brokers, PostgreSQL and real `rempart worker`s: it
prints what a local scan prints, with two workers, after a worker is killed mid-batch, after
the coordinator is killed and the queue lost; without a broker it says so."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from rempart.adapters.cli.main import build_app
from rempart.bench.synthetic_export import make_export
from rempart.bench.synthetic_images import photo_bytes
from rempart.store.scan_interface import ScanBatch
from rempart.store.scans import SqlScanStore
from rempart.store.sql import open_store
from scan_support import bank_db, without_ids
from worker_support import MAIN, queue_prefix, worker, worker_env

BANKED = photo_bytes(31, (320, 240))
BATCH = ["--batch-items", "6", "--lease-seconds", "3"]
WAIT = 300  # seconds before a stuck process fails the test (never a timing assertion)


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    root = tmp_path_factory.mktemp("exports")
    export = make_export(root / "export", messages=70, photos=24, banked=[BANKED],
                         copies_per_banked=3, seed=8, shape="full")
    folder = root / "folder"
    folder.mkdir()
    (folder / "copy.jpg").write_bytes(BANKED)
    return [export.root, folder]


@pytest.fixture(scope="module")
def local(exports: list[Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    url = f"sqlite:///{tmp_path_factory.mktemp('local') / 'db.sqlite3'}"
    bank_db(url, BANKED)
    done = subprocess.run([*cli(), "scan", "--jsonl", "--workers", "1", "--db", url,
                           *map(str, exports)], capture_output=True, timeout=WAIT, check=True)
    printed = parsed(done.stdout)
    assert printed["scan"]["counters"]["media_matched"] >= 3
    return printed


def cli() -> list[str]:
    return [sys.executable, "-c", MAIN]


def parsed(stdout: bytes) -> dict[str, Any]:
    """The findings and the summary line of `rempart scan --jsonl`, without ids."""
    lines = [json.loads(line) for line in stdout.decode().splitlines() if line.strip()]
    *findings, last = lines
    scan = {k: v for k, v in last["scan"].items() if k not in ("scan_id", "resumed", "reused")}
    summary = json.dumps(last["summary"]).replace(last["scan"]["scan_id"], "SCAN")
    summary = re.sub(r'"content_group": "[0-9a-f]{32}"', '"content_group": "C"', summary)
    return {"findings": [without_ids(f) for f in findings], "summary": json.loads(summary),
            "scan": scan, "resumed": last["scan"]["resumed"]}


def coordinator(broker: str, db: str, prefix: str, exports: list[Path],
                out: Path) -> subprocess.Popen[bytes]:
    argv = [*cli(), "scan", "--distributed", "--jsonl", *BATCH, *map(str, exports)]
    with out.open("wb") as stdout:
        return subprocess.Popen(argv, env=worker_env(broker, db, prefix), stdout=stdout,
                                stderr=subprocess.DEVNULL, start_new_session=True)


def wait_for(db: str, ready: Callable[[list[ScanBatch]], bool]) -> list[ScanBatch]:
    """The batches of the database's scan once ``ready`` says so."""
    store = open_store(db, migrate=False)
    scans = SqlScanStore(store.engine)
    try:
        for _ in range(WAIT * 10):
            latest = scans.list_scans(1)
            batches = scans.list_batches(latest[0].id) if latest else []
            if batches and ready(batches):
                return batches
            time.sleep(0.1)
        raise AssertionError("the scan never got there")
    finally:
        store.close()


def finished(proc: subprocess.Popen[bytes], out: Path) -> dict[str, Any]:
    assert proc.wait(timeout=WAIT) == 0
    return parsed(out.read_bytes())


def same(printed: dict[str, Any], local: dict[str, Any]) -> None:
    assert printed["scan"] == local["scan"]  # counters and inputs: nothing lost, nothing twice
    assert printed["summary"] == local["summary"]
    assert printed["findings"] == local["findings"]  # in the same order


def test_two_workers_print_what_a_local_scan_prints(
        broker_url: str, postgres_url: str, exports: list[Path], local: dict[str, Any],
        tmp_path: Path) -> None:
    bank_db(postgres_url, BANKED)
    prefix = queue_prefix()
    with worker(broker_url, postgres_url, prefix, queues="scan"), \
            worker(broker_url, postgres_url, prefix, queues="scan"):
        proc = coordinator(broker_url, postgres_url, prefix, exports, tmp_path / "out")
        printed = finished(proc, tmp_path / "out")
    same(printed, local)


def test_a_worker_killed_mid_batch_loses_and_duplicates_nothing(
        broker_url: str, postgres_url: str, exports: list[Path], local: dict[str, Any],
        tmp_path: Path) -> None:
    bank_db(postgres_url, BANKED)
    prefix = queue_prefix()
    with worker(broker_url, postgres_url, prefix, queues="scan",
                REMPART_SCAN_ITEM_PAUSE="0.5") as slow:
        proc = coordinator(broker_url, postgres_url, prefix, exports, tmp_path / "out")
        batches = wait_for(postgres_url, lambda bs: any(b.attempts and not b.done for b in bs))
        os.killpg(slow.pid, signal.SIGKILL)
        slow.wait()
    cut = next(b for b in batches if b.attempts and not b.done)
    with worker(broker_url, postgres_url, prefix, queues="scan"):
        printed = finished(proc, tmp_path / "out")
    same(printed, local)
    redone = next(b for b in wait_for(postgres_url, lambda bs: True) if b.id == cut.id)
    assert redone.done and redone.attempts >= 2


def test_a_killed_coordinator_resumes_and_sends_a_lost_queue_again(
        postgres_url: str, exports: list[Path], local: dict[str, Any], tmp_path: Path) -> None:
    import redis

    from worker_support import reachable_broker

    broker = reachable_broker("redis")
    bank_db(postgres_url, BANKED)
    prefix = queue_prefix()
    first = coordinator(broker, postgres_url, prefix, exports, tmp_path / "first")
    wait_for(postgres_url, lambda bs: all(b.sent_at is not None for b in bs))
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    client = redis.Redis.from_url(broker)
    queued = client.keys(f"{prefix}scan*")
    assert queued and client.llen(queued[0])
    client.delete(*queued)  # the broker lost its queue
    client.close()
    with worker(broker, postgres_url, prefix, queues="scan"):
        again = coordinator(broker, postgres_url, prefix, exports, tmp_path / "again")
        printed = finished(again, tmp_path / "again")
    same(printed, local)
    assert printed["resumed"]


def test_distributed_needs_a_broker(sqlite_url: str, tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REMPART_BROKER_URL", raising=False)
    done = CliRunner().invoke(build_app(), ["scan", "--distributed", str(tmp_path),
                                            "--db", sqlite_url])
    assert done.exit_code == 1
    assert "--distributed needs a broker" in done.output
