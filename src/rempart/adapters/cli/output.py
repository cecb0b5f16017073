"""Shared output helpers for CLI commands: JSON lines on stdout, Rich on stderr."""

from __future__ import annotations

import json
import sys
from typing import Any

from rich.console import Console

stderr = Console(stderr=True)


def emit_jsonl(record: dict[str, Any]) -> None:
    """Write one JSON object as a line on stdout and flush (pipes see it at once)."""
    sys.stdout.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
    sys.stdout.flush()
