"""The words of the console and the public pages, in French and English, as TOML files
translators edit: one ``<area>.toml`` a page or feature, each key ``[French, English]``.

Every file of this folder is merged into :data:`rempart.adapters.web.i18n.CATALOG`, read once.

Example (``home.toml``)::

    "home.report" = ["Signaler un contenu", "Report content"]
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from functools import cache
from pathlib import Path

Pair = tuple[str, str]  # (French, English)

FOLDER = Path(__file__).parent


def read_pairs(text: str, source: str) -> dict[str, Pair]:
    """``key → (French, English)`` of one TOML text; any other value is an error."""
    pairs: dict[str, Pair] = {}
    for key, value in tomllib.loads(text).items():
        match value:
            case [str(french), str(english)]:
                pairs[key] = (french, english)
            case _:
                raise ValueError(f"message {key!r} of {source} is not [French, English]")
    return pairs


def merge(catalogs: Iterable[tuple[str, dict[str, Pair]]]) -> dict[str, Pair]:
    """One catalog of ``(source, pairs)``; a key defined twice is an error."""
    merged: dict[str, Pair] = {}
    for source, pairs in catalogs:
        for key, pair in pairs.items():
            if key in merged:
                raise ValueError(f"message key {key!r} defined twice ({source})")
            merged[key] = pair
    return merged


@cache
def catalog() -> dict[str, Pair]:
    """Every ``*.toml`` file of this folder, merged (read once)."""
    return merge(
        (path.name, read_pairs(path.read_text(encoding="utf-8"), path.name))
        for path in sorted(FOLDER.glob("*.toml"))
    )
