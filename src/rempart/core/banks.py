"""Hash banks as pure values: banks, entries, provenance, tombstones, changes; signal validation.

A bank holds signals (hashes) of known media, never media. Several signals of one media item
(its md5, sha256, pdq, robust PDQ variants, vpdq, orb) share a ``content_group``.

Example::

    >>> default_policy(BankKind.VICTIM)
    <BankPolicy.REVIEW: 'review'>
    >>> normalize_signal("md5", " D41D8CD98F00B204E9800998ECF8427E ")
    'd41d8cd98f00b204e9800998ecf8427e'
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from rempart.core.signals import vpdq
from rempart.core.types import MediaHashes, Signal

DEFAULT_PDQ_THRESHOLD = 31
DEFAULT_VPDQ_THRESHOLD = 31
# python-threatexchange's vPDQ defaults: share of query frames / of bank frames that must match.
DEFAULT_VPDQ_QUERY_MATCH_PERCENT = 80.0
DEFAULT_VPDQ_INDEX_MATCH_PERCENT = 0.0
# Index keys longer than this are replaced by their sha256 (vPDQ and ORB values are long).
LOOKUP_KEY_MAX = 64


class BankKind(StrEnum):
    """Where a bank's hashes come from, which decides how far they are trusted."""

    VICTIM = "victim"  # submitted by victims: unreviewed
    PARTNER = "partner"  # vetted hash lists from partners (StopNCII, NCMEC, hotlines)
    MODERATOR = "moderator"  # confirmed by this deployment's moderators
    ALLOWLIST = "allowlist"  # negative bank: a query matching it is not reported from others


class BankPolicy(StrEnum):
    """What a match against the bank asks for."""

    BLOCK = "block"
    REVIEW = "review"
    ALERT = "alert"


MODERATOR_WITHDRAWAL = "withdrawn by "  # how a moderator's withdrawal (a rejection) reads


def moderator_withdrawal(username: str, why: str) -> str:
    """The removal reason of an entry a moderator withdrew: a signal rejected here, which an
    exchange's later fetch must not bring back.

    >>> moderator_withdrawal("mod-a", "review 12")
    'withdrawn by mod-a (review 12)'
    """
    return f"{MODERATOR_WITHDRAWAL}{username} ({why})"


class EntryStatus(StrEnum):
    """Life of a bank entry; ``removed`` entries remain as tombstones."""

    ACTIVE = "active"
    ON_HOLD = "on_hold"  # e.g. flood guard: matches too many distinct uploads, needs review
    REMOVED = "removed"


class EntryTrust(StrEnum):
    """How far one entry is trusted, beside its bank's policy.

    ``bank``: the bank's policy applies (moderators' and partners' entries). ``unconfirmed``:
    an anonymous registration; its matches raise alerts and review items and never act alone.
    ``confirmed``: a moderator confirmed it (the case or a sighting); it acts as a block entry
    in a block or review bank.
    """

    BANK = "bank"
    UNCONFIRMED = "unconfirmed"
    CONFIRMED = "confirmed"


def entry_action(policy: str, trust: str, on_hold: bool) -> str:
    """What a match of one entry asks for: ``block``, ``review`` or ``alert``.

    Review never deletes by itself: a held or unconfirmed entry asks for review at most.

    >>> entry_action("review", "confirmed", False), entry_action("block", "unconfirmed", False)
    ('block', 'review')
    >>> entry_action("alert", "confirmed", False), entry_action("block", "bank", True)
    ('alert', 'review')
    """
    if policy == BankPolicy.ALERT:
        return BankPolicy.ALERT.value
    if on_hold or trust == EntryTrust.UNCONFIRMED:
        return BankPolicy.REVIEW.value
    if trust == EntryTrust.CONFIRMED:
        return BankPolicy.BLOCK.value
    return policy


_DEFAULT_POLICY = {
    # Victim submissions are unreviewed: they trigger review, not automatic deletion.
    BankKind.VICTIM: BankPolicy.REVIEW,
    BankKind.PARTNER: BankPolicy.BLOCK,
    BankKind.MODERATOR: BankPolicy.BLOCK,
    BankKind.ALLOWLIST: BankPolicy.ALERT,  # unused: allowlist matches suppress, never act
}


def default_policy(kind: BankKind) -> BankPolicy:
    """The policy a new bank of ``kind`` gets unless told otherwise."""
    return _DEFAULT_POLICY[kind]


@dataclass(frozen=True, slots=True)
class NewBank:
    """What is needed to create a bank; ``policy=None`` means the kind's default."""

    name: str
    kind: BankKind = BankKind.MODERATOR
    policy: BankPolicy | None = None
    pdq_threshold: int = DEFAULT_PDQ_THRESHOLD
    vpdq_threshold: int = DEFAULT_VPDQ_THRESHOLD
    vpdq_query_match_percent: float = DEFAULT_VPDQ_QUERY_MATCH_PERCENT
    vpdq_index_match_percent: float = DEFAULT_VPDQ_INDEX_MATCH_PERCENT
    enabled: bool = True
    description: str = ""


@dataclass(frozen=True, slots=True)
class Bank:
    """A stored bank and its matching configuration."""

    id: int
    name: str
    kind: BankKind
    policy: BankPolicy
    pdq_threshold: int
    vpdq_threshold: int
    vpdq_query_match_percent: float
    vpdq_index_match_percent: float
    enabled: bool
    description: str
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None = None
    seq: int = 0

    @property
    def is_allowlist(self) -> bool:
        """True for negative banks (matches suppress reports from other banks)."""
        return self.kind is BankKind.ALLOWLIST


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where an entry comes from. ``metadata`` is free JSON (e.g. ``{"variant": "rot90"}``)."""

    source: str | None = None
    submitted_at: datetime | None = None
    external_id: str | None = None
    case_id: str | None = None
    labels: tuple[str, ...] = ()
    metadata: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class NewEntry:
    """A signal to add to a bank. ``value`` must already be normalized (see normalize_signal)."""

    signal_type: str
    value: str
    content_group: str
    quality: int | None = None
    provenance: Provenance = field(default_factory=Provenance)
    trust: EntryTrust = EntryTrust.BANK


@dataclass(frozen=True, slots=True)
class Tombstone:
    """Left behind when an entry is removed, so exports and other processes learn of it."""

    removed_at: datetime
    reason: str | None


@dataclass(frozen=True, slots=True)
class BankEntry:
    """A stored signal. ``seq`` is the change-feed sequence number of its last change."""

    id: int
    bank_id: int
    signal_type: str
    value: str
    content_group: str
    quality: int | None
    provenance: Provenance
    status: EntryStatus
    created_at: datetime
    updated_at: datetime
    seq: int
    tombstone: Tombstone | None = None
    trust: EntryTrust = EntryTrust.BANK


@dataclass(frozen=True, slots=True)
class SignalRow:
    """The slice of an entry a matching index loads (cheap to read in bulk)."""

    entry_id: int
    bank_id: int
    signal_type: str
    value: str
    status: EntryStatus
    trust: EntryTrust = EntryTrust.BANK


@dataclass(frozen=True, slots=True)
class BankChange:
    """One item of the change feed: an entry changed, or (``entry is None``) the bank itself.

    A matcher adds ``entry`` to its index when active and drops it otherwise; a bank change
    carries new thresholds/policy, ``enabled`` or ``deleted_at``.
    """

    seq: int
    bank: Bank
    entry: BankEntry | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SignalChange(SignalRow):
    """What a matcher needs of a changed entry: the change feed's light form (no provenance,
    no dates), read in bulk when thousands of entries change at once; ``seq`` is the change's."""

    seq: int


def new_content_group() -> str:
    """A fresh content group id (random, 32 hex characters)."""
    return uuid.uuid4().hex


def lookup_key(value: str) -> str:
    """A short key indexing ``value``: the value itself if short, else its sha256."""
    if len(value) <= LOOKUP_KEY_MAX:
        return value
    return hashlib.sha256(value.encode()).hexdigest()


# --- signal values -------------------------------------------------------------------------

_HEX: dict[str, int] = {Signal.MD5: 32, Signal.SHA256: 64, Signal.PDQ: 64}
# Names other tools use for our signals (python-threatexchange calls exact hashes video_md5...).
SIGNAL_ALIASES = {"video_md5": "md5", "video_sha256": "sha256", "photo_md5": "md5"}
_SIGNAL_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_BASE64 = re.compile(r"^[A-Za-z0-9+/_-]+={0,2}$")


def canonical_signal_type(name: str) -> str:
    """The stored signal name for ``name`` (aliases resolved); ValueError if malformed."""
    name = name.strip().lower()
    name = SIGNAL_ALIASES.get(name, name)
    if not _SIGNAL_NAME.match(name):
        raise ValueError(f"invalid signal type {name!r}")
    return name


def normalize_signal(signal_type: str, value: str) -> str:
    """Validate ``value`` for ``signal_type`` and return its stored form; ValueError if invalid.

    md5/sha256/pdq are lowercase hex; vpdq is python-threatexchange's JSON list of
    ``"pdqhex,quality,timestamp"`` strings; orb is base64. Unknown types are kept as given
    (stripped), so new signal types can be banked before Rempart knows them.
    """
    value = value.strip()
    if signal_type in _HEX:
        value = value.lower()
        n = _HEX[signal_type]
        if len(value) != n or not re.fullmatch(r"[0-9a-f]+", value):
            raise ValueError(f"invalid {signal_type}: expected {n} hex characters")
        return value
    if signal_type == Signal.VPDQ:
        return vpdq.serialize(vpdq.parse(value))
    if signal_type == Signal.ORB:
        if not _BASE64.match(value):
            raise ValueError("invalid orb: expected base64")
        return value
    if not value:
        raise ValueError(f"empty {signal_type} value")
    return value


def entries_from_media(
    hashes: MediaHashes, provenance: Provenance, content_group: str | None = None
) -> list[NewEntry]:
    """Every signal of one hashed media item, as entries of one content group.

    Each PDQ or vPDQ variant becomes a ``pdq`` or ``vpdq`` entry whose metadata names the
    variant; each key frame of a video, an ``orb`` entry whose variant is ``frame``.
    """
    group = content_group or new_content_group()

    def entry(signal_type: str, value: str, quality: int | None = None,
              extra: Mapping[str, Any] | None = None) -> NewEntry:
        prov = provenance
        if extra:
            prov = Provenance(provenance.source, provenance.submitted_at, provenance.external_id,
                              provenance.case_id, provenance.labels,
                              {**provenance.metadata, **extra})
        return NewEntry(signal_type, value, group, quality, prov)

    out = [entry("md5", hashes.md5), entry("sha256", hashes.sha256)]
    if hashes.pdq is not None:
        out.append(entry("pdq", hashes.pdq.hash, hashes.pdq.quality))
    out += [entry("pdq", v.hash, v.quality, {"variant": v.variant}) for v in hashes.pdq_variants]
    if hashes.vpdq:
        out.append(entry("vpdq", vpdq.serialize(hashes.vpdq)))
    out += [entry("vpdq", vpdq.serialize(v.frames), extra={"variant": v.variant})
            for v in hashes.vpdq_variants]
    if hashes.orb:
        out.append(entry("orb", hashes.orb))
    if hashes.orb_tone:
        out.append(entry("orb", hashes.orb_tone, extra={"variant": "tone"}))
    out += [entry("orb", k.orb, extra={"variant": "frame", "t": k.t}) for k in hashes.key_frames]
    return out


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    """What an import changed: ids added, rows skipped as already present, entries removed."""

    added: tuple[int, ...]
    duplicates: int
    removed: int
