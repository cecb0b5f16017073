"""`rempart match PATH... [--bank NAME]... [--jsonl]`: which banked items these media match.

Example::

    $ rempart match --jsonl --bank victims upload.jpg
    {"path": "upload.jpg", "matches": [{"bank": "victims", "entry": 12, "signal": "orb", ...}], ...}
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated, cast

import typer
from rich.console import Console
from rich.table import Table

from rempart.adapters.cli.hash_cmd import progress_bar
from rempart.adapters.cli.options import Db, Fps, Jsonl, Recursive, store_for
from rempart.adapters.cli.output import emit_jsonl, stderr
from rempart.config import HashSettings, Settings
from rempart.core.flood import FloodRule
from rempart.services.hashing import expand_paths
from rempart.services.matching import MatchService, MatchStore


def match_command(
    paths: Annotated[list[Path], typer.Argument(help="Media files or folders to check.")],
    bank: Annotated[
        list[str] | None, typer.Option("--bank", help="Only these banks (repeat).")
    ] = None,
    jsonl: Jsonl = False,
    recursive: Recursive = False,
    fps: Fps = 1.0,
    db: Db = None,
) -> None:
    """Match images and videos against the banks (allowlist and flood rules applied)."""
    if fps <= 0:
        raise typer.BadParameter("--fps must be > 0")
    settings = Settings()
    files = list(expand_paths(paths, recursive=recursive))
    table = Table("path", "bank", "entry", "signal", "distance", "action", "error", box=None)
    with store_for(db) as store:
        service = MatchService(
            cast(MatchStore, store),
            settings=HashSettings(video_fps=fps),
            flood=FloodRule(
                settings.flood_max_distinct_uploads, _seconds(settings.flood_window_seconds),
                settings.flood_max_distinct_places, settings.flood_max_distinct_senders,
            ),
        )
        known = {b.name for b in store.list_banks()}
        unknown = sorted(set(bank or ()) - known)
        if unknown:
            raise typer.BadParameter(f"unknown bank(s): {', '.join(unknown)}", param_hint="--bank")
        service.load()
        matched = 0
        with progress_bar() as progress:
            task = progress.add_task("matching", total=len(files))
            for path, report in service.match_paths(files, bank or None):
                matched += bool(report.matches)
                if jsonl:
                    emit_jsonl(report.to_json(str(path)))
                elif report.matches:
                    for m in report.matches:
                        table.add_row(str(path), m.bank, str(m.entry), m.signal,
                                      str(m.distance), m.action, "")
                else:
                    table.add_row(str(path), "", "", "", "", "", report.error or "no match")
                progress.advance(task)
    if not jsonl:
        Console().print(table)
    stderr.print(f"{len(files)} file(s) checked, {matched} matched", highlight=False)


def _seconds(value: float) -> timedelta:
    return timedelta(seconds=value)


def register(app: typer.Typer) -> None:
    """Add ``rempart match``."""
    app.command("match")(match_command)
