"""`rempart text classify`: label message texts (NCII request/share, child exploitation, doxxing,
group promotion) and show why.

Example::

    $ rempart text classify "qui a des nudes de la meuf du 93 ?"
    $ cat messages.txt | rempart text classify --jsonl
"""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    """Attach the ``text`` group."""
    text_app = typer.Typer(help="Classify message texts and captions.", no_args_is_help=True)

    @text_app.command("classify")
    def classify_cmd(
        text: Annotated[str | None, typer.Argument(
            help="Message text; without it, one message per line is read from stdin.")] = None,
        jsonl: Annotated[bool, typer.Option("--jsonl", help="One JSON object per line.")] = False,
    ) -> None:
        """Labels, scores and explaining spans of each message.

        Example: rempart text classify --jsonl "échange nudes d'ex"
        """
        from rempart.core.text.classify import classify

        if text is not None:
            texts = [text]
        else:
            texts = [line.rstrip("\r\n") for line in sys.stdin]
            texts = [t for t in texts if t.strip()]
        records = [classify(t).to_json(t) for t in texts]
        if jsonl:
            for rec in records:
                sys.stdout.write(json.dumps(rec, ensure_ascii=False) + "\n")
            return
        _print_table(records)

    app.add_typer(text_app, name="text")


def _print_table(records: list[dict[str, object]]) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    table = Table(show_lines=True)
    table.add_column("message", overflow="fold", max_width=60)
    table.add_column("labels")
    table.add_column("why", overflow="fold")
    for rec in records:
        text = str(rec["text"])
        labels = rec["labels"]
        scores = rec["scores"]
        assert isinstance(labels, list) and isinstance(scores, dict)
        spans = rec["spans"]
        assert isinstance(spans, list)
        label_cell = "\n".join(f"[bold red]{lab}[/] {scores[lab]:.2f}" for lab in labels) \
            or "[green]none[/]"
        why = "\n".join(
            f"{s['label']}: «{escape(text[s['start']:s['end']])}» ({escape(s['reason'])})"
            for s in spans)
        table.add_row(escape(text), label_cell, why)
    Console().print(table)
