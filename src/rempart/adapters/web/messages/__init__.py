"""Per-feature message catalogs, merged into :data:`rempart.adapters.web.i18n.CATALOG`.

Each module here holds ``MESSAGES: dict[str, tuple[str, str]]`` (key → French, English) for one
feature, so features add their words without editing one shared file.

Example::

    # messages/evidence.py
    MESSAGES = {"evidence.title": ("Dossier de preuves", "Evidence package")}
"""

from __future__ import annotations

import importlib
import pkgutil


def feature_catalogs() -> dict[str, tuple[str, str]]:
    """Every feature module's ``MESSAGES``, merged; a key defined twice is an error."""
    merged: dict[str, tuple[str, str]] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for key, pair in getattr(module, "MESSAGES", {}).items():
            if key in merged:
                raise ValueError(f"message key {key!r} defined twice ({info.name})")
            merged[key] = pair
    return merged
