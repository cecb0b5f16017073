"""Shared output helpers for CLI commands: JSON lines or tables on stdout, Rich on stderr."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from rich.console import Console
from rich.table import Table

stderr = Console(stderr=True)
T = TypeVar("T")


def emit_jsonl(record: dict[str, Any]) -> None:
    """Write one JSON object as a line on stdout and flush (pipes see it at once)."""
    sys.stdout.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def show_rows(rows: Iterable[T], jsonl: bool, record: Callable[[T], dict[str, Any]],
              table: Table, cells: Callable[[T], Sequence[str]], *,
              width: int | None = None) -> None:
    """Each row as a JSON line (``--jsonl``: ``record(row)``), or as a line of ``table``
    (``cells(row)``) printed on stdout.

    Example::

        show_rows(tokens, jsonl, ApiToken.to_json, Table("id", "name"),
                  lambda t: (str(t.id), t.name))
    """
    if jsonl:
        for row in rows:
            emit_jsonl(record(row))
        return
    for row in rows:
        table.add_row(*cells(row))
    Console(width=width).print(table)
