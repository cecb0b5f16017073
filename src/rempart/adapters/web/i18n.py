"""French and English messages of the console and the public pages.

One catalog: ``key → (French, English)``, read once from the TOML files of
:mod:`rempart.adapters.web.messages`. A missing key shows the key itself, so a forgotten message
is visible rather than fatal (and the test suite checks both languages are complete).

Example::

    >>> translator("en")("login.title")
    'Sign in'
"""

from __future__ import annotations

from collections.abc import Callable

from rempart.adapters.web.messages import catalog

LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"

CATALOG: dict[str, tuple[str, str]] = catalog()


def translator(language: str) -> Callable[..., str]:
    """``t(key, **values)`` in ``language`` (French when unknown)."""
    index = LANGUAGES.index(language) if language in LANGUAGES else 0

    def t(key: str, **values: object) -> str:
        pair = CATALOG.get(key)
        text = pair[index] if pair else key
        return text.format(**values) if values else text

    return t


def pick_language(query: str | None, cookie: str | None, accept: str | None) -> str:
    """``?lang=``, then the cookie, then the browser's first known language, then French."""
    for value in (query, cookie):
        if value in LANGUAGES:
            return value
    for part in (accept or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return DEFAULT_LANGUAGE
