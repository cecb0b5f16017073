"""Finding dates as sortable instants: undated items sort last, local dates order as UTC.

Example::

    >>> earliest(When("2024-01-02T00:00:00Z", False), When(None, False)).text
    '2024-01-02T00:00:00Z'
"""

from __future__ import annotations

from datetime import UTC, datetime


class When:
    """A sortable instant: undated items sort last."""

    __slots__ = ("key", "local", "text")

    def __init__(self, text: str | None, local: bool) -> None:
        self.text, self.local = text, local
        self.key = float("inf")
        if text:
            try:
                d = datetime.fromisoformat(text)
            except ValueError:
                return
            self.key = (d if d.tzinfo else d.replace(tzinfo=UTC)).timestamp()

    @property
    def dated(self) -> bool:
        return self.key != float("inf")


def sort_key(text: str | None) -> float:
    """The sort key of an ISO date (``inf`` when missing or unreadable)."""
    return When(text, False).key


def earliest(a: When | None, b: When) -> When:
    """The earlier of ``a`` and ``b`` (``b`` when ``a`` is missing)."""
    return b if a is None or b.key < a.key else a


def latest(a: When | None, b: When) -> When:
    """The later dated one of ``a`` and ``b``."""
    if a is None or not a.dated:
        return b
    return b if b.dated and b.key > a.key else a


def date_text(d: When | None) -> str | None:
    """The ISO text of a dated instant, else ``None``."""
    return d.text if d is not None and d.dated else None
