"""Resolve media paths written in an export, inside the export folder only.

An export is untrusted input: a hand-edited ``result.json`` can point at ``/etc/shadow``,
``../../victim/photo.jpg`` or a symlink leading out of the folder. Such paths are refused
(``refused_path``), never opened.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from rempart.core.items import MediaProblem

_PLACEHOLDERS: tuple[tuple[str, MediaProblem], ...] = (
    ("not included", "not_included"),
    ("exceeds maximum size", "too_large"),
    ("unavailable", "unavailable"),
)
_PLACEHOLDER = re.compile(r"\((?:File|Photo) (not included|exceeds maximum size|unavailable)")
_WINDOWS_ABSOLUTE = re.compile(r"^(?:[A-Za-z]:|[\\/]{2})")

Resolution = tuple[str | None, MediaProblem | None, str | None]


class MediaResolver:
    """Maps paths written in an export to absolute paths inside ``root``, or to a problem."""

    def __init__(self, root: Path) -> None:
        self.root = Path(os.path.realpath(root))
        self._prefix = str(self.root).rstrip(os.sep) + os.sep
        self._parents: dict[tuple[str, ...], str | None] = {}

    def resolve(self, raw: str) -> Resolution:
        """``(absolute path, None, None)`` or ``(None, problem, detail)``."""
        if not raw.strip():
            return None, "empty_path", "the export gives an empty path"
        placeholder = _PLACEHOLDER.search(raw)
        if placeholder is not None:
            found = placeholder.group(1)
            problem = next(p for key, p in _PLACEHOLDERS if key == found)
            return None, problem, raw
        if "\x00" in raw:
            return None, "refused_path", "path contains a NUL character"
        if os.path.isabs(raw) or _WINDOWS_ABSOLUTE.match(raw):
            return None, "refused_path", "absolute path"
        parts = [p for p in raw.replace("\\", "/").split("/") if p not in ("", ".")]
        if ".." in parts:
            return None, "refused_path", "path goes up with '..'"
        if not parts:
            return None, "empty_path", "the export gives an empty path"
        parent = self._parent(tuple(parts[:-1]))
        if parent is None:
            return None, "refused_path", "a symlink leads out of the export folder"
        full = os.path.join(parent, parts[-1])
        try:
            mode = os.lstat(full).st_mode
        except FileNotFoundError:
            return None, "missing", "no such file in the export folder"
        except OSError as exc:
            return None, "missing", f"cannot be read: {exc.strerror}"
        if stat.S_ISLNK(mode):
            full = os.path.realpath(full)
            if not full.startswith(self._prefix):
                return None, "refused_path", "a symlink leads out of the export folder"
            if not os.path.exists(full):
                return None, "missing", "a symlink to a file that does not exist"
            mode = os.stat(full).st_mode
        if not stat.S_ISREG(mode):
            return None, "not_a_file", "not a regular file"
        return full, None, None

    def _parent(self, parts: tuple[str, ...]) -> str | None:
        """The real path of a folder inside the export, or None when it leads out (cached:
        an export has few folders and many files)."""
        if parts in self._parents:
            return self._parents[parts]
        real = os.path.realpath(os.path.join(self.root, *parts))
        inside = real == str(self.root) or real.startswith(self._prefix)
        result = real if inside else None
        if len(self._parents) < 100_000:
            self._parents[parts] = result
        return result
