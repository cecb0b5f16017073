"""`rempart bank ...` end to end through Typer's CliRunner, on a real SQLite database."""

from __future__ import annotations

import json
import sys
import types
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner, Result

from rempart.adapters.cli import bank_cmd
from rempart.config import HashSettings
from rempart.core.types import MediaHashes, PdqHash

PDQ = "0123456789abcdef" * 4
MD5 = "d41d8cd98f00b204e9800998ecf8427e"


@pytest.fixture
def app() -> typer.Typer:
    root = typer.Typer()
    bank_cmd.register(root)
    return root


Run = Callable[..., Result]


@pytest.fixture
def run(app: typer.Typer, sqlite_url: str) -> Run:
    """``run("create", "x")`` invokes ``rempart bank create x --db <test database>``."""
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None) -> Result:
        return runner.invoke(app, ["bank", *args, "--db", sqlite_url], input=input)

    return invoke


def _ok(result: Result) -> str:
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return result.stdout


def test_create_list_remove(run: Run) -> None:
    assert "policy review" in _ok(run("create", "victims", "--kind", "victim"))
    _ok(run("create", "mods", "--policy", "alert", "--threshold", "20"))
    records = [json.loads(line) for line in _ok(run("list", "--jsonl")).splitlines()]
    assert [(r["name"], r["policy"], r["pdq_threshold"]) for r in records] == [
        ("mods", "alert", 20), ("victims", "review", 31)]
    assert "victims" in _ok(run("list"))

    dup = run("create", "victims")
    assert dup.exit_code == 1 and dup.stderr == "error: a bank named 'victims' already exists\n"
    assert run("create", "x", "--kind", "nope").exit_code == 2
    assert run("remove", "nope").exit_code == 1
    _ok(run("remove", "mods"))
    assert [r["name"] for r in map(json.loads, _ok(run("list", "--jsonl")).splitlines())] == [
        "victims"]


def test_import_export_entries_remove_entry(run: Run, tmp_path: Path) -> None:
    _ok(run("create", "p", "--kind", "partner"))
    src = tmp_path / "hashes.csv"
    src.write_text(f"signal_type,signal_value,case_id\npdq,{PDQ},c1\nmd5,{MD5},c1\n")
    assert "imported 2 entries" in _ok(run("import", "p", str(src)))
    assert "0 entries" in _ok(run("import", "p", "-", "--format", "txt", input=f"pdq {PDQ}\n"))

    listed = [json.loads(line) for line in _ok(run("entries", "p", "--jsonl")).splitlines()]
    assert [(e["signal_type"], e["case_id"]) for e in listed] == [("pdq", "c1"), ("md5", "c1")]
    assert "pdq" in _ok(run("entries", "p"))

    reason = ["--reason", "withdrawn"]
    _ok(run("remove-entry", "p", str(listed[1]["id"]), *reason))
    assert run("remove-entry", "p", "999").exit_code == 1
    assert run("remove-entry", "p", "abc").exit_code == 2

    out = _ok(run("export", "p"))
    assert out.splitlines()[0].startswith("signal_type,signal_value,")
    assert PDQ in out and MD5 not in out
    target = tmp_path / "out.jsonl"
    _ok(run("export", "p", "--format", "jsonl", "--include-removed", "-o", str(target)))
    records = [json.loads(line) for line in target.read_text().splitlines()]
    assert [r.get("removed", False) for r in records] == [False, True]
    assert records[1]["removed_reason"] == "withdrawn"

    assert run("remove", "p").exit_code == 1
    assert "1 entries tombstoned" in _ok(run("remove", "p", "--force"))


def test_import_error_names_line_and_imports_nothing(run: Run, tmp_path: Path) -> None:
    _ok(run("create", "p"))
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"signal_type": "pdq", "signal_value": PDQ}) + "\n"
                   + json.dumps({"signal_type": "md5", "signal_value": "nope"}) + "\n")
    result = run("import", "p", str(bad))
    assert result.exit_code == 1
    assert result.stderr.startswith("error: line 2: invalid md5")
    assert _ok(run("entries", "p", "--jsonl")) == ""
    assert run("import", "p", str(tmp_path / "missing.csv")).exit_code == 1
    assert run("import", "nope", str(bad)).exit_code == 1


def test_add_hashes_files_and_stores_signals_only(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fake_hash_paths(
        paths: Sequence[Path], settings: HashSettings, workers: int = 0
    ) -> Iterator[tuple[Path, MediaHashes]]:
        for p in paths:
            if p.name.startswith("bad"):
                yield p, MediaHashes(kind="unsupported", md5=MD5, sha256="0" * 64, size=1,
                                     error="cannot decode")
            else:
                yield p, MediaHashes(kind="image", md5=MD5, sha256="1" * 64, size=1,
                                     pdq=PdqHash(PDQ, 100))

    fake = types.ModuleType("rempart.services.hashing")
    fake.hash_paths = fake_hash_paths  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "rempart.services.hashing", fake)
    good, bad = tmp_path / "a.jpg", tmp_path / "bad.jpg"
    good.write_bytes(b"x")
    bad.write_bytes(b"y")
    _ok(run("create", "v", "--kind", "victim"))
    result = run("add", "v", str(good), str(bad), "--label", "ncii", "--label", "x",
                 "--case-id", "42", "--source", "portal", "--jsonl")
    assert result.exit_code == 1 and "cannot decode" in result.stderr
    (added,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert added["path"] == str(good) and len(added["entry_ids"]) == 3
    entries = [json.loads(line) for line in _ok(run("entries", "v", "--jsonl")).splitlines()]
    assert {e["signal_type"] for e in entries} == {"md5", "sha256", "pdq"}
    assert {e["content_group"] for e in entries} == {added["content_group"]}
    assert all(e["labels"] == ["ncii", "x"] and e["case_id"] == "42" for e in entries)
    assert run("add", "v", str(tmp_path / "missing.jpg")).exit_code == 2
    assert run("add", "nope", str(good)).exit_code == 1


def test_add_with_real_hashing(run: Run, tmp_path: Path) -> None:
    pytest.importorskip("rempart.services.hashing")
    image = pytest.importorskip("PIL.Image")
    path = tmp_path / "gradient.png"
    img = image.new("RGB", (64, 64))
    img.putdata([(x * 4, y * 4, (x + y) * 2) for y in range(64) for x in range(64)])
    img.save(path)
    _ok(run("create", "v"))
    _ok(run("add", "v", str(path)))
    entries = [json.loads(line) for line in _ok(run("entries", "v", "--jsonl")).splitlines()]
    assert {"md5", "sha256", "pdq"} <= {e["signal_type"] for e in entries}


def test_db_from_environment(app: typer.Typer, sqlite_url: str,
                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REMPART_DATABASE_URL", sqlite_url)
    runner = CliRunner()
    assert runner.invoke(app, ["bank", "create", "envbank"]).exit_code == 0
    result = runner.invoke(app, ["bank", "list", "--jsonl"])
    assert json.loads(result.stdout)["name"] == "envbank"
    bad = runner.invoke(app, ["bank", "list", "--db", "nonsense://"])
    assert bad.exit_code == 1 and bad.stderr.startswith("error: ")
