"""`rempart text classify` (argument, stdin, --jsonl) and `rempart bench text`."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from rempart.adapters.cli.main import build_app
from rempart.adapters.cli.text_input import MAX_RECORD_CHARS

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


def test_classify_jsonl_input_keeps_multiline_messages(tmp_path: Path) -> None:
    lines = [json.dumps({"text": "salut\nqui a des nudes de la meuf du 93 ?", "id": 7}),
             json.dumps({"text": "réunion à 10h\nsalle B"})]
    result = runner.invoke(build_app(), ["text", "classify", "--format", "jsonl", "--jsonl"],
                           input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["labels"] for r in records] == [["ncii_request"], []]
    assert records[0]["text"].startswith("salut\n")
    assert [r["line"] for r in records] == [1, 2]


def test_classify_csv_input_with_named_column(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text('id,body\n1,"bonjour\ntout le monde"\n2,"échange nudes d\'ex"\n', "utf-8")
    result = runner.invoke(build_app(), ["text", "classify", "--format", "csv", "--column",
                                         "body", "--input", str(path), "--jsonl"])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["text"] for r in records] == ["bonjour\ntout le monde", "échange nudes d'ex"]
    assert records[1]["labels"] == ["ncii_share"]
    assert [r["line"] for r in records] == [2, 4]


def test_bad_records_get_a_per_line_error_and_the_rest_goes_on() -> None:
    lines = ['{"text": "échange nudes d\'ex"}', "{not json", '{"body": "x"}', '["text"]',
             '{"text": 3}', '{"text": "on mange où ?"}']
    result = runner.invoke(build_app(), ["text", "classify", "--format", "jsonl", "--jsonl"],
                           input="\n".join(lines) + "\n")
    assert result.exit_code == 1
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["line"] for r in records] == [1, 6]
    for n in (2, 3, 4, 5):
        assert f"line {n}:" in result.stderr
    assert "4 record(s)" in result.stderr


def test_an_oversized_record_is_skipped_without_being_read_whole() -> None:
    huge = json.dumps({"text": "a" * (MAX_RECORD_CHARS + 10)})
    data = huge + "\n" + '{"text": "groupe mineurs lien en mp"}\n'
    result = runner.invoke(build_app(), ["text", "classify", "--format", "jsonl", "--jsonl"],
                           input=data)
    assert result.exit_code == 1
    assert "line 1: record longer than" in result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 1 and records[0]["line"] == 2
    assert "child_exploitation" in records[0]["labels"]


def test_csv_errors_are_per_row() -> None:
    data = "text\n\"qui a des nudes de la meuf du 93 ?\"\n" + "x" * (MAX_RECORD_CHARS + 5) + \
        "\nsalut\n"
    result = runner.invoke(build_app(), ["text", "classify", "--format", "csv", "--jsonl"],
                           input=data)
    assert result.exit_code == 1
    assert "line 3: record longer than" in result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["text"] for r in records] == ["qui a des nudes de la meuf du 93 ?", "salut"]


def test_csv_without_the_column_says_so() -> None:
    result = runner.invoke(build_app(), ["text", "classify", "--format", "csv", "--jsonl"],
                           input="id,body\n1,salut\n")
    assert result.exit_code == 1
    assert "no column 'text'" in result.stderr


def test_unterminated_csv_quote_is_bounded() -> None:
    data = 'text\n"' + "ligne\n" * (MAX_RECORD_CHARS // 3) + "fin\n"
    result = runner.invoke(build_app(), ["text", "classify", "--format", "csv", "--jsonl"],
                           input=data)
    assert result.exit_code == 1
    assert "line 2:" in result.stderr


def test_unknown_format_is_refused() -> None:
    result = runner.invoke(build_app(), ["text", "classify", "--format", "xml"], input="a\n")
    assert result.exit_code == 2
