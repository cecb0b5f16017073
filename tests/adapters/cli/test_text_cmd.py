"""`rempart text classify` (argument, stdin, --jsonl) and `rempart bench text`."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from rempart.adapters.cli.main import build_app

runner = CliRunner()


def test_classify_argument_jsonl() -> None:
    result = runner.invoke(build_app(), ["text", "classify", "--jsonl", "échange nudes d'ex"])
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert record["text"] == "échange nudes d'ex"
    assert "ncii_share" in record["labels"]
    span = record["spans"][0]
    assert record["text"][span["start"]:span["end"]]


def test_classify_stdin_one_message_per_line() -> None:
    lines = "qui a des nudes de la meuf du 93 ?\n\non se fait un apéro vendredi ?\n"
    result = runner.invoke(build_app(), ["text", "classify", "--jsonl"], input=lines)
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["labels"] for r in records] == [["ncii_request"], []]


def test_classify_table() -> None:
    result = runner.invoke(build_app(), ["text", "classify", "groupe mineurs lien en mp"])
    assert result.exit_code == 0, result.output
    assert "child_exploitation" in result.stdout
    assert "mineurs" in result.stdout


def test_bench_text(tmp_path: Path) -> None:
    data = tmp_path / "mini.jsonl"
    rows = [
        {"text": "échange nudes d'ex", "labels": ["ncii_share"], "split": "dev"},
        {"text": "on mange quoi ce midi ?", "labels": [], "split": "dev"},
    ]
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), "utf-8")
    result = runner.invoke(build_app(), ["bench", "text", "--data", str(data), "--seconds",
                                         "0.01"])
    assert result.exit_code == 0, result.output
    assert "harmful" in result.stdout
    assert "messages/s" in result.stdout
