"""Portal registrations of an image another open case already holds.

Anyone can open a case, so registering a photo of someone else would tell a stalker whether
it is being reported and where it circulates (the case's sighting counts). A new item whose
SHA-256, or PDQ within the matching threshold, matches a live entry of another open case is
still banked (the person is protected, its matches still ask for review) but a duplicate
registration review item (kind ``dup_registration``) is filed; until a moderator confirms that
item, the case's status shows the item as one never seen (dismissed: it stays so).

The flag is the review item itself (found by its content group), so no column holds it.

Example::

    finder = DuplicateFinder(bank_store, case_store, match_service)
    [found] = finder.find_each([(sha256, pdq)], "VIC-2026-000002")
    found                                  # (Duplicate("VIC-2026-000001", 12, "sha256", 0),)
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Protocol

from rempart.core.banks import EntryStatus
from rempart.core.matcher import Query
from rempart.core.types import MediaHashes, PdqHash
from rempart.core.verdict import Verdict
from rempart.services.banks import VICTIM_PORTAL_SOURCE
from rempart.store.cases import SqlCaseStore
from rempart.store.interface import BankStore
from rempart.store.reviews import NewReviewItem

# A duplicate registration ("duplicate_registration" does not fit review_items.kind, 16).
DUPLICATE_KIND = "dup_registration"
MAX_OTHER_CASES = 10  # cases named to moderators per item: enough to judge, bounded work
_LIVE = (EntryStatus.ACTIVE, EntryStatus.ON_HOLD)


class SimilarImages(Protocol):
    """PDQ lookups over the banks (``MatchService`` has them)."""

    def behind(self) -> bool: ...
    def refresh(self) -> int: ...
    def match_query(self, query: Query, banks: Collection[str] | None = None, *,
                    record: bool = True) -> Verdict: ...


@dataclass(frozen=True, slots=True)
class Duplicate:
    """Another open case holding the image: the entry that matched, how, how close."""

    case_number: str
    entry_id: int
    signal: str
    distance: int


class DuplicateFinder:
    """Finds the other open cases holding an image (exact SHA-256 always, PDQ when a matcher
    is given)."""

    def __init__(self, banks: BankStore, cases: SqlCaseStore,
                 similar: SimilarImages | None = None,
                 bank_names: Collection[str] = ()) -> None:
        self.banks = banks
        self.cases = cases
        self.similar = similar
        self.bank_names = tuple(bank_names)

    def find_each(self, items: Sequence[tuple[str, str | None]],
                  own_case: str) -> list[tuple[Duplicate, ...]]:
        """:meth:`find` for each (sha256, pdq), the matcher brought up to date once."""
        if self.similar is not None and any(pdq for _, pdq in items) and self.similar.behind():
            self.similar.refresh()  # a registration of a moment ago counts too
        return [self.find(sha256, pdq, own_case) for sha256, pdq in items]

    def find(self, sha256: str, pdq: str | None, own_case: str) -> tuple[Duplicate, ...]:
        """Other open cases whose live portal entries match ``sha256`` or ``pdq`` (the PDQ
        against the matcher as it is: see :meth:`find_each`)."""
        found = [(e.provenance.case_id, e.provenance.source, e.id, "sha256", 0)
                 for e in self.banks.find_entries("sha256", sha256, _LIVE)]
        if pdq and self.similar is not None:
            # Quality 100, not the declared one: a low quality must not skip the lookup.
            query = Query(MediaHashes("image", "", "", 0, pdq=PdqHash(pdq, 100)))
            report = self.similar.match_query(query, self.bank_names or None, record=False)
            found += [(m.case_id, m.source, m.entry, m.signal, m.distance)
                      for m in report.matches]
        return self._open_cases(found, own_case)

    def _open_cases(self, found: Iterable[tuple[Any, Any, int, str, int]],
                    own_case: str) -> tuple[Duplicate, ...]:
        out: dict[str, Duplicate] = {}
        checked: dict[str, bool] = {}
        for case, source, entry, signal, distance in found:
            if (source != VICTIM_PORTAL_SOURCE or not isinstance(case, str) or case == own_case
                    or case in out):
                continue
            if case not in checked:
                record = self.cases.get_case(case)
                checked[case] = record is not None and record.status == "open"
            if checked[case]:
                out[case] = Duplicate(case, entry, signal, distance)
                if len(out) >= MAX_OTHER_CASES:
                    break
        return tuple(out.values())


def duplicate_review_item(case_number: str, content_group: str, bank: str,
                          entry_ids: Sequence[int], found: Sequence[Duplicate],
                          labels: Sequence[str], at: datetime) -> NewReviewItem:
    """The moderators' item about one flagged registration (no entry: confirming it shows the
    case its sightings, it does not confirm the image; withdrawing stays on the bank's page)."""
    first = found[0]
    others = ", ".join(d.case_number for d in found)
    why = (f"Case {case_number} registered an image that open case(s) {others} already hold "
           f"({first.signal}, distance {first.distance}). Its sightings stay hidden from "
           f"{case_number}'s status page until this item is confirmed; dismiss to keep them "
           "hidden (someone may be checking whether another person's photo circulates).")
    details: Mapping[str, Any] = {"reasons": [why], "entries": list(entry_ids),
                                  "duplicates": [asdict(d) for d in found]}
    return NewReviewItem(
        VICTIM_PORTAL_SOURCE, DUPLICATE_KIND, f"portal:duplicate:{content_group}", at,
        bank=bank, content_group=content_group, signal=first.signal, distance=first.distance,
        labels=tuple(labels),
        location={"platform": "victim_portal", "case": case_number, "also_in": others},
        evidence=dict(details))


def hidden_groups(states: Mapping[str, str]) -> set[str]:
    """Content groups whose duplicate flag no moderator confirmed (open or dismissed).

    >>> sorted(hidden_groups({"a": "open", "b": "confirmed", "c": "dismissed"}))
    ['a', 'c']
    """
    return {group for group, status in states.items() if status != "confirmed"}
