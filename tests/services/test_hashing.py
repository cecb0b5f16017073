"""Hashing files: folders, order, process pool, error records, and no media written anywhere."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from rempart.bench.synthetic_images import make_video, photo_bytes
from rempart.config import HashSettings
from rempart.services.hashing import expand_paths, hash_paths


@pytest.fixture()
def media_dir(tmp_path: Path) -> Path:
    (tmp_path / "a.jpg").write_bytes(photo_bytes(1))
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.png").write_bytes(photo_bytes(2, fmt="PNG"))
    (tmp_path / "sub" / "c.mp4").write_bytes(make_video([3], seconds_per_scene=1.0))
    (tmp_path / "sub" / "empty.jpg").write_bytes(b"")
    (tmp_path / ".hidden.jpg").write_bytes(photo_bytes(4))
    return tmp_path


def test_expand_paths(media_dir: Path) -> None:
    flat = [p.name for p in expand_paths([media_dir], recursive=False)]
    deep = [p.relative_to(media_dir).as_posix() for p in expand_paths([media_dir], recursive=True)]
    assert flat == ["a.jpg"]
    assert deep == ["a.jpg", "sub/b.png", "sub/c.mp4", "sub/empty.jpg"]


@pytest.mark.parametrize("workers", [1, 2])
def test_hash_paths_keeps_order_and_reports_errors(media_dir: Path, workers: int) -> None:
    files = [
        *expand_paths([media_dir], recursive=True),
        media_dir / "missing.jpg",
        media_dir / "sub",
    ]
    results = list(hash_paths(files, HashSettings(), workers=workers))
    assert [p for p, _ in results] == files
    kinds = [h.kind for _, h in results]
    assert kinds[:3] == ["image", "image", "video"]
    errors = [h.error for _, h in results]
    assert errors[:3] == [None, None, None]
    assert errors[3] is not None and errors[3].startswith("empty")
    assert errors[4] is not None and errors[4].startswith("not_found")
    assert errors[5] is not None and errors[5].startswith("not_a_file")


def _snapshot(*dirs: Path) -> set[str]:
    out: set[str] = set()
    for d in dirs:
        for root, _dirs, files in os.walk(d):
            out.update(os.path.join(root, f) for f in files)
    return out


@pytest.fixture()
def write_audit() -> Iterator[list[str]]:
    """Every file opened for writing by Python code while the test runs."""
    writes: list[str] = []
    active = [True]

    def hook(event: str, args: tuple[object, ...]) -> None:
        if active[0] and event == "open" and len(args) >= 2:
            mode, flags = args[1], args[2] if len(args) > 2 else 0
            if (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT)
            ):
                writes.append(str(args[0]))

    sys.addaudithook(hook)  # audit hooks cannot be removed: deactivate it instead
    yield writes
    active[0] = False


def test_no_file_is_written_while_hashing(
    media_dir: Path, write_audit: list[str], tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    work, temp = tmp_path_factory.mktemp("cwd"), tmp_path_factory.mktemp("tmp")
    monkeypatch.chdir(work)
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    before = _snapshot(media_dir, work, temp)
    files = list(expand_paths([media_dir], recursive=True))
    results = list(hash_paths(files, HashSettings(), workers=1))
    assert len(results) == 4
    assert _snapshot(media_dir, work, temp) == before
    assert [w for w in write_audit if not w.startswith("/dev/")] == []
