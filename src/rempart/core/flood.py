"""Flood guard: hold a bank entry that matches an abnormal spread of uploads, places or senders.

A real abusive image is reposted, but a bank entry that suddenly matches dozens of *different*
files (distinct media fingerprints), or the same file posted in many chats or by many people
in a short window (forwards included), is more likely a bad hash (a blank frame, a meme, a
poisoned registration of a political photo). Acting on it would remove innocent media
everywhere, so it is put on hold for review and a moderator is told. Entries a moderator
confirmed are not held: a confirmed leak spreading fast is exactly what must keep being removed.

Example::

    >>> from datetime import datetime, timedelta, UTC
    >>> now = datetime(2026, 1, 1, tzinfo=UTC)
    >>> rule = FloodRule(max_distinct_uploads=2, window=timedelta(hours=1))
    >>> hits = [Hit(1, "a", now), Hit(1, "b", now), Hit(2, "a", now)]
    >>> sorted(entries_to_hold(hits, now, rule))
    [1]
    >>> same_file = [Hit(3, "a", now, place=f"chat:{i}") for i in range(3)]
    >>> sorted(entries_to_hold(same_file, now, FloodRule(max_distinct_places=3)))
    [3]
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class FloodRule:
    """Hold an entry matched within ``window`` by at least ``max_distinct_uploads`` distinct
    files, or in ``max_distinct_places`` places (chats, API clients), or by
    ``max_distinct_senders`` senders."""

    max_distinct_uploads: int = 50
    window: timedelta = timedelta(hours=1)
    max_distinct_places: int = 25
    max_distinct_senders: int = 50

    def __post_init__(self) -> None:
        if min(self.max_distinct_uploads, self.max_distinct_places,
               self.max_distinct_senders) < 1:
            raise ValueError("flood limits must be at least 1")
        if self.window <= timedelta(0):
            raise ValueError("window must be positive")


@dataclass(frozen=True, slots=True)
class Hit:
    """One match of a bank entry: the upload's ``fingerprint`` (e.g. its sha256), where it was
    seen (``place``: ``telegram:<chat id>``, ``api:<token id>``) and who posted it."""

    entry_id: int
    fingerprint: str
    at: datetime
    place: str | None = None
    sender: str | None = None


@dataclass(frozen=True, slots=True)
class Spread:
    """How far one entry's matches spread within the window."""

    uploads: int = 0
    places: int = 0
    senders: int = 0


def window_start(now: datetime, rule: FloodRule) -> datetime:
    """The oldest hit time that still counts at ``now``."""
    return now - rule.window


def is_flooded(spread: Spread, rule: FloodRule) -> bool:
    """True when ``spread`` within the window calls for holding the entry."""
    return (spread.uploads >= rule.max_distinct_uploads
            or spread.places >= rule.max_distinct_places
            or spread.senders >= rule.max_distinct_senders)


def entries_to_hold(hits: Iterable[Hit], now: datetime, rule: FloodRule) -> set[int]:
    """Entry ids whose hits within ``rule.window`` before ``now`` flood."""
    start = window_start(now, rule)
    seen: defaultdict[int, tuple[set[str], set[str], set[str]]] = defaultdict(
        lambda: (set(), set(), set()))
    for hit in hits:
        if start <= hit.at <= now:
            uploads, places, senders = seen[hit.entry_id]
            uploads.add(hit.fingerprint)
            if hit.place:
                places.add(hit.place)
            if hit.sender:
                senders.add(hit.sender)
    return {entry_id for entry_id, (u, p, s) in seen.items()
            if is_flooded(Spread(len(u), len(p), len(s)), rule)}
