"""Flood guard: hold a bank entry that matches an abnormal number of distinct uploads.

A real abusive image is reposted, but a bank entry that suddenly matches dozens of *different*
files (distinct media fingerprints) in a short window is more likely a bad hash (a blank frame, a
meme, a poisoned submission). Acting on it would delete innocent media, so it is put on hold for
review instead.

Example::

    >>> from datetime import datetime, timedelta, UTC
    >>> now = datetime(2026, 1, 1, tzinfo=UTC)
    >>> rule = FloodRule(max_distinct_uploads=2, window=timedelta(hours=1))
    >>> hits = [Hit(1, "a", now), Hit(1, "b", now), Hit(2, "a", now)]
    >>> sorted(entries_to_hold(hits, now, rule))
    [1]
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class FloodRule:
    """Hold an entry matched by at least ``max_distinct_uploads`` distinct uploads in ``window``."""

    max_distinct_uploads: int = 50
    window: timedelta = timedelta(hours=1)

    def __post_init__(self) -> None:
        if self.max_distinct_uploads < 1:
            raise ValueError("max_distinct_uploads must be at least 1")
        if self.window <= timedelta(0):
            raise ValueError("window must be positive")


@dataclass(frozen=True, slots=True)
class Hit:
    """One match of a bank entry by an upload (``fingerprint``: e.g. the upload's sha256)."""

    entry_id: int
    fingerprint: str
    at: datetime


def window_start(now: datetime, rule: FloodRule) -> datetime:
    """The oldest hit time that still counts at ``now``."""
    return now - rule.window


def is_flooded(distinct_uploads: int, rule: FloodRule) -> bool:
    """True when ``distinct_uploads`` within the window calls for holding the entry."""
    return distinct_uploads >= rule.max_distinct_uploads


def entries_to_hold(hits: Iterable[Hit], now: datetime, rule: FloodRule) -> set[int]:
    """Entry ids whose distinct fingerprints within ``rule.window`` before ``now`` flood."""
    start = window_start(now, rule)
    seen: defaultdict[int, set[str]] = defaultdict(set)
    for hit in hits:
        if start <= hit.at <= now:
            seen[hit.entry_id].add(hit.fingerprint)
    return {entry_id for entry_id, fps in seen.items() if is_flooded(len(fps), rule)}
