"""`rempart hash PATH... [--jsonl] [--recursive] [--robust]`: the signals of media files.

By default an image gets md5, sha256, PDQ and its PDQ variants (7 rotations/mirrors, borders
trimmed); ``--robust`` adds what a bank keeps for crops and screenshots (``orb`` and the
``region-…`` PDQ variants), at about twice the cost per image.

Example::

    $ rempart hash --jsonl --recursive examples/media
    {"path": "examples/media/harbour.jpg", "kind": "image", "md5": "…", "pdq": {…}, …}
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from rempart.adapters.cli.options import Fps, Jsonl, Recursive, Workers
from rempart.adapters.cli.output import emit_jsonl, stderr
from rempart.config import HashSettings
from rempart.core.types import MediaHashes
from rempart.services.hashing import expand_paths, hash_paths


def hash_record(path: Path, h: MediaHashes, *, with_orb: bool = True) -> dict[str, Any]:
    """The `rempart hash --jsonl` record of one file."""
    out: dict[str, Any] = {"path": str(path)}
    out.update(h.to_json())
    if not with_orb:
        out.pop("orb", None)
        out.pop("orb_tone", None)
    if h.kind != "video":
        out.pop("vpdq", None)
        out.pop("duration", None)
    return out


def progress_bar() -> Progress:
    """A Rich progress bar on stderr with counts and ETA."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=stderr,
        transient=True,
    )


def hash_command(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders to hash.")],
    jsonl: Jsonl = False,
    recursive: Recursive = False,
    workers: Workers = 0,
    fps: Fps = 1.0,
    robust: Annotated[
        bool,
        typer.Option(help="Also compute the robust signals a bank keeps (orb, region PDQ)."),
    ] = False,
    with_orb: Annotated[
        bool, typer.Option("--with-orb/--no-orb", help="Print the long orb signal (--robust).")
    ] = True,
) -> None:
    """Hash images and videos: md5, sha256, PDQ and its variants, vPDQ; media are not kept.

    ``--robust`` adds the ``orb`` signal and region PDQ variants, as ``bank add`` keeps them.
    """
    if fps <= 0:
        raise typer.BadParameter("--fps must be > 0")
    settings = HashSettings(video_fps=fps, robust=robust)
    files = list(expand_paths(paths, recursive=recursive))
    table = Table(box=None)
    table.add_column("path", overflow="fold")
    for col in ("kind", "size", "pdq", "q", "frames", "error"):
        table.add_column(col, no_wrap=col != "error")
    errors = 0
    with progress_bar() as progress:
        task = progress.add_task("hashing", total=len(files))
        for path, h in hash_paths(files, settings, workers):
            errors += h.error is not None
            if jsonl:
                emit_jsonl(hash_record(path, h, with_orb=with_orb))
            else:
                table.add_row(
                    str(path),
                    h.kind,
                    str(h.size),
                    h.pdq.hash[:16] + "…" if h.pdq else "",
                    str(h.pdq.quality) if h.pdq else "",
                    str(len(h.vpdq) or ""),
                    (h.error or "").split(":")[0],
                )
            progress.advance(task)
    if not jsonl:
        from rich.console import Console

        Console().print(table)
    stderr.print(f"{len(files)} file(s) hashed, {errors} with an error", highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``rempart hash``."""
    app.command("hash")(hash_command)
