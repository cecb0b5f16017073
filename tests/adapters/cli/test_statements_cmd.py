"""`rempart statements submit|outbox` and `rempart transparency report` through Typer's
CliRunner: a Transparency-Database-shaped server on loopback, a SQLite database, the token in
the environment only."""

from __future__ import annotations

import csv
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from rempart.adapters.cli.main import app_for
from tdb_support import TOKEN, FakeTdb, decide_notices, notice_service, serve


@pytest.fixture
def fake() -> Iterator[FakeTdb]:
    with serve() as f:
        yield f


def _run(*argv: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(app_for(list(argv)), list(argv), env=env)


@pytest.fixture
def seeded(sqlite_url: str) -> str:
    notices = notice_service(sqlite_url)
    decide_notices(notices, 120)
    notices.audit_log.engine.dispose()  # type: ignore[attr-defined]
    return sqlite_url


def test_submit_reports_per_batch_and_the_outbox(
        fake: FakeTdb, seeded: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    missing = _run("statements", "submit", "--url", fake.url, "--db", seeded,
                   env={"REMPART_TDB_TOKEN": ""})
    assert missing.exit_code == 1 and "REMPART_TDB_TOKEN is not set" in missing.stderr
    env = {"REMPART_TDB_TOKEN": TOKEN}
    fake.mode = "error500"
    failed = _run("statements", "submit", "--url", fake.url, "--db", seeded, "--limit", "10",
                  env=env)
    assert failed.exit_code == 1 and "HTTP 500" in failed.stderr
    outbox = _run("statements", "outbox", "--db", seeded)
    assert "0 submitted, 120 pending" in outbox.stdout and "HTTP 500" in outbox.stdout
    fake.mode = "normal"
    done = _run("statements", "submit", "--url", fake.url, "--db", seeded, "--jsonl",
                env=env)
    assert done.exit_code == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(r["size"], r["accepted"]) for r in records[:-1]] == [(100, 100), (20, 20)]
    assert records[-1]["outbox"] == {"submitted": 120, "pending": 0, "given_up": 0}
    for result in (missing, failed, outbox, done):
        assert TOKEN not in result.stdout + result.stderr
    assert TOKEN not in caplog.text


def test_transparency_report_writes_csv_and_html(seeded: str, tmp_path: Path) -> None:
    out = tmp_path / "report"
    result = _run("transparency", "report", "--period", "2026", "--output", str(out),
                  "--db", seeded)
    assert result.exit_code == 0, result.stderr
    assert str(out / "transparency-report.html") in result.stdout
    with (out / "notices_by_category.csv").open(newline="") as f:
        rows = {r["category"]: r for r in csv.DictReader(f)}
    assert rows["ncii"]["received"] == "120" and rows["ncii"]["action_taken"] == "120"
    bad = _run("transparency", "report", "--period", "1800", "--output", str(out),
               "--db", seeded)
    assert bad.exit_code == 1 and "2020 to 2100" in bad.stderr
