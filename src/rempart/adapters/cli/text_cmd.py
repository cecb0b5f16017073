"""`rempart text classify`: label message texts (NCII request/share, child exploitation, doxxing,
group promotion) and show why.

Messages come from the argument, or from stdin (or ``--input FILE``) as plain lines, JSON lines
(``{"text": …}``) or CSV with a text column, so that multi-line messages from exports and
moderation tools can be classified in a batch. A record that cannot be read is reported on
stderr with its line number and the others are classified; the exit code is then 1.

Example::

    $ rempart text classify "qui a des nudes de la meuf du 93 ?"
    $ cat messages.txt | rempart text classify --jsonl
    $ rempart text classify --format csv --column body --input export.csv --jsonl
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from rempart.adapters.cli.text_input import FORMATS, MAX_RECORD_CHARS, Record, read_records


def register(app: typer.Typer) -> None:
    """Attach the ``text`` group."""
    text_app = typer.Typer(help="Classify message texts and captions.", no_args_is_help=True)

    @text_app.command("classify")
    def classify_cmd(
        text: Annotated[str | None, typer.Argument(
            help="Message text; without it, messages are read from stdin or --input.")] = None,
        jsonl: Annotated[bool, typer.Option("--jsonl", help="One JSON object per line.")] = False,
        fmt: Annotated[str, typer.Option(
            "--format", help="Input format: lines (one message per line), jsonl or csv.")
        ] = "lines",
        column: Annotated[str, typer.Option(
            help="Field (jsonl) or column (csv) holding the message text.")] = "text",
        input_path: Annotated[Path | None, typer.Option(
            "--input", help="Read messages from this file instead of stdin.",
            exists=True, dir_okay=False, readable=True)] = None,
    ) -> None:
        """Labels, scores and explaining spans of each message.

        Example: rempart text classify --format jsonl --jsonl < messages.jsonl
        """
        from rempart.core.text.classify import classify

        if fmt not in FORMATS:
            raise typer.BadParameter(f"expected one of {', '.join(FORMATS)}", param_hint="--format")
        errors = 0

        def records() -> Iterator[Record]:
            if text is not None:
                yield Record(0, text=text)
                return
            if input_path is None:
                yield from read_records(sys.stdin, fmt, column, MAX_RECORD_CHARS)
                return
            with input_path.open(encoding="utf-8", errors="replace", newline="") as f:
                yield from read_records(f, fmt, column, MAX_RECORD_CHARS)

        table: list[dict[str, Any]] = []
        for rec in records():
            if rec.text is None:
                errors += 1
                sys.stderr.write(f"line {rec.line}: {rec.error}\n")
                continue
            out = classify(rec.text).to_json(rec.text)
            if fmt != "lines" and text is None:
                out["line"] = rec.line
            if jsonl:
                sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
            else:
                table.append(out)
        if not jsonl:
            _print_table(table)
        if errors:
            sys.stderr.write(f"{errors} record(s) could not be read\n")
            raise typer.Exit(1)

    app.add_typer(text_app, name="text")


def _print_table(records: list[dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    table = Table(show_lines=True)
    table.add_column("message", overflow="fold", max_width=60)
    table.add_column("labels")
    table.add_column("why", overflow="fold")
    for rec in records:
        text = str(rec["text"])
        labels: list[str] = rec["labels"]
        scores: dict[str, float] = rec["scores"]
        spans: list[dict[str, Any]] = rec["spans"]
        label_cell = "\n".join(f"[bold red]{lab}[/] {scores[lab]:.2f}" for lab in labels) \
            or "[green]none[/]"
        why = "\n".join(
            f"{s['label']}: «{escape(text[s['start']:s['end']])}» ({escape(s['reason'])})"
            for s in spans)
        table.add_row(escape(text), label_cell, why)
    Console().print(table)
