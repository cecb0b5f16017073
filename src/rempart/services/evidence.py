"""Evidence packages, in two typed views. Only hashes, links and text: a package never
holds an image.

- ``for_case`` (a case number and its secret: whoever opened the case, who may not be the person
  shown) gives ``VictimEvidence``: the case's registered items, its **confirmed** sightings
  with the complaint fields only (``core.evidence_victim``), and a count of those awaiting
  review. Nothing about the people who posted or forwarded, no text, no neighbour.
- ``for_findings`` (findings a moderator chose) and ``for_case_moderators`` (a case's
  sightings, for moderators, without the secret) give ``ModeratorEvidence``: senders, texts,
  forwarders, neighbouring messages (the findings the same scan stored for the same chat
  within five messages; "not known" when there are none), export paths, each sighting's review
  state.

A case's sightings are its contents' scan findings and the bot's (or an API caller's)
detections, one per message; each keeps only the matches of the case's contents, never another
victim's. A sighting's state (confirmed, under review, dismissed) comes from the review items
about the same content in the same message (``sighting_state``); dismissed ones are left out of
both views. Every package built is written to the audit log.

Example::

    service = EvidenceService(SqlEvidenceReads(engine), case_service, bank_store)
    package = service.for_case("VIC-2026-000001", secret, language="fr")      # VictimEvidence
    package = service.for_findings([12, 15], requested_by="mod-a")            # ModeratorEvidence
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from rempart.core.audit import AuditEntry
from rempart.core.clock import utc_now
from rempart.core.evidence import (
    NEIGHBOUR_SPAN,
    Audience,
    MatchFacts,
    ModeratorEvidence,
    RegisteredItem,
    TimelineEntry,
    neighbour,
    review_entry,
    sort_timeline,
    timeline_entry,
)
from rempart.core.evidence_law import LANGUAGES, Language
from rempart.core.evidence_victim import (
    CONFIRMED,
    SightingState,
    VictimEvidence,
    best_state,
    sighting_state,
    victim_evidence,
)
from rempart.services.cases import CaseNotFound, CaseService
from rempart.services.errors import InvalidArgument
from rempart.store.audit import AuditLog
from rempart.store.cases import CaseItem, CaseRecord
from rempart.store.evidence_reads import SqlEvidenceReads, StoredFinding, StoredReview
from rempart.store.interface import BankStore

MAX_FINDINGS = 500

__all__ = ["MAX_FINDINGS", "CaseNotFound", "EvidenceService", "UnknownFindings"]

Place = tuple[object, ...]


class UnknownFindings(InvalidArgument):
    """Some chosen finding ids do not exist."""

    def __init__(self, ids: Sequence[int]) -> None:
        super().__init__(f"unknown finding ids: {', '.join(map(str, ids))}")
        self.ids = tuple(ids)


def checked_language(language: str) -> Language:
    """``fr`` or ``en``; InvalidArgument otherwise."""
    for known in LANGUAGES:
        if language == known:
            return known
    raise InvalidArgument(f"language must be one of {', '.join(LANGUAGES)}")


def _finding_place(s: StoredFinding) -> Place:
    """One message (chat, message), or one scanned file (the same key in every scan)."""
    return (s.chat_id, s.message_id) if s.chat_id is not None else ("file", s.key or s.id)


def _review_place(r: StoredReview) -> Place:
    chat, message = r.location.get("chat"), r.location.get("message")
    return (chat, message) if chat is not None else ("review", r.id)


def _unique(matches: Sequence[MatchFacts]) -> tuple[MatchFacts, ...]:
    return tuple(dict.fromkeys(matches))


@dataclass(frozen=True, slots=True)
class _Sighting:
    """One message where the case's contents were seen: the full record and, per content,
    its review state."""

    entry: TimelineEntry
    states: Mapping[str, SightingState]


class EvidenceService:
    """Builds packages from stored findings, cases and bank entries; logs each one built."""

    def __init__(self, reads: SqlEvidenceReads, cases: CaseService | None = None,
                 banks: BankStore | None = None, audit: AuditLog | None = None) -> None:
        self.reads = reads
        self.cases = cases
        self.banks = banks
        self.audit = audit

    # -- building blocks -----------------------------------------------------------------

    def _entry(self, stored: StoredFinding, context: bool) -> TimelineEntry:
        near = None
        if context and stored.chat_id is not None and stored.message_id is not None:
            near = [neighbour(n.finding) for n in self.reads.neighbours(
                stored.scan_id, stored.chat_id, stored.message_id, NEIGHBOUR_SPAN)]
        return timeline_entry(stored.id, stored.finding, near)

    def _registered(self, number: int, item: CaseItem) -> RegisteredItem:
        values: dict[str, str] = {}
        for entry_id in item.entry_ids if self.banks is not None else ():
            assert self.banks is not None
            entry = self.banks.get_entry(entry_id)
            if entry is None or entry.provenance.metadata.get("variant"):
                continue
            values.setdefault(entry.signal_type, entry.value)
        return RegisteredItem(number, item.created_at, item.withdrawn_at, values.get("sha256"),
                              values.get("md5"), values.get("pdq"))

    def _sightings(self, groups: Mapping[str, int], *, context: bool) -> list[_Sighting]:
        """The sightings of the contents ``groups`` that are not dismissed, one per message,
        with only these contents' matches; ``context`` adds what only moderators get (the
        neighbours, the bot's flagged text)."""
        reviews = self.reads.reviews_of(sorted(groups))
        statuses: dict[Place, dict[str, list[str]]] = {}
        for r in reviews:
            if r.content_group is not None and r.content_group in groups:
                statuses.setdefault(_review_place(r), {}).setdefault(
                    r.content_group, []).append(r.status)

        def states(place: Place, matched: set[str]) -> dict[str, SightingState]:
            known = statuses.get(place, {})
            return {g: sighting_state(known.get(g, ())) for g in sorted(matched)}

        found: dict[Place, list[StoredFinding]] = {}
        for group in sorted(groups):
            for s in self.reads.of_content(group):
                same = found.setdefault(_finding_place(s), [])
                if all(s.id != other.id for other in same):
                    same.append(s)
        out: list[_Sighting] = []
        for place, stored in found.items():
            first = self._entry(stored[0], context)
            matches = _unique([m for s in stored for m in timeline_entry(s.id, s.finding).matches
                               if m.content_group in groups])
            by_group = states(place, {str(m.content_group) for m in matches})
            out.append(_Sighting(replace(first, matches=matches,
                                         review=best_state(by_group.values())), by_group))
        by_message: dict[Place, list[StoredReview]] = {}
        for r in reviews:
            place = _review_place(r)
            if r.source != "scan" and r.content_group in groups and place not in found:
                by_message.setdefault(place, []).append(r)
        for place, items in by_message.items():
            by_group = states(place, {str(r.content_group) for r in items})
            kept = [r for r in items if by_group[str(r.content_group)] != "dismissed"]
            if kept:
                out.append(_Sighting(self._detection(kept, context, best_state(
                    by_group.values())), by_group))
        return [s for s in out if s.entry.review != "dismissed"]

    def _detection(self, reviews: Sequence[StoredReview], context: bool,
                   state: SightingState) -> TimelineEntry:
        """The bot's (or an API caller's) detection of a message, from its review items."""
        r = next((x for x in reviews if x.status == CONFIRMED), reviews[0])
        location = {k: v for x in reversed(reviews) for k, v in x.location.items()
                    if v is not None}  # what any item of the message knows, first ones win
        location.update({k: v for k, v in r.location.items() if v is not None})
        chat, message = location.get("chat"), location.get("message")
        text, labels = (self.reads.flagged_text(chat, message)
                        if context and isinstance(chat, int) and isinstance(message, int)
                        else (None, ()))
        match = {"bank": r.bank, "signal": r.signal, "distance": r.distance or 0,
                 "content_group": r.content_group, "labels": list(r.labels)}
        entry = review_entry(r.id, r.source, location, r.evidence, match, text, labels)
        matches = _unique([MatchFacts(str(x.bank or ""), str(x.signal or ""), x.distance or 0,
                                      x.content_group, x.labels) for x in reviews])
        return replace(entry, matches=matches, review=state)

    def _case(self, case_number: str, secret: str | None) -> tuple[CaseRecord, list[CaseItem]]:
        """The case and its items; with a secret, CaseNotFound for a wrong one (as unknown)."""
        if self.cases is None:
            raise CaseNotFound(case_number)
        if secret is not None:
            number = self.cases.status(case_number, secret).case_number  # checks the secret
        else:
            number = case_number.strip().upper()
        case = self.cases.cases.get_case(number)
        if case is None:
            raise CaseNotFound(case_number)
        return case, self.cases.cases.items(case.id)

    # -- packages ------------------------------------------------------------------------

    def for_case(self, case_number: str, secret: str, *, language: str = "fr",
                 at: datetime | None = None) -> VictimEvidence:
        """The case holder's package: confirmed sightings (complaint fields only) and the
        count awaiting review; CaseNotFound for a wrong number or secret alike."""
        lang = checked_language(language)
        case, items = self._case(case_number, secret)
        numbers = {i.content_group: n for n, i in enumerate(items, 1)}
        assert self.cases is not None  # _case checked it
        hidden = self.cases.hidden(items)  # another case's image, not cleared by a moderator
        shown = {g: n for g, n in numbers.items() if g not in hidden}
        confirmed: list[TimelineEntry] = []
        awaiting = 0
        for s in self._sightings(shown, context=False):
            yes = {g for g, state in s.states.items() if state == CONFIRMED}
            awaiting += sum(1 for state in s.states.values() if state == "under_review")
            if yes:
                confirmed.append(replace(s.entry, matches=tuple(
                    m for m in s.entry.matches if m.content_group in yes)))
        at = at or utc_now()
        package = victim_evidence(
            case.case_number, lang, at, sort_timeline(confirmed), awaiting,
            [self._registered(n, i) for n, i in enumerate(items, 1)], numbers)
        self._log(at, "public", None, "evidence.case", "case", case.case_number,
                  {"confirmed": len(package.sightings), "awaiting_review": awaiting})
        return package

    def for_case_moderators(self, case_number: str, *, requested_by: str,
                            language: str = "fr", at: datetime | None = None,
                            actor_type: str = "user") -> ModeratorEvidence:
        """A case's sightings as moderators see them (confirmed and under review, with
        senders, texts and neighbours); CaseNotFound for an unknown case."""
        lang = checked_language(language)
        case, items = self._case(case_number, None)
        numbers = {i.content_group: n for n, i in enumerate(items, 1)}
        entries = sort_timeline(s.entry for s in self._sightings(numbers, context=True))
        at = at or utc_now()
        package = ModeratorEvidence(
            _reference(case.case_number, at), lang, at,
            Audience("case", case.case_number, requested_by), entries,
            tuple(self._registered(n, i) for n, i in enumerate(items, 1)))
        self._log(at, actor_type, requested_by, "evidence.case_moderators", "case",
                  case.case_number, {"reference": package.reference,
                                     "entries": len(entries)})
        return package

    def for_findings(self, ids: Sequence[int], *, requested_by: str, language: str = "fr",
                     at: datetime | None = None, actor_type: str = "user") -> ModeratorEvidence:
        """The package of findings chosen by ``requested_by``; UnknownFindings for bad ids."""
        lang = checked_language(language)
        wanted = sorted(set(ids))
        if not wanted:
            raise InvalidArgument("choose at least one finding")
        if len(wanted) > MAX_FINDINGS:
            raise InvalidArgument(f"at most {MAX_FINDINGS} findings per package")
        stored = self.reads.by_ids(wanted)
        missing = sorted(set(wanted) - {s.id for s in stored})
        if missing:
            raise UnknownFindings(missing)
        at = at or utc_now()
        reference = _reference(",".join(map(str, wanted)), at)
        package = ModeratorEvidence(reference, lang, at,
                                    Audience("selection", requested_by=requested_by),
                                    sort_timeline(self._entry(s, True) for s in stored))
        self._log(at, actor_type, requested_by, "evidence.findings", "evidence", reference,
                  {"finding_ids": wanted})
        return package

    def _log(self, at: datetime, actor_type: str, actor_id: str | None, action: str,
             object_type: str, object_id: str, details: dict[str, Any]) -> None:
        if self.audit is not None:
            self.audit.append_audit(AuditEntry(at, actor_type, actor_id, action, object_type,
                                               object_id, details))


def _reference(what: str, at: datetime) -> str:
    """``EVD-<date>-<8 hex>``: a moderators' package's reference."""
    digest = hashlib.sha256(f"{what}|{at.isoformat()}".encode()).hexdigest()
    return f"EVD-{at:%Y%m%d}-{digest[:8].upper()}"
