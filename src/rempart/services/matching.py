"""Match media against the banks: load the matcher from the store, follow bank changes, enrich
matches with their entries' provenance, and feed the flood guard and the review queue.

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

import contextlib
import functools
import hashlib
import threading
from collections.abc import Collection, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from rempart.config import HashSettings
from rempart.core.banks import Bank, BankEntry, EntryStatus, EntryTrust
from rempart.core.flood import FloodRule, Hit
from rempart.core.index.hexcodec import hex_to_hashes
from rempart.core.matcher import (
    BankInfo,
    EntryChange,
    Matcher,
    MatchOutcome,
    Query,
    SignalMatch,
)
from rempart.core.media_signals import analyze
from rempart.core.signals import vpdq
from rempart.core.signals.exact import exact_hashes
from rempart.core.types import MediaHashes
from rempart.services.reviews import asks_review, match_review_item, query_signals, review_key
from rempart.store.interface import BankStore, ChangeFeed, HitLog
from rempart.store.reviews import NewReviewItem

_LOAD_BATCH = 50_000
_DIGEST_BESIDE = 32 * 1024  # below this, a thread hand-off costs more than the digests


@functools.cache
def _digest_pool() -> ThreadPoolExecutor:
    """Threads computing upload digests beside decoding (one per core is plenty)."""
    return ThreadPoolExecutor(max_workers=2, thread_name_prefix="rempart-digests")


def _decode_pdq(
    ids: list[int], bank_ids: list[int], hexes: list[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stored PDQ rows as arrays; a malformed stored value is left out, never fatal."""
    try:
        return np.array(ids, np.int64), np.array(bank_ids, np.int64), hex_to_hashes(hexes)
    except ValueError:
        good = []
        for i, value in enumerate(hexes):
            with contextlib.suppress(ValueError):
                hex_to_hashes([value])
                good.append(i)
        return (np.array([ids[i] for i in good], np.int64),
                np.array([bank_ids[i] for i in good], np.int64),
                hex_to_hashes([hexes[i] for i in good]).reshape(-1, 32))


class MatchStore(BankStore, ChangeFeed, HitLog, Protocol):
    """What matching needs of a store: banks and entries, the change feed, the hit log (which
    stores the review items a sighting raises with its hits)."""

    def record_hits(
        self, hits: Sequence[Hit], rule: FloodRule, now: datetime | None = None,
        items: Sequence[NewReviewItem] = (),
    ) -> list[int]: ...


def fingerprint(hashes: MediaHashes) -> str | None:
    """What tells one seen file from another for the flood guard: its sha256, else (signals
    sent without the file) its PDQ, MD5 or vPDQ.

    >>> fingerprint(MediaHashes("image", "", "", 0)) is None
    True
    """
    if hashes.sha256:
        return hashes.sha256
    if hashes.pdq is not None:
        return f"pdq:{hashes.pdq.hash}"
    if hashes.md5:
        return f"md5:{hashes.md5}"
    if hashes.pdq_variants:
        return f"pdq:{hashes.pdq_variants[0].hash}"
    if hashes.vpdq:
        return "vpdq:" + hashlib.sha256(vpdq.serialize(hashes.vpdq).encode()).hexdigest()
    return None


def bank_info(bank: Bank) -> BankInfo:
    """What the matcher needs of a stored bank."""
    return BankInfo(
        bank.id,
        bank.name,
        bank.kind.value,
        bank.policy.value,
        bank.pdq_threshold,
        bank.vpdq_threshold,
        bank.vpdq_query_match_percent,
        bank.vpdq_index_match_percent,
        bank.enabled and bank.deleted_at is None,
    )


@dataclass(frozen=True)
class MatchReport:
    """The matches of one media item, ready for output (``rempart match --jsonl``, the API).
    ``entries``: every matched entry (all signals of each item), what the flood guard counts."""

    hashes: MediaHashes
    matches: list[dict[str, Any]] = field(default_factory=list)
    allowlisted: list[dict[str, Any]] = field(default_factory=list)
    suppressed: int = 0
    entries: tuple[int, ...] = ()

    def to_json(self, path: str | None = None) -> dict[str, Any]:
        """``{"path", "matches": [...], "error"}`` plus what was found and suppressed."""
        out: dict[str, Any] = {}
        if path is not None:
            out["path"] = path
        out.update(
            {
                "kind": self.hashes.kind,
                "sha256": self.hashes.sha256,
                "matches": self.matches,
                "error": self.hashes.error,
            }
        )
        if self.allowlisted:
            out["allowlisted"] = self.allowlisted
            out["suppressed"] = self.suppressed
        return out


class MatchService:
    """One matcher over every enabled bank of a store, kept current by polling the change feed."""

    def __init__(
        self,
        store: MatchStore,
        *,
        settings: HashSettings | None = None,
        flood: FloodRule | None = None,
    ) -> None:
        self.store = store
        self.settings = settings or HashSettings()
        self.flood = flood or FloodRule()
        self.matcher = Matcher()
        self.seq = 0
        self._refresh_lock = threading.Lock()
        self._entry_cache: dict[int, BankEntry] = {}

    # -- following the banks -------------------------------------------------------------

    def load(self) -> int:
        """Load every active or held signal; returns how many were indexed."""
        self.seq = self.store.current_seq()
        for bank in self.store.list_banks():
            self.matcher.set_bank(bank_info(bank))
        n = 0
        ids: list[int] = []
        bank_ids: list[int] = []
        hexes: list[str] = []
        marked: list[tuple[int, bool, str]] = []  # held or not of the bank's trust
        # PDQ hashes are decoded batch by batch (compact arrays, not millions of strings) and
        # indexed in one call at the end: one segment, so a lookup probes one set of tables.
        batches: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

        def flush() -> None:
            batches.append(_decode_pdq(ids, bank_ids, hexes))
            ids.clear()
            bank_ids.clear()
            hexes.clear()

        for row in self.store.iter_signals(statuses=(EntryStatus.ACTIVE, EntryStatus.ON_HOLD)):
            n += 1
            on_hold = row.status is EntryStatus.ON_HOLD
            if on_hold or row.trust is not EntryTrust.BANK:
                marked.append((row.entry_id, on_hold, row.trust.value))
            if row.signal_type == "pdq":
                ids.append(row.entry_id)
                bank_ids.append(row.bank_id)
                hexes.append(row.value)
                if len(ids) >= _LOAD_BATCH:
                    flush()
            else:
                self._add(row.entry_id, row.bank_id, row.signal_type, row.value, on_hold,
                          row.trust.value)
        if ids:
            flush()
        if batches:
            all_ids, all_banks, all_hashes = (np.concatenate(p) for p in zip(*batches, strict=True))
            batches.clear()
            self.matcher.add_pdq_arrays(all_ids, all_banks, all_hashes)
        for entry_id, on_hold, trust in marked:
            self.matcher.set_trust(entry_id, trust)
            self.matcher.hold(entry_id, on_hold)
        return n

    def _add(
        self, entry_id: int, bank_id: int, signal_type: str, value: str, on_hold: bool,
        trust: str,
    ) -> None:
        # A malformed stored value never stops matching on the others.
        with contextlib.suppress(ValueError):
            self.matcher.add(entry_id, bank_id, signal_type, value, on_hold, trust)

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
    ) -> MatchReport:
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
        report = MatchReport(
            query.hashes,
            _one_per_item([self._describe(m) for m in outcome.matches]),
            _one_per_item([self._describe(m) for m in outcome.allowlisted]),
            len(_one_per_item([self._describe(m) for m in outcome.suppressed_matches])),
            tuple(m.entry_id for m in outcome.matches),
        )
        seen = fingerprint(query.hashes)
        if not record or not outcome.matches or seen is None:
            return report
        now = datetime.now(UTC)
        wanted = [m for m in report.matches if asks_review(m) and not m.get("on_hold")]
        items: list[NewReviewItem] = []
        if review_source is not None and wanted:
            signals = query_signals(query.hashes)
            where = {"date": now.isoformat(),
                     **(location or {"platform": review_source, "place": place})}
            items = [match_review_item(review_source, review_key(review_source, m["entry"], seen),
                                       m, location=where, signals=signals,
                                       evidence={"fingerprint": seen}, at=now)
                     for m in wanted]
        # Signals sent without their file (a PDQ lookup) are logged only with a review item:
        # a lookup matching a trusted entry stays free of writes.
        if query.hashes.sha256 or items:
            self.record([Hit(m.entry_id, seen, now, place, sender) for m in outcome.matches],
                        items)
        return report

    def match_bytes(self, data: bytes, banks: Collection[str] | None = None, *,
                    place: str | None = None, sender: str | None = None,
                    record: bool = True, review_source: str | None = None,
                    location: Mapping[str, Any] | None = None) -> MatchReport:
        """Hash media held in memory and match it; the bytes are not kept.

        The ORB probe (the costliest part) runs only when some bank entry holds local features.
        MD5 and SHA-256 of a large upload are computed on another thread while the image is
        decoded (both release the GIL). ``record`` and the rest: see :meth:`match_query`.
        """
        digests = None
        if len(data) >= _DIGEST_BESIDE:
            pending = _digest_pool().submit(exact_hashes, data)
            digests = pending.result
        a = analyze(data, self.settings, probe=True, features=self.matcher.has_local_features,
                    digests=digests)
        if a.hashes.error is not None:
            return MatchReport(a.hashes)
        return self.match_query(Query(a.hashes, a.probe), banks, record=record, place=place,
                                sender=sender, review_source=review_source,
                                location=location)

    def match_paths(
        self, paths: Sequence[Path], banks: Collection[str] | None = None
    ) -> Iterator[tuple[Path, MatchReport]]:
        """Read, hash and match files one by one (errors become records)."""
        from rempart.services.hashing import read_media

        for path in paths:
            data, error = read_media(path, self.settings)
            if data is None:
                assert error is not None
                yield path, MatchReport(error)
                continue
            try:
                yield path, self.match_bytes(data, banks)
            finally:
                del data

    def record_hits(self, entry_ids: Collection[int], fingerprint: str,
                    place: str | None = None, sender: str | None = None) -> list[int]:
        """Log that media ``fingerprint`` matched ``entry_ids`` at ``place``, posted by
        ``sender`` (also for a file seen before: forwards count); entries whose matches now
        spread too far are held at once. Returns the held ids."""
        now = datetime.now(UTC)
        return self.record([Hit(e, fingerprint, now, place, sender) for e in entry_ids])

    def record(self, hits: Sequence[Hit], items: Sequence[NewReviewItem] = ()) -> list[int]:
        """Log ``hits`` and the review ``items`` they raise, in one transaction (an item whose
        ``dedup_key`` is known is skipped); entries whose matches now spread too far are held
        at once. Returns the held ids."""
        if not hits and not items:
            return []
        held = self.store.record_hits(hits, self.flood, datetime.now(UTC), items=items)
        for entry_id in held:
            self.matcher.hold(entry_id)
        return held

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

    def _describe(self, m: SignalMatch) -> dict[str, Any]:
        entry = self.entry(m.entry_id)
        out: dict[str, Any] = {
            "bank": m.bank,
            "entry": m.entry_id,
            "signal": m.signal,
            "distance": m.distance,
            "labels": list(entry.provenance.labels) if entry else [],
            "content_group": entry.content_group if entry else None,
            "policy": m.policy,
            "action": m.action,
            "bank_kind": m.bank_kind,
            "trust": m.trust,
        }
        if m.on_hold:
            out["on_hold"] = True
        if entry is not None:
            variant = entry.provenance.metadata.get("variant")
            if variant:
                out["entry_variant"] = variant
            if entry.provenance.case_id:
                out["case_id"] = entry.provenance.case_id
            if entry.provenance.source:
                out["source"] = entry.provenance.source
        if m.detail:
            out["detail"] = m.detail
        return out


def _one_per_item(matches: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One match per bank item (its signals share a content group): the closest, already first."""
    seen: set[tuple[str, str]] = set()
    out = []
    for m in matches:
        key = (m["bank"], m["content_group"] or f"entry:{m['entry']}")
        if key not in seen:
            seen.add(key)
            out.append(m)
    return out
