"""The words of the evidence PDF, in French and English, read once from ``labels.toml`` (each
key ``[French, English]``; the legal texts are in ``core.evidence_law``).

Example::

    >>> label("timeline", "en")
    'Timeline of findings'
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from rempart.core.evidence_law import Language, Text, localized

LABELS: dict[str, Text] = {
    key: (french, english)
    for key, (french, english) in tomllib.loads(
        (Path(__file__).parent / "labels.toml").read_text(encoding="utf-8")
    ).items()
}


def label(key: str, language: Language) -> str:
    """The word ``key`` in ``language``."""
    return localized(LABELS[key], language)
