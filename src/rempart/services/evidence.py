"""Evidence packages (issue 7): for a victim's case (its number and secret) or for findings a
moderator chose. Only hashes, links and text: a package never holds an image.

A case's package holds the case's own registered items (with the signals computed on the
victim's device) and the stored findings where they were seen; each finding keeps only the
matches of this case's items, never other banks' or other victims'. Neighbouring messages are
the findings the same scan stored for the same chat within five messages; when there are none
the package says "not known" (scans store messages that carry something, not every message).
The bot's detections of the case's items (review items, unless a moderator dismissed them) are
in the timeline too, with the text the bot flagged in the same message when it flagged any.

Example::

    service = EvidenceService(SqlEvidenceReads(engine), case_service, bank_store)
    package = service.for_case("VIC-2026-000001", secret, language="fr")
    package = service.for_findings([12, 15], requested_by="mod-a")
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from rempart.core.evidence import (
    NEIGHBOUR_SPAN,
    Audience,
    EvidencePackage,
    RegisteredItem,
    TimelineEntry,
    neighbour,
    review_entry,
    sort_timeline,
    timeline_entry,
)
from rempart.core.evidence_law import LANGUAGES, Language
from rempart.services.cases import CaseNotFound, CaseService
from rempart.services.errors import InvalidArgument
from rempart.store.cases import CaseItem
from rempart.store.evidence_reads import SqlEvidenceReads, StoredFinding, StoredReview
from rempart.store.interface import BankStore
from rempart.store.notices import AuditEntry, AuditLog
from rempart.store.rows import utc_now

MAX_FINDINGS = 500

__all__ = ["MAX_FINDINGS", "CaseNotFound", "EvidenceService", "UnknownFindings"]


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


class EvidenceService:
    """Builds packages from stored findings, cases and bank entries; logs each one built."""

    def __init__(self, reads: SqlEvidenceReads, cases: CaseService | None = None,
                 banks: BankStore | None = None, audit: AuditLog | None = None) -> None:
        self.reads = reads
        self.cases = cases
        self.banks = banks
        self.audit = audit

    def _entry(self, stored: StoredFinding, groups: Collection[str] | None) -> TimelineEntry:
        finding: dict[str, Any] = dict(stored.finding)
        if groups is not None:  # a victim's package: her items' matches only
            finding["matches"] = [m for m in finding.get("matches") or ()
                                  if m.get("content_group") in groups]
        near = None
        if stored.chat_id is not None and stored.message_id is not None:
            near = [neighbour(n.finding) for n in self.reads.neighbours(
                stored.scan_id, stored.chat_id, stored.message_id, NEIGHBOUR_SPAN)]
        return timeline_entry(stored.id, finding, near)

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

    def for_case(self, case_number: str, secret: str, *, language: str = "fr",
                 at: datetime | None = None) -> EvidencePackage:
        """The package of a victim's case; CaseNotFound for a wrong number or secret alike."""
        lang = checked_language(language)
        if self.cases is None:
            raise CaseNotFound(case_number)
        status = self.cases.status(case_number, secret)  # checks the secret
        case = self.cases.cases.get_case(status.case_number)
        if case is None:
            raise CaseNotFound(case_number)
        items = self.cases.cases.items(case.id)
        groups = {i.content_group for i in items}
        found: dict[tuple[object, ...], StoredFinding] = {}
        for item in items:
            for s in self.reads.of_content(item.content_group):
                key = (s.chat_id, s.message_id) if s.chat_id is not None else ("id", s.id)
                found.setdefault(key, s)
        entries = [self._entry(s, groups) for s in found.values()]
        entries += self._detections(groups, set(found))
        at = at or utc_now()
        package = EvidencePackage(
            case.case_number, lang, at, Audience("victim_case", case.case_number),
            sort_timeline(entries),
            tuple(self._registered(n, i) for n, i in enumerate(items, 1)))
        self._log(at, "public", None, "evidence.case", "case", case.case_number,
                  {"findings": len(package.entries)})
        return package

    def _detections(self, groups: Collection[str],
                    known: set[tuple[object, ...]]) -> list[TimelineEntry]:
        """The bot's (or an API caller's) detections of the case's items in messages no scan
        finding covers; messages whose every review was dismissed are left out."""
        by_message: dict[tuple[object, ...], list[StoredReview]] = {}
        for r in self.reads.reviews_of(sorted(groups)):
            if r.source == "scan":
                continue  # a scan's review item repeats a stored finding
            chat, message = r.location.get("chat"), r.location.get("message")
            key: tuple[object, ...] = (chat, message) if chat is not None else ("r", r.id)
            if key not in known:
                by_message.setdefault(key, []).append(r)
        out = []
        for (chat, message), reviews in by_message.items():
            kept = [r for r in reviews if r.status != "dismissed"]
            if not kept:
                continue
            r = kept[0]
            text, labels = (self.reads.flagged_text(chat, message)
                            if isinstance(chat, int) and isinstance(message, int)
                            else (None, ()))
            match = {"bank": r.bank, "signal": r.signal, "distance": r.distance or 0,
                     "content_group": r.content_group, "labels": list(r.labels)}
            out.append(review_entry(r.id, r.source, r.location, r.evidence, match, text,
                                    labels))
        return out

    def for_findings(self, ids: Sequence[int], *, requested_by: str, language: str = "fr",
                     at: datetime | None = None, actor_type: str = "user") -> EvidencePackage:
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
        digest = hashlib.sha256(
            (",".join(map(str, wanted)) + "|" + at.isoformat()).encode()).hexdigest()
        reference = f"EVD-{at:%Y%m%d}-{digest[:8].upper()}"
        package = EvidencePackage(reference, lang, at,
                                  Audience("selection", requested_by=requested_by),
                                  sort_timeline(self._entry(s, None) for s in stored))
        self._log(at, actor_type, requested_by, "evidence.findings", "evidence", reference,
                  {"finding_ids": wanted})
        return package

    def _log(self, at: datetime, actor_type: str, actor_id: str | None, action: str,
             object_type: str, object_id: str, details: dict[str, Any]) -> None:
        if self.audit is not None:
            self.audit.append_audit(AuditEntry(at, actor_type, actor_id, action, object_type,
                                               object_id, details))
