"""Victim cases: a person registers her images by their signals only, follows where they
were found (``services.case_status``) and withdraws her consent.

- ``register`` opens a case (a number and a secret shown once, stored as its SHA-256) and adds
  each item's signals (``services.case_items``) to the ``victims`` bank (kind victim, policy
  review, created on demand) or, when the person says the images show a minor, to the separate
  ``child-protection`` bank with the labels ``minor`` and ``escalate``; it then files an
  escalated notice (category csam, due at once, ``location_text`` naming the case) that heads
  the moderators' dashboard.
- An item that another open case already holds (same SHA-256, or PDQ within the matching
  threshold) is banked all the same but flagged for moderators (``services.case_duplicates``):
  until one confirms the flag, the status shows it like an item never seen, so that opening a
  case tells no one whether someone else's photo circulates.
- ``status`` answers the case number and secret (constant-time; a wrong secret is answered
  exactly like an unknown case).
- ``withdraw`` tombstones some or all items' signals through the bank service (exports and
  other processes learn of it by the change feed); ``close`` withdraws everything and closes.

Anti-abuse lives partly here (the cap of items per case, the proof of work of
``services.proof_of_work`` spent once) and partly in the web adapter (rate limit per address,
same origin).

Example::

    service = CaseService(SqlCaseStore(engine), bank_store, SqlScanStore(engine))
    done = service.register([ItemSignals(sha256=..., pdq=..., pdq_quality=90)], minor=False)
    service.status(done.case_number, done.secret).registered       # 1
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from rempart.core.audit import AuditEntry
from rempart.core.banks import BankKind, BankPolicy, EntryTrust, Provenance, new_content_group
from rempart.core.clock import utc_now
from rempart.core.tokens import secret_digest
from rempart.core.workflow import Category
from rempart.services.banks import VICTIM_PORTAL_SOURCE, create_bank, remove_entry
from rempart.services.case_duplicates import DuplicateFinder, SimilarImages, duplicate_review_item
from rempart.services.case_items import ItemSignals
from rempart.services.case_signals import MAX_FRAMES, MAX_SECONDS, VIDEO_FPS
from rempart.services.case_status import (
    CaseStatus,
    SightingSource,
    case_marker,
    case_status,
    hidden_items,
)
from rempart.services.errors import BankExists, BankNotFound, EntryNotFound, InvalidArgument
from rempart.services.proof_of_work import ProofOfWork, ProofRejected
from rempart.store.cases import (
    CaseClosed,
    CaseFull,
    CaseItem,
    CaseRecord,
    NewCaseItem,
    SqlCaseStore,
)
from rempart.store.interface import BankStore
from rempart.store.notices import NewNotice, SqlNoticeStore
from rempart.store.reviews import SqlReviewStore

VICTIM_BANK = "victims"
CHILD_BANK = "child-protection"
SOURCE = VICTIM_PORTAL_SOURCE
_DUMMY_DIGEST = hashlib.sha256(b"rempart: no such case").hexdigest()
_CASE_NUMBER = re.compile(r"^VIC-\d{4}-\d{6,}$")

__all__ = ["CHILD_BANK", "VICTIM_BANK", "CaseClosed", "CaseFull", "CaseNotFound", "CaseService",
           "Registration"]


class CaseNotFound(Exception):
    """No case with this number and secret (which of the two is wrong is never said)."""


@dataclass(frozen=True, slots=True)
class Registration:
    """What the person sees once: the case number and the secret (not stored in clear)."""

    case_number: str
    secret: str
    items: int
    minor: bool
    created_at: datetime


class CaseService:
    """Victim cases over the case store, the bank store and (for matches) the scan store."""

    def __init__(self, cases: SqlCaseStore, banks: BankStore,
                 sightings: SightingSource | None = None, max_items: int = 50, *,
                 max_frames: int = MAX_FRAMES, max_seconds: float = MAX_SECONDS,
                 fps: float = VIDEO_FPS, trusted: bool = False,
                 similar: SimilarImages | None = None) -> None:
        self.cases = cases
        self.banks = banks
        self.sightings = sightings
        self.max_items = max_items
        self.max_frames = max_frames  # vPDQ frames per video (and per request)
        self.max_seconds = max_seconds
        self.fps = fps  # the rate the portal's page samples videos at: frames per second held
        # Anonymous registrations ask for review until a moderator confirms them.
        self.trust = EntryTrust.CONFIRMED if trusted else EntryTrust.UNCONFIRMED
        # PDQ look-alikes need the matcher (``similar``); exact copies are found without it.
        self.duplicates = DuplicateFinder(banks, cases, similar, (VICTIM_BANK, CHILD_BANK))

    # -- anti-abuse ----------------------------------------------------------------------

    def spend(self, pow_: ProofOfWork, challenge: str, nonce: str, now: float) -> None:
        """Verify and spend a proof-of-work; ProofRejected when invalid or already used."""
        ident, expires = pow_.check(challenge, nonce, now)
        if not self.cases.spend_challenge(ident, expires, datetime.fromtimestamp(now, UTC)):
            raise ProofRejected("already used")

    # -- registering ---------------------------------------------------------------------

    def _bank(self, minor: bool) -> str:
        name = CHILD_BANK if minor else VICTIM_BANK
        if self.banks.get_bank(name) is None:
            description = ("Images of minors registered on /protect: escalate immediately"
                           if minor else "Images registered by the people they show (/protect)")
            with contextlib.suppress(BankExists):  # created meanwhile by another request
                create_bank(self.banks, name, BankKind.VICTIM, BankPolicy.REVIEW,
                            description=description)
        return name

    def register(self, items: Sequence[ItemSignals], *, minor: bool,
                 contact: str | None = None, at: datetime | None = None) -> Registration:
        """Open a case holding ``items``; CaseFull past the cap, InvalidArgument if malformed."""
        if not items:
            raise InvalidArgument("no image to register")
        if len(items) > self.max_items:
            raise CaseFull(self.max_items)
        checked = [i.validated(self.max_frames, self.max_seconds, self.fps) for i in items]
        contact = (contact or "").strip()[:320] or None
        at = at or utc_now()
        secret = secrets.token_urlsafe(18)
        case = self.cases.create_case(secret_digest(secret), minor=minor, contact=contact, at=at)
        name = self._bank(minor)
        bank = self.banks.get_bank(name)
        if bank is None:
            raise BankNotFound(name)
        labels = ("victim", "minor", "escalate") if minor else ("victim",)
        provenance = Provenance(SOURCE, at, case_id=case.case_number, labels=labels,
                                metadata={"escalation": "immediate"} if minor else {})
        new_items = self._bank_items(bank.id, name, checked, provenance)
        self._flag_duplicates(case.case_number, checked, new_items, labels, at)
        self.cases.add_items(case.id, new_items, at, self.max_items)
        if minor:
            self._escalate(case.case_number, new_items, at)
        return Registration(case.case_number, secret, len(new_items), minor, at)

    def add_items(self, case_number: str, secret: str, items: Sequence[ItemSignals],
                  at: datetime | None = None) -> Registration:
        """Append ``items`` to an open case (its bank, its minor flag); CaseNotFound for a
        wrong number or secret, CaseClosed when closed, CaseFull past the cap (withdrawn items
        count), InvalidArgument if malformed. The returned secret is empty (she has it)."""
        case = self._open(case_number, secret)
        if not items:
            raise InvalidArgument("no image to register")
        if case.status != "open":
            raise CaseClosed(case.id)
        if case.item_count + len(items) > self.max_items:
            raise CaseFull(self.max_items)
        checked = [i.validated(self.max_frames, self.max_seconds, self.fps) for i in items]
        at = at or utc_now()
        name = self._bank(case.minor)
        bank = self.banks.get_bank(name)
        if bank is None:
            raise BankNotFound(name)
        labels = ("victim", "minor", "escalate") if case.minor else ("victim",)
        provenance = Provenance(SOURCE, at, case_id=case.case_number, labels=labels,
                                metadata={"escalation": "immediate"} if case.minor else {})
        new_items = self._bank_items(bank.id, name, checked, provenance)
        self._flag_duplicates(case.case_number, checked, new_items, labels, at)
        try:
            self.cases.add_items(case.id, new_items, at, self.max_items)
        except (CaseClosed, CaseFull):  # closed or filled meanwhile: no orphan signals
            self.banks.remove_entries([i for n in new_items for i in n.entry_ids],
                                      f"not added to {case.case_number}")
            raise
        if case.minor:
            self._escalate(case.case_number, new_items, at)
        return Registration(case.case_number, "", len(new_items), case.minor, at)

    def _bank_items(self, bank_id: int, bank: str, items: Sequence[ItemSignals],
                    provenance: Provenance) -> list[NewCaseItem]:
        """Bank ``items`` (one content group each, at the registrations' trust)."""
        groups = [(g, [replace(e, trust=self.trust) for e in item.entries(g, provenance)])
                  for g, item in ((new_content_group(), i) for i in items)]
        ids = iter(self.banks.add_entries(bank_id, [e for _, es in groups for e in es]))
        return [NewCaseItem(group, bank, tuple(next(ids) for _ in entries))
                for group, entries in groups]

    def _flag_duplicates(self, case_number: str, items: Sequence[ItemSignals],
                         new_items: Sequence[NewCaseItem], labels: Sequence[str],
                         at: datetime) -> None:
        """File a duplicate registration review item for each new item another open case
        holds. Before the items join the case: its status never shows them unflagged."""
        reviews = SqlReviewStore(self.cases.engine)
        each = self.duplicates.find_each([(i.sha256, i.pdq) for i in items], case_number)
        for found, item in zip(each, new_items, strict=True):
            if found:
                reviews.create(duplicate_review_item(case_number, item.content_group, item.bank,
                                                     item.entry_ids, found, labels, at))

    def hidden(self, items: Sequence[CaseItem]) -> set[str]:
        """Content groups of ``items`` shown like never seen (``case_status.hidden_items``)."""
        return hidden_items(self.cases, items)

    # -- following -----------------------------------------------------------------------

    def _open(self, case_number: str, secret: str) -> CaseRecord:
        number = case_number.strip().upper()
        record = self.cases.get_case(number) if _CASE_NUMBER.match(number) else None
        expected = record.secret_sha256 if record is not None else _DUMMY_DIGEST
        ok = hmac.compare_digest(secret_digest(secret.strip()), expected)
        if record is None or not ok:
            raise CaseNotFound(number)
        return record

    def status(self, case_number: str, secret: str) -> CaseStatus:
        """The case's counts, actions and notices (``services.case_status``); CaseNotFound
        for an unknown case or a wrong secret alike."""
        return case_status(self._open(case_number, secret), self.cases, self.banks,
                           self.sightings)

    # -- escalating ----------------------------------------------------------------------

    def _escalate(self, case_number: str, items: Sequence[NewCaseItem], at: datetime) -> None:
        """File the escalated notice of a minor's case: category csam, due at once, found by
        moderators at the top of their dashboard. No contact, no secret anyone holds: the
        person follows it on her case's page. One per case: items added later are in the same
        bank under the same case, and re-filing would let anyone flood the urgent queue."""
        if self.cases.notices_of(case_marker(case_number), ()):
            return
        groups = ", ".join(i.content_group for i in items)
        explanation = (
            f"{len(items)} image(s) registered on the victim portal by a person who says they "
            f"show a minor (case {case_number}). Their signals are in the bank {CHILD_BANK!r} "
            f"(content groups: {groups}). Immediate escalation: look for these contents, "
            "remove them and report them to the authorities.")
        new = NewNotice(Category.CSAM, explanation, received_at=at, deadline=at,
                        escalated=True, good_faith=True,
                        location_text=case_marker(case_number))
        audit = AuditEntry(at, "public", SOURCE, "notice.submit", "notice", None,
                           {"category": Category.CSAM.value, "escalated": True,
                            "source": SOURCE, "case": case_number})
        SqlNoticeStore(self.cases.engine).create_notice(
            new, secret_digest(secrets.token_urlsafe(24)), audit)

    # -- withdrawing ---------------------------------------------------------------------

    def withdraw(self, case_number: str, secret: str, item_ids: Sequence[int] | None = None,
                 at: datetime | None = None) -> int:
        """Tombstone the signals of some items (all when None); returns how many were withdrawn."""
        case = self._open(case_number, secret)
        at = at or utc_now()
        wanted = None if item_ids is None else set(item_ids)
        targets = [i for i in self.cases.items(case.id)
                   if i.withdrawn_at is None and (wanted is None or i.id in wanted)]
        reason = f"consent withdrawn ({case.case_number})"
        for item in targets:
            if not item.entry_ids:
                continue
            try:
                remove_entry(self.banks, item.bank, item.entry_ids[0], reason, whole_item=True)
            except (BankNotFound, EntryNotFound):
                self.banks.remove_entries(list(item.entry_ids), reason)
        done = self.cases.withdraw(case.id, [i.id for i in targets], at)
        return len(done)

    def close(self, case_number: str, secret: str, at: datetime | None = None) -> CaseStatus:
        """Withdraw every item and close the case."""
        case = self._open(case_number, secret)
        at = at or utc_now()
        self.withdraw(case_number, secret, None, at)
        self.cases.close_case(case.id, at)
        return self.status(case_number, secret)
