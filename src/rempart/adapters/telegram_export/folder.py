"""Plain folders of media (a phone dump, a downloaded album): one ``Item`` per media file."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from rempart.adapters.telegram_export.paths import MediaResolver
from rempart.core.items import Item, Location, MediaRef, MediaRefKind

IMAGE_SUFFIXES = frozenset({
    ".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".gif", ".webp", ".bmp", ".tif", ".tiff",
    ".heic", ".heif", ".avif",
})
VIDEO_SUFFIXES = frozenset({
    ".mp4", ".m4v", ".mov", ".webm", ".mkv", ".avi", ".3gp", ".mpg", ".mpeg", ".wmv", ".flv",
    ".ts", ".ogv",
})
_MIME = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".jpe": "image/jpeg", ".jfif": "image/jpeg",
         ".png": "image/png", ".gif": "image/gif", ".webp": "image/webp", ".bmp": "image/bmp",
         ".tif": "image/tiff", ".tiff": "image/tiff", ".heic": "image/heic",
         ".heif": "image/heif", ".avif": "image/avif", ".mp4": "video/mp4",
         ".m4v": "video/mp4", ".mov": "video/quicktime", ".webm": "video/webm",
         ".mkv": "video/x-matroska", ".avi": "video/x-msvideo", ".3gp": "video/3gpp",
         ".mpg": "video/mpeg", ".mpeg": "video/mpeg", ".wmv": "video/x-ms-wmv",
         ".flv": "video/x-flv", ".ts": "video/mp2t", ".ogv": "video/ogg"}


def read_folder_items(path: str | os.PathLike[str], *, all_files: bool = False) -> Iterator[Item]:
    """One ``Item`` per image or video file under ``path`` (recursive, sorted, platform
    ``folder``). ``all_files`` also yields other files (kind ``other``). Symlinks leading out
    of the folder are reported with ``problem="refused_path"``, never followed; symlinked
    folders are not entered.

    Example::

        for item in read_folder_items("dump/"):
            print(item.location.path, item.media[0].resolved)
    """
    root = Path(path)
    if not root.is_dir():
        raise NotADirectoryError(f"not a folder: {root}")
    resolver = MediaResolver(root)
    export = str(resolver.root)
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames.sort()
        base = Path(dirpath)
        for name in sorted(filenames):
            full = base / name
            suffix = full.suffix.lower()
            if suffix in IMAGE_SUFFIXES:
                kind: MediaRefKind = "photo"
            elif suffix in VIDEO_SUFFIXES:
                kind = "video"
            elif all_files:
                kind = "other"
            else:
                continue
            relative = full.relative_to(root).as_posix()
            resolved, problem, detail = resolver.resolve(relative)
            ref = MediaRef(path=relative, resolved=resolved, kind=kind,
                           mime_type=_MIME.get(suffix), file_name=name, problem=problem,
                           problem_detail=detail)
            location = Location(platform="folder", export=export, path=relative)
            yield Item(location, "", (ref,), "file")
