"""Victim cases (issue 7): register images by their signals only, follow where they were found,
withdraw consent.

- ``register`` opens a case (a number and a secret shown once, stored as its SHA-256) and adds
  each item's signals to the ``victims`` bank (kind victim, policy review, created on demand) or,
  when the person says the images show a minor, to the separate ``child-protection`` bank with
  the labels ``minor`` and ``escalate`` (immediate escalation).
- ``status`` answers the case number and secret (constant-time; a wrong secret is answered
  exactly like an unknown case) with counts only: items registered and withdrawn, matches
  found by the scans by place type and by day, first and last seen. No chat id, message id,
  sender or text: nothing that would tell the person about someone else.
- ``withdraw`` tombstones some or all items' signals through the bank service (exports and
  other processes learn of it by the change feed); ``close`` withdraws everything and closes.

Anti-abuse lives partly here (the cap of items per case, the proof-of-work check: a signed
challenge spent once) and partly in the web adapter (rate limit per address, same origin).

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
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from rempart.core.banks import BankKind, BankPolicy, NewEntry, Provenance, new_content_group
from rempart.services.banks import create_bank, remove_entry
from rempart.services.errors import BankExists, BankNotFound, EntryNotFound, InvalidArgument
from rempart.store.cases import CaseFull, CaseItem, CaseRecord, NewCaseItem, SqlCaseStore
from rempart.store.interface import BankStore
from rempart.store.rows import utc_now
from rempart.store.scan_interface import ContentSighting

VICTIM_BANK = "victims"
CHILD_BANK = "child-protection"
SOURCE = "victim-portal"
VARIANTS = ("rot90", "rot180", "rot270", "flipx", "flipy", "flipplus1", "flipminus1")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_HEX32 = re.compile(r"^[0-9a-f]{32}$")
_DUMMY_DIGEST = hashlib.sha256(b"rempart: no such case").hexdigest()
_CASE_NUMBER = re.compile(r"^VIC-\d{4}-\d{6,}$")
# Telegram: supergroups and channels have ids below -10^12, basic groups are negative.
_CHANNEL_ID = -1_000_000_000_000

__all__ = ["CHILD_BANK", "VICTIM_BANK", "CaseFull", "CaseNotFound", "CaseService",
           "CaseStatus", "ItemSignals", "ProofOfWork", "ProofRejected", "Registration"]


class CaseNotFound(Exception):
    """No case with this number and secret (which of the two is wrong is never said)."""


class ProofRejected(Exception):
    """The proof-of-work is malformed, forged, expired, already used or not hard enough."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SightingSource(Protocol):
    """Where banked content was seen (``SqlScanStore`` has it)."""

    def sightings(self, content_group: str, *, limit: int = 1000) -> list[ContentSighting]: ...


@dataclass(frozen=True, slots=True)
class ItemSignals:
    """The signals of one image, computed on the person's device. Hex values, lowercase."""

    sha256: str
    pdq: str | None = None
    pdq_quality: int | None = None
    variants: Mapping[str, str] = field(default_factory=dict)  # rot90 → PDQ hex, …
    md5: str | None = None

    def validated(self) -> ItemSignals:
        """This item with normalized values; InvalidArgument when a value is malformed."""
        sha = self.sha256.strip().lower()
        if not _HEX64.match(sha):
            raise InvalidArgument("sha256 must be 64 hexadecimal characters")
        md5 = self.md5.strip().lower() if self.md5 else None
        if md5 is not None and not _HEX32.match(md5):
            raise InvalidArgument("md5 must be 32 hexadecimal characters")
        pdq = self.pdq.strip().lower() if self.pdq else None
        if pdq is not None and not _HEX64.match(pdq):
            raise InvalidArgument("pdq must be 64 hexadecimal characters")
        if self.pdq_quality is not None and not 0 <= self.pdq_quality <= 100:
            raise InvalidArgument("pdq quality must be between 0 and 100")
        variants: dict[str, str] = {}
        for name, value in self.variants.items():
            if name not in VARIANTS:
                raise InvalidArgument(f"unknown PDQ variant {name!r}")
            if pdq is None or not _HEX64.match(value.strip().lower()):
                raise InvalidArgument("PDQ variants need the PDQ and 64 hexadecimal characters")
            variants[name] = value.strip().lower()
        return ItemSignals(sha, pdq, self.pdq_quality, variants, md5)

    def entries(self, group: str, provenance: Provenance) -> list[NewEntry]:
        """Bank entries of this item, one content group (as ``entries_from_media`` does)."""
        out = [NewEntry("sha256", self.sha256, group, None, provenance)]
        if self.md5:
            out.append(NewEntry("md5", self.md5, group, None, provenance))
        if self.pdq:
            out.append(NewEntry("pdq", self.pdq, group, self.pdq_quality, provenance))
            for name, value in self.variants.items():
                prov = Provenance(provenance.source, provenance.submitted_at,
                                  provenance.external_id, provenance.case_id, provenance.labels,
                                  {**provenance.metadata, "variant": name})
                out.append(NewEntry("pdq", value, group, self.pdq_quality, prov))
        return out


@dataclass(frozen=True, slots=True)
class Registration:
    """What the person sees once: the case number and the secret (not stored in clear)."""

    case_number: str
    secret: str
    items: int
    minor: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ItemStatus:
    """One registered image: when, whether withdrawn, how often it was found and when."""

    id: int
    number: int  # 1, 2, … in registration order
    created_at: datetime
    withdrawn_at: datetime | None
    matches: int
    first_seen: str | None
    last_seen: str | None


@dataclass(frozen=True, slots=True)
class CaseStatus:
    """Counts only: nothing about the places beyond their type, nothing about other people."""

    case_number: str
    status: str
    minor: bool
    created_at: datetime
    closed_at: datetime | None
    items: tuple[ItemStatus, ...]
    matches: int
    by_place: Mapping[str, int]
    by_date: Mapping[str, int]
    first_seen: str | None
    last_seen: str | None

    @property
    def registered(self) -> int:
        return len(self.items)

    @property
    def active(self) -> int:
        return sum(1 for i in self.items if i.withdrawn_at is None)


def place_type(sighting: ContentSighting) -> str:
    """``channel`` (Telegram channel or supergroup), ``group``, ``private`` or ``file``."""
    chat = sighting.chat_id
    if chat is None:
        return "file"
    if chat <= _CHANNEL_ID:
        return "channel"
    return "group" if chat < 0 else "private"


def secret_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def leading_zero_bits(digest: bytes) -> int:
    bits = 0
    for byte in digest:
        if byte == 0:
            bits += 8
            continue
        return bits + 8 - byte.bit_length()
    return bits


class ProofOfWork:
    """Signed challenges: ``id.bits.expires.mac``; a nonce proves work when
    ``sha256(challenge + nonce)`` starts with ``bits`` zero bits. One use each (the store)."""

    def __init__(self, key: bytes, bits: int, ttl_seconds: int) -> None:
        if not 0 <= bits <= 32:
            raise InvalidArgument("proof-of-work bits must be between 0 and 32")
        self.key = key
        self.bits = bits
        self.ttl = ttl_seconds

    def _mac(self, body: str) -> str:
        return hmac.new(self.key, body.encode(), hashlib.sha256).hexdigest()[:32]

    def issue(self, now: float) -> str:
        body = f"{secrets.token_hex(16)}.{self.bits}.{int(now) + self.ttl}"
        return f"{body}.{self._mac(body)}"

    def check(self, challenge: str, nonce: str, now: float) -> tuple[str, datetime]:
        """(challenge id, expiry) of a valid proof; ProofRejected otherwise (not yet spent)."""
        parts = challenge.split(".")
        if len(parts) != 4 or len(challenge) > 120 or not nonce or len(nonce) > 32 \
                or not nonce.isascii():
            raise ProofRejected("malformed")
        ident, bits, expires, mac = parts
        if not hmac.compare_digest(mac, self._mac(f"{ident}.{bits}.{expires}")):
            raise ProofRejected("forged")
        if not (bits.isdigit() and expires.isdigit()) or int(bits) < self.bits:
            raise ProofRejected("too easy")
        if int(expires) < now:
            raise ProofRejected("expired")
        digest = hashlib.sha256((challenge + nonce).encode()).digest()
        if leading_zero_bits(digest) < int(bits):
            raise ProofRejected("wrong nonce")
        return ident, datetime.fromtimestamp(int(expires), UTC)


def solve(challenge: str, bits: int) -> str:
    """A nonce for ``challenge`` (what the browser does; for tests and API clients)."""
    n = 0
    while True:
        nonce = str(n)
        if leading_zero_bits(hashlib.sha256((challenge + nonce).encode()).digest()) >= bits:
            return nonce
        n += 1


class CaseService:
    """Victim cases over the case store, the bank store and (for matches) the scan store."""

    def __init__(self, cases: SqlCaseStore, banks: BankStore,
                 sightings: SightingSource | None = None, max_items: int = 50) -> None:
        self.cases = cases
        self.banks = banks
        self.sightings = sightings
        self.max_items = max_items

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
        checked = [i.validated() for i in items]
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
        groups: list[tuple[str, list[NewEntry]]] = []
        for item in checked:
            group = new_content_group()
            groups.append((group, item.entries(group, provenance)))
        ids = iter(self.banks.add_entries(bank.id, [e for _, es in groups for e in es]))
        new_items = [NewCaseItem(group, name, tuple(next(ids) for _ in entries))
                     for group, entries in groups]
        self.cases.add_items(case.id, new_items, at, self.max_items)
        return Registration(case.case_number, secret, len(new_items), minor, at)

    # -- following -----------------------------------------------------------------------

    def _open(self, case_number: str, secret: str) -> CaseRecord:
        number = case_number.strip().upper()
        record = self.cases.get_case(number) if _CASE_NUMBER.match(number) else None
        expected = record.secret_sha256 if record is not None else _DUMMY_DIGEST
        ok = hmac.compare_digest(secret_digest(secret.strip()), expected)
        if record is None or not ok:
            raise CaseNotFound(number)
        return record

    def _seen(self, item: CaseItem) -> list[ContentSighting]:
        if self.sightings is None:
            return []
        found: dict[tuple[object, ...], ContentSighting] = {}
        for s in self.sightings.sightings(item.content_group):
            key = (s.chat_id, s.message_id) if s.chat_id is not None else (s.input, s.date_utc)
            found.setdefault(key, s)
        return list(found.values())

    def status(self, case_number: str, secret: str) -> CaseStatus:
        """Counts of the case; CaseNotFound for an unknown case or a wrong secret alike."""
        case = self._open(case_number, secret)
        items: list[ItemStatus] = []
        places: Counter[str] = Counter()
        days: Counter[str] = Counter()
        dates: list[str] = []
        for n, item in enumerate(self.cases.items(case.id), 1):
            seen = self._seen(item)
            item_dates = sorted(s.date_utc for s in seen if s.date_utc)
            for s in seen:
                places[place_type(s)] += 1
                days[s.date_utc[:10] if s.date_utc else "unknown"] += 1
            dates += item_dates
            items.append(ItemStatus(item.id, n, item.created_at, item.withdrawn_at, len(seen),
                                    item_dates[0] if item_dates else None,
                                    item_dates[-1] if item_dates else None))
        dates.sort()
        return CaseStatus(case.case_number, case.status, case.minor, case.created_at,
                          case.closed_at, tuple(items), sum(i.matches for i in items),
                          dict(places), dict(sorted(days.items())),
                          dates[0] if dates else None, dates[-1] if dates else None)

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
