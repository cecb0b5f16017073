"""Where benchmark media come from: ``--corpus DIR``, else ``../shared/corpus`` when present."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff"}
VIDEO_SUFFIXES = {".mp4", ".m4v", ".mov", ".webm", ".mkv", ".avi"}


def find_corpus(corpus: Path | None) -> Path | None:
    """The corpus folder: the one given, else ``../shared/corpus`` from here or from the repo."""
    if corpus is not None:
        return corpus
    here = Path(__file__).resolve()
    for base in (Path.cwd(), *here.parents):
        candidate = base.parent / "shared" / "corpus"
        if candidate.is_dir():
            return candidate
    return None


def require_corpus(corpus: Path | None, console: Console, hint: str = "") -> Path:
    """``find_corpus``, or exit with status 2 saying ``--corpus DIR`` is needed."""
    root = find_corpus(corpus)
    if root is None:
        console.print(f"No corpus: pass --corpus DIR{hint}.")
        raise SystemExit(2)
    return root


def corpus_files(root: Path, suffixes: set[str], sub: str) -> list[Path]:
    """Files with one of ``suffixes`` under ``root/sub`` (or ``root`` itself), sorted."""
    base = root / sub if (root / sub).is_dir() else root
    return sorted(p for p in base.rglob("*") if p.suffix.lower() in suffixes and p.is_file())
