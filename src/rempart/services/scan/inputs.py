"""What a scan reads (given by the adapter that knows the formats) and how a scan is named.

The service does not parse exports itself: an ``ItemSource`` (the Telegram export reader and
the folder reader, wired by the CLI) turns each input path into a stream of ``Item`` records and
reports unreadable inputs as ``ScanInputError``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol

from rempart.core.items import Item
from rempart.services.errors import RempartError


class ScanInputError(RempartError):
    """One input cannot be read (missing, not an export nor a folder, broken JSON...).

    The scan records it for that input and goes on with the others.
    """


class ItemSource(Protocol):
    """Turns input paths into items."""

    def kind(self, path: Path) -> str:
        """``telegram_export`` or ``folder``; ScanInputError when the path is neither."""
        ...

    def items(self, path: Path) -> Iterator[Item]:
        """Every item of the input, in a stable order; may raise ScanInputError part-way."""
        ...

    def count(self, path: Path) -> int | None:
        """How many items the input holds (for progress), or ``None`` when unknown."""
        ...


def resolve_input(path: Path) -> str:
    """The absolute, symlink-free spelling of an input: the key of its progress."""
    return str(path.expanduser().resolve())


def fingerprint(inputs: Collection[str], banks: Collection[str] | None,
                options: Mapping[str, Any]) -> str:
    """sha256 of the sorted resolved inputs, the sorted banks (``None``: all) and the options.

    >>> fingerprint(["/b", "/a"], None, {}) == fingerprint(["/a", "/b"], None, {})
    True
    """
    doc = {"inputs": sorted(inputs), "banks": None if banks is None else sorted(set(banks)),
           "options": options}
    blob = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()
