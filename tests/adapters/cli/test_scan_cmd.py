"""`rempart scan`: JSON lines and a summary line, HTML report without media, CSV, usage errors."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rempart.adapters.cli.main import build_app
from rempart.adapters.cli.scan_cmd import parse_usernames
from rempart.bench.synthetic_export import make_export
from rempart.bench.synthetic_images import photo_bytes

runner = CliRunner()
BANKED = photo_bytes(21, (320, 240))


@pytest.fixture
def setup(tmp_path: Path, sqlite_url: str) -> tuple[Path, str]:
    original = tmp_path / "banked.jpg"
    original.write_bytes(BANKED)
    app = build_app()
    assert runner.invoke(app, ["bank", "create", "victims", "--db", sqlite_url]).exit_code == 0
    assert runner.invoke(app, ["bank", "add", "victims", str(original), "--label", "ncii",
                               "--db", sqlite_url]).exit_code == 0
    export = make_export(tmp_path / "export", messages=80, photos=12, banked=[BANKED],
                         copies_per_banked=2, seed=4)
    return export.root, sqlite_url


def test_jsonl_then_summary_line(setup: tuple[Path, str]) -> None:
    export, url = setup
    result = runner.invoke(build_app(), [
        "scan", str(export), "--jsonl", "--db", url, "--workers", "1", "--bank", "victims",
        "--username", "1987654321=garden_club_synth"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(x) for x in result.stdout.splitlines()]
    *findings, last = lines
    assert set(last) >= {"summary"} and last["summary"]["totals"]["matched_messages"] == 2
    assert last["scan"]["status"] == "completed"
    assert findings and all({"source", "media", "matches", "text", "links"} <= set(f)
                            for f in findings)
    hits = [f for f in findings if f["matches"]]
    assert len(hits) == 2 and hits[0]["source"]["link"].startswith("https://t.me/garden_club")
    # The same command again prints the stored scan.
    again = runner.invoke(build_app(), [
        "scan", str(export), "--jsonl", "--db", url, "--workers", "1", "--bank", "victims",
        "--username", "1987654321=garden_club_synth"])
    assert again.exit_code == 0
    assert [json.loads(x) for x in again.stdout.splitlines()][:-1] == findings


def test_report_and_csv(setup: tuple[Path, str], tmp_path: Path) -> None:
    export, url = setup
    report, sheet = tmp_path / "report.html", tmp_path / "findings.csv"
    result = runner.invoke(build_app(), [
        "scan", str(export), "--db", url, "--workers", "1", "--report", str(report),
        "--csv", str(sheet)])
    assert result.exit_code == 0, result.output
    assert "Chats to report first" in result.stdout
    page = report.read_text(encoding="utf-8")
    assert "Synthetic Garden Club" in page
    assert "<img" not in page.lower() and "src=" not in page.lower()
    with sheet.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert sum(1 for r in rows if r["matched_banks"]) == 2
    assert len({r["scan_id"] for r in rows}) == 1


def test_input_errors_exit_zero_usage_errors_two(setup: tuple[Path, str],
                                                  tmp_path: Path) -> None:
    export, url = setup
    app = build_app()
    result = runner.invoke(app, ["scan", str(export), str(tmp_path / "missing"), "--jsonl",
                                 "--db", url, "--workers", "1"])
    assert result.exit_code == 0
    assert "no such file or folder" in result.stderr
    assert runner.invoke(app, ["scan", str(export), "--bank", "nope", "--db", url]).exit_code == 2
    assert runner.invoke(app, ["scan", str(export), "--username", "oops",
                               "--db", url]).exit_code == 2
    assert runner.invoke(app, ["scan", str(export), "--report",
                               str(tmp_path / "no" / "r.html"), "--db", url]).exit_code == 2
    bad_db = runner.invoke(app, ["scan", str(export), "--db", "postgresql://nobody@127.0.0.1:1/x"])
    assert bad_db.exit_code == 1


def test_parse_usernames() -> None:
    assert parse_usernames(["-1001987654321=@garden_club", "42=https://t.me/demo_chat"]) == {
        1987654321: "garden_club", 42: "demo_chat"}
