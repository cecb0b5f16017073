"""Hash files from disk, in parallel over worker processes; bytes never leave memory.

Example::

    >>> from pathlib import Path
    >>> list(expand_paths([Path("/nonexistent")], recursive=False))
    [PosixPath('/nonexistent')]
"""

from __future__ import annotations

import functools
import os
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future
from pathlib import Path

from rempart.core.hash_settings import HashSettings
from rempart.core.media_signals import hash_bytes
from rempart.core.types import MediaHashes
from rempart.services.media_pool import MediaPool


def expand_paths(paths: Iterable[Path], *, recursive: bool) -> Iterator[Path]:
    """Files named, and files inside folders named (their descendants with ``recursive``).

    Hidden files and folders are skipped inside folders; a path that does not exist is passed
    through so that it gets its own error record. Output is sorted within each folder.
    """
    for path in paths:
        if path.is_dir():
            pattern = "**/*" if recursive else "*"
            for child in sorted(path.glob(pattern)):
                rel = child.relative_to(path)
                if any(part.startswith(".") for part in rel.parts):
                    continue
                if child.is_file():
                    yield child
        else:
            yield path


def read_error(path: Path, message: str) -> MediaHashes:
    """An error record for a file that could not be read at all."""
    return MediaHashes(kind="unsupported", md5="", sha256="", size=0, error=message)


def read_media(path: Path, settings: HashSettings) -> tuple[bytes | None, MediaHashes | None]:
    """The bytes of a media file, or an error record when it cannot be read or is too big."""
    try:
        size = path.stat().st_size
        if size > settings.limits.max_bytes:
            return None, MediaHashes(
                kind="unsupported",
                md5="",
                sha256="",
                size=size,
                error=f"too_large: {size} bytes is over the limit of {settings.limits.max_bytes}",
            )
        return path.read_bytes(), None
    except FileNotFoundError:
        return None, read_error(path, "not_found: no such file")
    except IsADirectoryError:
        return None, read_error(path, "not_a_file: is a directory (use --recursive)")
    except OSError as exc:
        return None, read_error(path, f"unreadable: {exc.strerror or exc}")


def hash_path(path: Path, settings: HashSettings) -> MediaHashes:
    """Read one file and hash it; every failure becomes an error record."""
    data, error = read_media(path, settings)
    if data is None:
        assert error is not None
        return error
    try:
        return hash_bytes(data, settings)
    finally:
        del data


def _init_worker() -> None:
    import cv2

    cv2.setNumThreads(1)  # one process per core: no nested thread pools


def default_workers() -> int:
    """One worker per core."""
    return max(1, os.cpu_count() or 1)


IN_FLIGHT_PER_WORKER = 8  # files queued per worker: enough to keep it busy, bounded memory


def hash_paths(
    paths: Sequence[Path], settings: HashSettings, workers: int = 0
) -> Iterator[tuple[Path, MediaHashes]]:
    """(path, hashes) for each path, in order; ``workers`` processes (0: one per core).

    ``workers=1`` hashes in this process, with OpenCV held to one thread.

    A file that kills its worker gets an error record; the others go on.
    """
    n = workers or default_workers()
    if n <= 1 or len(paths) < 4:
        if n <= 1:
            _init_worker()  # one core asked for: OpenCV's own threads would only spin on it
        for path in paths:
            yield path, hash_path(path, settings)
        return
    pool = MediaPool(n, initializer=_init_worker)
    try:
        window: deque[tuple[Path, Future[MediaHashes]]] = deque()
        for path in paths:
            window.append((path, pool.submit(
                functools.partial(hash_path, settings=settings), path,
                on_error=functools.partial(read_error, path))))
            if len(window) >= n * IN_FLIGHT_PER_WORKER:
                done, future = window.popleft()
                yield done, future.result()
        while window:
            done, future = window.popleft()
            yield done, future.result()
    except BaseException:
        pool.close(cancel=True)
        raise
    pool.close()

