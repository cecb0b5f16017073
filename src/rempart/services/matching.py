"""Match media against the banks: load the matcher from the store
(``services.matcher_loading``), follow bank changes, report matches with their entries'
provenance (``services.match_reports``) in one typed ``core.verdict.Verdict``, and record
where it was seen (``services.sightings``, :attr:`MatchService.sightings`).

Every sighting of banked media is a hit (where it was seen, who posted it) for the flood guard.
A sighting of an unconfirmed entry (an anonymous registration) also raises a review item, so a
moderator can confirm it (it then acts alone), dismiss it (optionally allowlisting the seen
file's own signals) or withdraw it (``services.reviews``). Hits and items are written in one
transaction, only when something matched.

Example::

    >>> from rempart.store.sql import open_store
    >>> service = MatchService(open_store("sqlite://"))
    >>> service.load()
    0
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from concurrent.futures import Executor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from rempart.config import HashSettings
from rempart.core.banks import BankEntry, EntryStatus
from rempart.core.flood import FloodRule, Hit
from rempart.core.match_outcome import MatchOutcome, SignalMatch
from rempart.core.matcher import Matcher, Query
from rempart.core.media_signals import analyze
from rempart.core.signal_indexes import EntryChange
from rempart.core.signals.exact import exact_hashes
from rempart.core.verdict import Match, Verdict
from rempart.services.match_reports import describe_match, fingerprint, one_per_item, unmatched
from rempart.services.matcher_loading import bank_info, load_matcher
from rempart.services.reviews import query_signals, review_key
from rempart.services.sightings import Seen, SightingService, sighting
from rempart.store.interface import BankStore, ChangeFeed, HitLog
from rempart.store.reviews import NewReviewItem

_DIGEST_BESIDE = 32 * 1024  # below this, a thread hand-off costs more than the digests


class MatchStore(BankStore, ChangeFeed, HitLog, Protocol):
    """What matching needs of a store: banks and entries, the change feed, the hit log (which
    stores the review items a sighting raises with its hits: a ``SightingStore``)."""

    def record_hits(
        self, hits: Sequence[Hit], rule: FloodRule, now: datetime | None = None,
        items: Sequence[NewReviewItem] = (),
    ) -> list[int]: ...


class MatchService:
    """One matcher over every enabled bank of a store, kept current by polling the change feed."""

    def __init__(
        self,
        store: MatchStore,
        *,
        settings: HashSettings | None = None,
        flood: FloodRule | None = None,
        digests: Executor | None = None,
    ) -> None:
        self.store = store
        self.settings = settings or HashSettings()
        self.digests = digests  # threads computing upload digests beside decoding
        self.matcher = Matcher()
        # Where matches were seen: the hit log holds an entry, then this matcher does.
        self.sightings = SightingService(store, flood, hold=lambda e: self.matcher.hold(e))
        self.seq = 0
        self._refresh_lock = threading.Lock()
        self._entry_cache: dict[int, BankEntry] = {}

    @property
    def flood(self) -> FloodRule:
        """The flood guard's rule."""
        return self.sightings.flood

    # -- following the banks -------------------------------------------------------------

    def load(self) -> int:
        """Load every active or held signal; returns how many were indexed."""
        self.seq = self.store.current_seq()
        return load_matcher(self.matcher, self.store)

    def behind(self) -> bool:
        """Whether changes were committed since the last refresh (one indexed read)."""
        return self.store.current_seq() > self.seq

    def refresh(self) -> int:
        """Apply bank changes committed since the last call; returns how many were applied."""
        with self._refresh_lock:
            applied = 0
            while True:
                changes, banks, new_seq = self.store.signal_changes_since(self.seq)
                if not changes and not banks:
                    return applied
                # A bank's current configuration first (as each change of the window would
                # bring it), then its entries in one go.
                for bank in banks:
                    self.matcher.set_bank(bank_info(bank))
                cache = self._entry_cache
                for c in changes:
                    cache.pop(c.entry_id, None)
                self.matcher.apply(
                    EntryChange(c.entry_id, c.bank_id, c.signal_type, c.value,
                                c.status is EntryStatus.ON_HOLD, c.status is EntryStatus.REMOVED,
                                c.trust.value)
                    for c in changes
                )
                applied += len(changes) + sum(1 for b in banks if b.seq > self.seq)
                self.seq = new_seq

    # -- matching ------------------------------------------------------------------------

    def match_query(
        self,
        query: Query,
        banks: Collection[str] | None = None,
        *,
        record: bool = True,
        outcome: MatchOutcome | None = None,
        place: str | None = None,
        sender: str | None = None,
        review_source: str | None = None,
        location: Mapping[str, Any] | None = None,
    ) -> Verdict:
        """Match signals already computed; records hits for the flood guard (where the media
        was seen and who posted it, when known). ``outcome``: the matcher's answer to this
        query when the caller already has it.

        With ``review_source`` (``api``), a match of an unconfirmed entry not on hold also
        raises a review item seen at ``location``, one per entry and seen file
        (``{source}:{entry}:{fingerprint}``) however often that file comes back; a held entry
        already has its own (``entry_hold``). Hits and items: one transaction, only when
        something matched.
        """
        if outcome is None:
            outcome = self.matcher.match(query, banks)
        if not outcome.matches and not outcome.allowlisted:
            return unmatched(query.hashes)
        matches = one_per_item(self._describe(m) for m in outcome.matches)
        verdict = Verdict(
            query.hashes.kind, query.hashes.sha256, matches,
            allowlisted=one_per_item(self._describe(m) for m in outcome.allowlisted),
            suppressed=len(one_per_item(self._describe(m) for m in outcome.suppressed_matches)),
            entries=tuple(m.entry_id for m in outcome.matches),
            signals=query_signals(query.hashes) if matches else (),
        )
        seen = fingerprint(query.hashes)
        if not record or not outcome.matches or seen is None:
            return verdict
        now = datetime.now(UTC)
        source = review_source or "api"
        where = {"date": now.isoformat(), **(location or {"platform": source, "place": place})}
        hits, items = sighting(
            verdict, Seen(source, place, sender, where, now), seen,
            key=None if review_source is None else (
                lambda m: review_key(source, m.entry, seen)),
            evidence={"fingerprint": seen})
        # Signals sent without their file (a PDQ lookup) are logged only with a review item:
        # a lookup matching a trusted entry stays free of writes.
        if query.hashes.sha256 or items:
            self.sightings.record(hits, items)
        return verdict

    def match_bytes(self, data: bytes, banks: Collection[str] | None = None, *,
                    place: str | None = None, sender: str | None = None,
                    record: bool = True, review_source: str | None = None,
                    location: Mapping[str, Any] | None = None,
                    digests: Callable[[], tuple[str, str]] | None = None) -> Verdict:
        """Hash media held in memory and match it; the bytes are not kept.

        The ORB probe (the costliest part) runs only when some bank entry holds local features.
        MD5 and SHA-256 of a large upload are computed on another thread while the image is
        decoded (both release the GIL), unless ``digests`` already gives them (md5, sha256).
        ``record`` and the rest: see :meth:`match_query`.
        """
        if digests is None and self.digests is not None and len(data) >= _DIGEST_BESIDE:
            pending = self.digests.submit(exact_hashes, data)
            digests = pending.result
        a = analyze(data, self.settings, probe=True, features=self.matcher.has_local_features,
                    stills=self.matcher.has_videos, digests=digests)
        if a.hashes.error is not None:
            return unmatched(a.hashes)
        return self.match_query(Query(a.hashes, a.probe), banks, record=record, place=place,
                                sender=sender, review_source=review_source,
                                location=location)

    def match_paths(
        self, paths: Sequence[Path], banks: Collection[str] | None = None
    ) -> Iterator[tuple[Path, Verdict]]:
        """Read, hash and match files one by one (errors become records)."""
        from rempart.services.hashing import read_media

        for path in paths:
            data, error = read_media(path, self.settings)
            if data is None:
                assert error is not None
                yield path, unmatched(error)
                continue
            try:
                yield path, self.match_bytes(data, banks)
            finally:
                del data

    def _describe(self, m: SignalMatch) -> Match:
        return describe_match(m, self.entry(m.entry_id))

    def entry(self, entry_id: int) -> BankEntry | None:
        """A matched entry (cached; the change feed invalidates it)."""
        cached = self._entry_cache.get(entry_id)
        if cached is None:
            cached = self.store.get_entry(entry_id)
            if cached is not None:
                if len(self._entry_cache) > 10_000:
                    self._entry_cache.clear()
                self._entry_cache[entry_id] = cached
        return cached
