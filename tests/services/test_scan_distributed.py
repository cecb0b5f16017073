"""A distributed scan, its batches run in this process: the same findings, counters and
inputs as a local scan, whatever the order the batches run in, however often they run, and
when tasks are lost or fail part-way."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from test_scan import BANKED, bank_db, small_export

from rempart.adapters.cli.scan_cmd import ExportSource
from rempart.adapters.worker.scan_tasks import source_for
from rempart.bench.synthetic_export import make_export
from rempart.config import Settings
from rempart.services.matching import MatchService
from rempart.services.scan import ScanResult, ScanService
from rempart.services.scan.batches import BatchRunner
from rempart.services.scan.distributed import DistributedScan
from rempart.services.scan.media import match_file
from rempart.store.scans import SqlScanStore
from rempart.store.sql import open_store
from scan_support import without_ids

Send = Callable[[str, int], None]


def comparable(result: ScanResult, findings: list[dict[str, Any]]) -> dict[str, Any]:
    """What a scan prints, without the ids that differ between databases."""
    return {"counters": result.counters, "inputs": [i.to_json() for i in result.inputs],
            "findings": [without_ids(f) for f in findings]}


def inputs(tmp_path: Path) -> list[Path]:
    export = make_export(tmp_path / "export", messages=90, photos=25, banked=[BANKED],
                         copies_per_banked=3, seed=11, shape="full")
    small = small_export(tmp_path / "small")
    broken = tmp_path / "broken"
    broken.mkdir()
    text = (small / "result.json").read_text(encoding="utf-8")
    (broken / "result.json").write_text(text[: len(text) * 2 // 3], encoding="utf-8")
    return [export.root, small, broken, tmp_path / "missing"]


def run(url: str, paths: list[Path], *, distributed: bool,
        send: Callable[[BatchRunner, Send], Send] | None = None,
        **kwargs: Any) -> dict[str, Any]:
    store = open_store(url)
    try:
        scans = SqlScanStore(store.engine)
        matcher = MatchService(store)
        matcher.load()
        service = ScanService(store, scans, matcher, Settings(), source=ExportSource(),
                              commit_seconds=0.05)
        if not distributed:
            result = service.scan(paths, workers=1)
        else:
            runner = BatchRunner(scans, matcher, source_for)

            def direct(scan_id: str, batch_id: int) -> None:
                runner.run(batch_id)

            coordinator = DistributedScan(service, send(runner, direct) if send else direct,
                                          batch_items=7, poll_seconds=0.01, **kwargs)
            result = coordinator.scan(paths)
        assert result.status == "completed"
        return comparable(result, list(scans.iter_findings(result.scan_id)))
    finally:
        store.close()


@pytest.fixture
def local(tmp_path: Path) -> tuple[list[Path], dict[str, Any]]:
    paths = inputs(tmp_path)
    url = f"sqlite:///{tmp_path / 'local.sqlite3'}"
    bank_db(url)
    expected = run(url, paths, distributed=False)
    assert expected["counters"]["input_errors"] == 2 and expected["counters"]["review_items"]
    assert sum(bool(f["matches"]) for f in expected["findings"]) >= 3
    return paths, expected


def test_same_as_local_in_any_order(local: tuple[list[Path], dict[str, Any]],
                                    db_url: str) -> None:
    paths, expected = local
    bank_db(db_url)
    sent: list[int] = []

    def backwards(runner: BatchRunner, direct: Send) -> Send:
        def send(scan_id: str, batch_id: int) -> None:
            sent.append(batch_id)
            if len(sent) == 1:  # all at once, then run last to first, each twice
                return
            for b in reversed(sorted(sent)):
                direct(scan_id, b)
                direct(scan_id, b)
        return send

    got = run(db_url, paths, distributed=True, send=backwards, lease_seconds=0.0)
    assert json.dumps(got, sort_keys=True) == json.dumps(expected, sort_keys=True)
    assert got == expected  # the counters' order too


def test_lost_and_failed_tasks_are_sent_again(local: tuple[list[Path], dict[str, Any]],
                                              sqlite_url: str,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    paths, expected = local
    bank_db(sqlite_url)
    calls = {"send": 0, "match": 0}

    def flaky_match(*args: Any, **kwargs: Any) -> Any:
        calls["match"] += 1
        if calls["match"] % 9 == 0:  # a worker dying part-way through a batch
            raise RuntimeError("worker lost")
        return match_file(*args, **kwargs)

    monkeypatch.setattr("rempart.services.scan.batches.match_file", flaky_match)

    def lossy(runner: BatchRunner, direct: Send) -> Send:
        def send(scan_id: str, batch_id: int) -> None:
            calls["send"] += 1
            if calls["send"] % 3 == 0:
                return  # lost in the broker
            with contextlib.suppress(RuntimeError):  # failed: the coordinator sends it again
                direct(scan_id, batch_id)
        return send

    got = run(sqlite_url, paths, distributed=True, send=lossy, lease_seconds=0.0)
    assert got == expected
