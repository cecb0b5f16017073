"""Victim cases (issue 7): register images by their signals only, follow where they were found,
withdraw consent.

- ``register`` opens a case (a number and a secret shown once, stored as its SHA-256) and adds
  each item's signals to the ``victims`` bank (kind victim, policy review, created on demand) or,
  when the person says the images show a minor, to the separate ``child-protection`` bank with
  the labels ``minor`` and ``escalate`` (immediate escalation).
- ``status`` answers the case number and secret (constant-time; a wrong secret is answered
  exactly like an unknown case) with counts: items registered and withdrawn, matches a
  moderator confirmed (by place type and by day, first and last seen; a case can be opened by
  anyone, so sightings not yet confirmed are only counted, as in the evidence package: see
  ``core.evidence_victim.sighting_state``), actions taken
  (removed by the bot; confirmed, under review or dismissed by a moderator) and the notices
  about the content (state and deadline only). Matches a moderator dismissed are not counted
  (they may be someone else's image). The only places named are public Telegram messages
  (``t.me/<username>/<id>``) where a moderator confirmed the person's own image: a link she
  can report herself. No chat id, private link, sender, text or reporter: nothing that would
  tell the person about someone else.
- ``register`` with ``minor=True`` also files an escalated notice (category csam, due at once,
  ``location_text`` naming the case) that heads the moderators' dashboard.
- An item that another open case already holds (same SHA-256, or PDQ within the matching
  threshold) is banked all the same but flagged for moderators (``services.case_duplicates``):
  until one confirms the flag, the status shows it like an item never seen, so that opening a
  case tells no one whether someone else's photo circulates.
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
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Protocol

from rempart.core.banks import (
    BankKind,
    BankPolicy,
    EntryTrust,
    NewEntry,
    Provenance,
    new_content_group,
)
from rempart.core.evidence_victim import CONFIRMED, sighting_state
from rempart.core.signals import vpdq
from rempart.core.types import FrameHash
from rempart.core.workflow import Category
from rempart.services.banks import VICTIM_PORTAL_SOURCE, create_bank, remove_entry
from rempart.services.case_duplicates import (
    DUPLICATE_KIND,
    DuplicateFinder,
    SimilarImages,
    duplicate_review_item,
    hidden_groups,
)
from rempart.services.case_signals import (
    MAX_FRAMES,
    MAX_SECONDS,
    VIDEO_FPS,
    checked_frames,
    checked_robust,
)
from rempart.services.errors import BankExists, BankNotFound, EntryNotFound, InvalidArgument
from rempart.store.cases import (
    CaseClosed,
    CaseFull,
    CaseItem,
    CaseRecord,
    NewCaseItem,
    NoticeTrace,
    ReviewTrace,
    SqlCaseStore,
)
from rempart.store.interface import BankStore
from rempart.store.notices import AuditEntry, NewNotice, SqlNoticeStore
from rempart.store.reviews import SqlReviewStore
from rempart.store.rows import utc_now
from rempart.store.scan_interface import ContentSighting

VICTIM_BANK = "victims"
CHILD_BANK = "child-protection"
SOURCE = VICTIM_PORTAL_SOURCE
VARIANTS = ("rot90", "rot180", "rot270", "flipx", "flipy", "flipplus1", "flipminus1")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_HEX32 = re.compile(r"^[0-9a-f]{32}$")
_DUMMY_DIGEST = hashlib.sha256(b"rempart: no such case").hexdigest()
_CASE_NUMBER = re.compile(r"^VIC-\d{4}-\d{6,}$")
# Telegram: supergroups and channels have ids below -10^12, basic groups are negative.
_CHANNEL_ID = -1_000_000_000_000
# A public message link (a private one is t.me/c/<id>/<message>).
_PUBLIC_LINK = re.compile(r"^https://t\.me/(?!c/)[A-Za-z][A-Za-z0-9_]{3,31}/\d+$")
MAX_PUBLIC_PLACES = 50

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
    kind: str = "image"  # or "video" (then ``frames``, and ``pdq`` is the first frame's)
    robust: Mapping[str, tuple[str, int]] = field(default_factory=dict)  # trim → (hex, q), …
    frames: Sequence[FrameHash] = ()  # vPDQ frames of a video

    def validated(self, max_frames: int = MAX_FRAMES, max_seconds: float = MAX_SECONDS,
                  fps: float = VIDEO_FPS) -> ItemSignals:
        """This item with normalized values; InvalidArgument when a value is malformed."""
        if self.kind not in ("image", "video"):
            raise InvalidArgument("an item is an image or a video")
        if self.kind == "video" and (self.variants or self.robust):
            raise InvalidArgument("a video has frames, not PDQ variants")
        if self.kind == "image" and self.frames:
            raise InvalidArgument("an image has no frames")
        frames = (checked_frames(self.frames, max_frames=max_frames, max_seconds=max_seconds,
                                 fps=fps)
                  if self.kind == "video" else ())
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
        robust = checked_robust(self.robust)
        if robust and pdq is None:
            raise InvalidArgument("robust PDQs need the PDQ")
        return ItemSignals(sha, pdq, self.pdq_quality, variants, md5, self.kind, robust, frames)

    def entries(self, group: str, provenance: Provenance) -> list[NewEntry]:
        """Bank entries of this item, one content group (as ``entries_from_media`` does)."""
        out = [NewEntry("sha256", self.sha256, group, None, provenance)]
        if self.pdq:
            out.append(NewEntry("pdq", self.pdq, group, self.pdq_quality, provenance))
            for name, value in self.variants.items():
                prov = Provenance(provenance.source, provenance.submitted_at,
                                  provenance.external_id, provenance.case_id, provenance.labels,
                                  {**provenance.metadata, "variant": name})
                out.append(NewEntry("pdq", value, group, self.pdq_quality, prov))
            for name, (value, quality) in self.robust.items():
                prov = replace(provenance, metadata={**provenance.metadata, "variant": name})
                out.append(NewEntry("pdq", value, group, quality, prov))
        if self.md5:  # after the PDQs: the second entry of an image is its PDQ
            out.append(NewEntry("md5", self.md5, group, None, provenance))
        if self.frames:
            out.append(NewEntry("vpdq", vpdq.serialize(self.frames), group, None, provenance))
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
    kind: str = "image"  # image (PDQ and exact hashes), file (exact hashes only)


@dataclass(frozen=True, slots=True)
class PublicPlace:
    """A public message where a moderator confirmed the person's image (link, public title)."""

    link: str
    title: str | None
    date: str | None


@dataclass(frozen=True, slots=True)
class CaseNotice:
    """A notice about the case's content: state and deadline. ``case_number`` only for the
    notices filed from the case itself (another reporter's reference is not hers to see)."""

    case_number: str | None
    category: str
    state: str
    received_at: datetime
    deadline: datetime
    escalated: bool
    from_case: bool


ACTIONS = ("removed", "confirmed", "under_review", "dismissed")


@dataclass(frozen=True, slots=True)
class CaseStatus:
    """Counts, the case's notices and the public places where a moderator confirmed her image:
    nothing about private places beyond their type, nothing about other people. ``matches``,
    places, dates and notices come from confirmed sightings only; the others are counted in
    ``awaiting_review``."""

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
    actions: Mapping[str, int] = field(default_factory=lambda: dict.fromkeys(ACTIONS, 0))
    notices: tuple[CaseNotice, ...] = ()
    public_places: tuple[PublicPlace, ...] = ()
    awaiting_review: int = 0  # sightings no moderator confirmed yet: a count, nothing else

    @property
    def registered(self) -> int:
        return len(self.items)

    @property
    def active(self) -> int:
        return sum(1 for i in self.items if i.withdrawn_at is None)


def place_type(sighting: ContentSighting) -> str:
    """``channel`` (Telegram channel or supergroup), ``group``, ``private`` or ``file``."""
    return _Place(sighting.chat_id, sighting.message_id, None).type


def case_marker(case_number: str) -> str:
    """The ``location_text`` of the notices filed from a case (how the status finds them)."""
    return f"victim portal (/protect), case {case_number}"


def seen_at(raw: str | None) -> str | None:
    """A sighting's date as ``YYYY-MM-DD HH:MM`` in UTC (a local date without offset as is).

    >>> seen_at("2026-03-01T12:30:00Z"), seen_at("2026-03-01T13:30:00+01:00")
    ('2026-03-01 12:30', '2026-03-01 12:30')
    """
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return raw[:16]
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M")


@dataclass(frozen=True, slots=True)
class _Place:
    """One message (or scanned file) where an item was seen."""

    chat_id: int | None
    message_id: int | None
    date: str | None
    state: str = "under_review"  # sighting_state: confirmed or under_review (dismissed: gone)

    @property
    def type(self) -> str:
        chat = self.chat_id
        if chat is None:
            return "file"
        if chat <= _CHANNEL_ID:
            return "channel"
        return "group" if chat < 0 else "private"


def _review_state(traces: Sequence[ReviewTrace]) -> str:
    """One message's review outcome from its items: confirmed > under review > dismissed
    (``core.evidence_victim.sighting_state``, the rule the evidence package follows too)."""
    return sighting_state(t.status for t in traces)


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
        """Content groups of ``items`` flagged as another open case's image and not cleared by
        a moderator: no sighting of theirs is shown to the case (evidence package too)."""
        return hidden_groups(self.cases.review_states(
            DUPLICATE_KIND, [i.content_group for i in items]))

    # -- following -----------------------------------------------------------------------

    def _open(self, case_number: str, secret: str) -> CaseRecord:
        number = case_number.strip().upper()
        record = self.cases.get_case(number) if _CASE_NUMBER.match(number) else None
        expected = record.secret_sha256 if record is not None else _DUMMY_DIGEST
        ok = hmac.compare_digest(secret_digest(secret.strip()), expected)
        if record is None or not ok:
            raise CaseNotFound(number)
        return record

    def _kind(self, item: CaseItem) -> str:
        """``video`` (its last entry is a vPDQ), ``image`` (its second is a PDQ) or ``file``
        (exact hashes only)."""
        ids = item.entry_ids
        if len(ids) < 2:
            return "file"
        last = self.banks.get_entry(ids[-1])
        if last is not None and last.signal_type == "vpdq":
            return "video"
        second = self.banks.get_entry(ids[1])
        return "image" if second is not None and second.signal_type == "pdq" else "file"

    def _places(self, item: CaseItem, traces: Sequence[ReviewTrace]) -> list[_Place]:
        """Where the item was seen: the scans' sightings and the review items (the bot's),
        one per message; messages whose every review was dismissed are left out."""
        found: dict[tuple[object, ...], _Place] = {}
        if self.sightings is not None:
            for s in self.sightings.sightings(item.content_group):
                where: tuple[object, ...] = (s.chat_id, s.message_id)
                if s.chat_id is None:
                    where = (s.input, s.date_utc)
                found.setdefault(where, _Place(s.chat_id, s.message_id, seen_at(s.date_utc)))
        by_message: dict[tuple[object, ...], list[ReviewTrace]] = {}
        for n, t in enumerate(traces):
            key: tuple[object, ...] = (t.chat_id, t.message_id)
            if t.chat_id is None:
                key = ("review", n)
            by_message.setdefault(key, []).append(t)
        for key, group in by_message.items():
            state = _review_state(group)
            if state == "dismissed":
                found.pop(key, None)
            else:
                t = group[0]
                place = found.get(key) or _Place(t.chat_id, t.message_id, seen_at(t.date))
                found[key] = replace(place, state=state)
        return list(found.values())

    def status(self, case_number: str, secret: str) -> CaseStatus:
        """The case's counts, actions and notices; CaseNotFound for an unknown case or a wrong
        secret alike."""
        case = self._open(case_number, secret)
        case_items = self.cases.items(case.id)
        hidden = self.hidden(case_items)
        # A flagged item looks like one never seen: none of its traces count anywhere.
        traces = [t for t in self.cases.reviews_of([i.content_group for i in case_items])
                  if t.content_group not in hidden]
        items: list[ItemStatus] = []
        places: Counter[str] = Counter()
        days: Counter[str] = Counter()
        dates: list[str] = []
        seen_where: set[tuple[int, int]] = set()
        awaiting = 0
        for n, item in enumerate(case_items, 1):
            mine = [t for t in traces if t.content_group == item.content_group]
            # Unconfirmed sightings are only counted: no place type, date or notice of theirs.
            places_of_item = [] if item.content_group in hidden else self._places(item, mine)
            seen = [p for p in places_of_item if p.state == CONFIRMED]
            awaiting += len(places_of_item) - len(seen)
            item_dates = sorted(p.date for p in seen if p.date)
            for p in seen:
                places[p.type] += 1
                days[p.date[:10] if p.date else "unknown"] += 1
                if p.chat_id is not None and p.message_id is not None:
                    seen_where.add((p.chat_id, p.message_id))
            dates += item_dates
            items.append(ItemStatus(item.id, n, item.created_at, item.withdrawn_at, len(seen),
                                    item_dates[0] if item_dates else None,
                                    item_dates[-1] if item_dates else None, self._kind(item)))
        dates.sort()
        return CaseStatus(case.case_number, case.status, case.minor, case.created_at,
                          case.closed_at, tuple(items), sum(i.matches for i in items),
                          dict(places), dict(sorted(days.items())),
                          dates[0] if dates else None, dates[-1] if dates else None,
                          _actions(traces), self._notices(case.case_number, seen_where),
                          _public_places(traces), awaiting)

    def _notices(self, case_number: str,
                 places: set[tuple[int, int]]) -> tuple[CaseNotice, ...]:
        marker = case_marker(case_number)
        return tuple(_case_notice(t, t.location_text == marker)
                     for t in self.cases.notices_of(marker, places))

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


def _actions(traces: Sequence[ReviewTrace]) -> dict[str, int]:
    """Per message: removed by the bot, and its review outcome (confirmed, under review,
    dismissed)."""
    by_message: dict[tuple[object, ...], list[ReviewTrace]] = {}
    for n, t in enumerate(traces):
        key = (t.content_group, t.chat_id, t.message_id) if t.chat_id is not None else (n,)
        by_message.setdefault(key, []).append(t)
    counts = dict.fromkeys(ACTIONS, 0)
    for group in by_message.values():
        counts[_review_state(group)] += 1
        counts["removed"] += any(t.removed for t in group)
    return counts


def _public_places(traces: Sequence[ReviewTrace]) -> tuple[PublicPlace, ...]:
    """Public messages where a moderator confirmed the image, oldest first, one per link."""
    out: dict[str, PublicPlace] = {}
    for t in traces:
        if t.status == "confirmed" and t.link and _PUBLIC_LINK.match(t.link):
            out.setdefault(t.link, PublicPlace(t.link, t.chat_title, seen_at(t.date)))
    return tuple(sorted(out.values(), key=lambda p: p.date or ""))[:MAX_PUBLIC_PLACES]


def _case_notice(t: NoticeTrace, from_case: bool) -> CaseNotice:
    return CaseNotice(t.case_number if from_case else None, t.category, t.state,
                      t.received_at, t.deadline, t.escalated, from_case)
