"""Where banked media was seen, recorded in one place for every entry point (API matches,
scans, the Telegram bot): flood-guard hits for the matched entries and, where a match asks for
review, a review item a moderator decides.

A sighting is a typed :class:`~rempart.core.verdict.Verdict` seen somewhere (:class:`Seen`).
Its hits count the file's fingerprint, place and sender against each matched entry (an entry
whose matches spread too far is held at once). Its review items (:func:`review_item`) carry the
match, where it was seen and the seen file's own signals (what dismissing can allowlist); every
item is inserted through the review store's one row builder (``store.reviews.review_row``), so
its ``group_key`` and ``place`` are those the review-by-content queue groups on, whichever
source raised it. An item whose ``dedup_key`` is known is skipped: a repeated sighting adds
none. Review never deletes by itself: an item waits for a moderator, and the flood guard only
holds entries (a held entry's matches ask for review at most).

Example::

    >>> from rempart.core.verdict import Match
    >>> m = Match("victims", 7, "pdq", 4, "block", "review", "victim", "unconfirmed")
    >>> v = Verdict("image", "ab" * 32, (m,), signals=({"signal_type": "pdq", "value": "c"},))
    >>> seen = Seen("api", "api:token", None, {"platform": "api"}, datetime(2026, 1, 1, tzinfo=UTC))
    >>> hits, items = sighting(v, seen, "ab" * 32, key=lambda m: f"api:{m.entry}")
    >>> [h.entry_id for h in hits], [(i.source, i.dedup_key, i.entry_id) for i in items]
    ([7], [('api', 'api:7', 7)])
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from rempart.core.flood import FloodRule, Hit
from rempart.core.items import Location
from rempart.core.verdict import Match, Verdict
from rempart.services.reviews import match_review_item
from rempart.store.reviews import NewReviewItem

__all__ = ["Seen", "SightingService", "SightingStore", "place_keys", "review_item",
           "sighting", "sighting_hits", "wants_review"]


class SightingStore(Protocol):
    """The hit log, which stores the review items a sighting raises with its hits."""

    def record_hits(
        self, hits: Sequence[Hit], rule: FloodRule, now: datetime | None = None,
        items: Sequence[NewReviewItem] = (),
    ) -> list[int]: ...


@dataclass(frozen=True, slots=True)
class Seen:
    """Where and when media was seen: ``source`` (``api``, ``scan``, ``bot``) raises its
    review items; ``place`` and ``sender`` are what the flood guard counts (``None``: unknown);
    ``location`` is what a moderator reads (and what the item's ``place`` column is made of)."""

    source: str
    place: str | None
    sender: str | None
    location: Mapping[str, Any]
    at: datetime


def place_keys(where: Location) -> dict[str, Any]:
    """The keys a review item's ``location`` names an item's place with, whatever its source
    (its ``platform`` and ``chat`` make the item's ``place`` column); each source adds its own
    (sender, date, scan).

    >>> place_keys(Location("telegram", "bot", chat_id=-1001, message_id=5))
    {'platform': 'telegram', 'chat': -1001, 'chat_title': None, 'message': 5, 'link': None}
    """
    return {"platform": where.platform, "chat": where.chat_id, "chat_title": where.chat_name,
            "message": where.message_id, "link": where.link}


def wants_review(match: Match, *, review_policy: bool = False) -> bool:
    """Whether a sighting of ``match`` raises a review item: its entry is unconfirmed and not
    on hold (a held entry has its own ``entry_hold`` item) or, with ``review_policy``, the
    match asks for review at all (a review bank, an unconfirmed or held entry).

    >>> m = Match("b", 1, "pdq", 0, "block", "review", "victim", "unconfirmed", on_hold=True)
    >>> wants_review(m), wants_review(m, review_policy=True)
    (False, True)
    """
    if review_policy:
        return match.asks_review(review_policy=True)
    return match.asks_review() and not match.on_hold


def sighting_hits(verdict: Verdict, seen: Seen, fingerprint: str,
                  entries: Iterable[int] | None = None) -> list[Hit]:
    """The flood-guard hits of one seen file: one per entry of ``entries`` (default: every
    entry the verdict counts, :attr:`Verdict.hit_entries`)."""
    ids = verdict.hit_entries if entries is None else entries
    return [Hit(e, fingerprint, seen.at, seen.place, seen.sender) for e in ids]


def review_item(seen: Seen, key: str, verdict: Verdict, match: Match, *,
                signals: Sequence[Mapping[str, str]] | None = None,
                evidence: Mapping[str, Any] | None = None) -> NewReviewItem:
    """The review item of ``match`` seen at ``seen``: what matched, where, and the seen file's
    own ``signals`` (default: the verdict's), plus ``evidence``."""
    return match_review_item(
        seen.source, key, match.to_json(), location=seen.location,
        signals=verdict.signals if signals is None else signals, evidence=evidence,
        at=seen.at)


def sighting(
    verdict: Verdict, seen: Seen, fingerprint: str, *, key: Callable[[Match], str] | None,
    review_policy: bool = False, entries: Iterable[int] | None = None,
    signals: Sequence[Mapping[str, str]] | None = None,
    evidence: Mapping[str, Any] | None = None,
) -> tuple[list[Hit], list[NewReviewItem]]:
    """The hits and review items of one seen file: items for the matches that
    :func:`wants_review`, keyed by ``key`` (``None``: hits only)."""
    hits = sighting_hits(verdict, seen, fingerprint, entries)
    if key is None:
        return hits, []
    items = [review_item(seen, key(m), verdict, m, signals=signals, evidence=evidence)
             for m in verdict.matches if wants_review(m, review_policy=review_policy)]
    return hits, items


class SightingService:
    """Records sightings in the hit log: hits and the review items they raise, together."""

    def __init__(self, store: SightingStore, flood: FloodRule | None = None,
                 hold: Callable[[int], None] | None = None) -> None:
        self.store = store
        self.flood = flood or FloodRule()
        self.hold = hold  # told of each entry the flood guard holds (the live matcher)

    def record(self, hits: Sequence[Hit], items: Sequence[NewReviewItem] = ()) -> list[int]:
        """Log ``hits`` and the review ``items`` they raise in one transaction (an item whose
        ``dedup_key`` is known is skipped); entries whose matches now spread too far are held
        at once. Returns the held ids."""
        if not hits and not items:
            return []
        held = self.store.record_hits(hits, self.flood, datetime.now(UTC), items=items)
        if self.hold is not None:
            for entry_id in held:
                self.hold(entry_id)
        return held
