"""The review queue: matches and flagged texts that a human confirms, dismisses or withdraws.

Confirming records the action of the matched bank's policy (block, review, alert) and confirms
an unconfirmed entry (an anonymous registration): its whole item, or with ``whole_case`` every
item of its case, then acts alone. Dismissing may add the query's signals to an allowlist bank so
the same false positive is not raised again; withdrawing also removes the matched item from its
bank (a poisoned registration). Every decision records who, when and why, with an audit event.
Moderators act on bank items directly too (:meth:`ReviewService.act_on_entry`).

Items come from every source alike: the bot's findings, scans (``services.scan.sightings``), API
matches (``MatchService.match_query``) and the flood guard's holds. A media match carries the
seen file's own signals (:func:`query_signals`), which is what dismissing can allowlist.
Items seeing the same content form a group (:mod:`services.review_groups`, reached as
:attr:`ReviewService.groups`) that one decision (:meth:`ReviewService.decide_items`) covers.

Example::

    reviews = ReviewService(SqlReviewStore(engine), bank_store)
    item, created = reviews.create(NewReviewItem("scan", "media_match", "scan:1:42", now, ...))
    reviews.decide(item.id, "dismiss", user, "a holiday photo", allowlist="allow")
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from rempart.core.banks import (
    BankEntry,
    BankKind,
    EntryStatus,
    EntryTrust,
    Provenance,
    entry_action,
    moderator_withdrawal,
)
from rempart.core.signals import vpdq
from rempart.core.types import MediaHashes
from rempart.core.workflow import DECIDING_ROLES
from rempart.services.banks import add_signal, get_bank
from rempart.services.errors import InvalidArgument, RempartError
from rempart.services.notices import MAX_PAGE, MAX_REASON, NotAllowed
from rempart.services.users import Actor
from rempart.store.interface import BankStore
from rempart.store.pages import Page
from rempart.store.reviews import Closing, ReviewStore
from rempart.store.reviews import NewReviewItem as NewReviewItem
from rempart.store.reviews import ReviewItem as ReviewItem
from rempart.store.rows import utc_now
from rempart.store.users import UserRecord

if TYPE_CHECKING:
    from rempart.services.review_groups import ReviewGroups

DECISIONS = ("confirm", "dismiss", "withdraw")
ENTRY_ACTIONS = ("confirm", "hold", "release", "withdraw")
KINDS = ("media_match", "text_flag", "entry_hold", "dup_registration")
QUERY_FRAMES_LIMIT = 1000  # a video's vPDQ kept as a query signal up to this many frames
_KEY_MAX = 200  # review_items.dedup_key


def query_signals(hashes: MediaHashes) -> tuple[dict[str, str], ...]:
    """The signals of seen media that an allowlist would hold (``signal_type``, ``value``).

    >>> from rempart.core.types import PdqHash
    >>> [s["signal_type"] for s in query_signals(MediaHashes(
    ...     "image", "a" * 32, "b" * 64, 10, pdq=PdqHash("c" * 64, 90)))]
    ['pdq', 'md5', 'sha256']
    """
    out: list[dict[str, str]] = []
    if hashes.pdq is not None:
        out.append({"signal_type": "pdq", "value": hashes.pdq.hash})
    if hashes.vpdq and len(hashes.vpdq) <= QUERY_FRAMES_LIMIT:
        out.append({"signal_type": "vpdq", "value": vpdq.serialize(hashes.vpdq)})
    out += [{"signal_type": "md5", "value": hashes.md5},
            {"signal_type": "sha256", "value": hashes.sha256}]
    return tuple(s for s in out if s["value"])


def review_key(*parts: object) -> str:
    """A review item's ``dedup_key`` from its parts; a long one is shortened by a digest.

    >>> review_key("api", 7, "ab")
    'api:7:ab'
    """
    key = ":".join(str(p) for p in parts)
    if len(key) <= _KEY_MAX:
        return key
    return f"{parts[0]}:{hashlib.sha256(key.encode()).hexdigest()}"


def match_review_item(
    source: str, dedup_key: str, match: Mapping[str, Any], *,
    location: Mapping[str, Any], signals: Sequence[Mapping[str, str]],
    evidence: Mapping[str, Any] | None = None, at: datetime | None = None,
) -> NewReviewItem:
    """The review item of one described match (:meth:`MatchService.match_query`): where it was
    seen, what matched, and the seen file's own ``signals`` (so that dismissing can
    allowlist it)."""
    return NewReviewItem(
        source, "media_match", dedup_key, at or datetime.now(UTC), bank=match.get("bank"),
        entry_id=match.get("entry"), content_group=match.get("content_group"),
        signal=match.get("signal"), distance=match.get("distance"),
        labels=tuple(match.get("labels") or ()), location=dict(location),
        evidence={"match": dict(match), "query_signals": [dict(x) for x in signals],
                  **(evidence or {})})



class ReviewNotFound(RempartError):
    """No review item has this id."""


class ReviewClosed(RempartError):
    """The item was already decided."""


@dataclass(frozen=True, slots=True)
class Evidence:
    """An item with what a reviewer needs: the matched entry's provenance (never media)."""

    item: ReviewItem
    entry: BankEntry | None
    decided_by: str | None

    @property
    def provenance(self) -> Provenance | None:
        return self.entry.provenance if self.entry else None

    @property
    def query_signals(self) -> list[dict[str, Any]]:
        """The signals of the content that was seen (what an allowlist would hold)."""
        return seen_signals(self.item)


def seen_signals(item: ReviewItem) -> list[dict[str, Any]]:
    """The signals of the file an item saw (``evidence.query_signals``), well-formed only."""
    found = item.new.evidence.get("query_signals") or []
    return [s for s in found if isinstance(s, dict) and s.get("signal_type") and s.get("value")]


def _one_per_group(entries: Sequence[BankEntry]) -> list[BankEntry]:
    """One entry per content group (confirming or withdrawing one covers its group)."""
    return list({e.content_group: e for e in reversed(entries)}.values())


class ReviewService:
    """Create, list and decide review items."""

    def __init__(self, store: ReviewStore, banks: BankStore,
                 users: Callable[[int], UserRecord | None] | None = None,
                 clock: Callable[[], datetime] = utc_now) -> None:
        self.store = store
        self.banks = banks
        self.users = users
        self.clock = clock

    @property
    def groups(self) -> ReviewGroups:
        """The queue by content (:mod:`services.review_groups`)."""
        from rempart.services.review_groups import ReviewGroups  # it builds on this module

        return ReviewGroups(self)

    def allowlists(self) -> list[str]:
        """Names of the allowlist banks a dismissal may add the seen signals to."""
        return [b.name for b in self.banks.list_banks() if b.kind is BankKind.ALLOWLIST]

    def create(self, new: NewReviewItem) -> tuple[ReviewItem, bool]:
        """Queue an item unless its ``dedup_key`` is known; returns it and whether it is new."""
        if new.kind not in KINDS:
            raise InvalidArgument(f"unknown review kind {new.kind!r} (known: {', '.join(KINDS)})")
        if not new.dedup_key or len(new.dedup_key) > 200:
            raise InvalidArgument("a review item needs a dedup_key of 1 to 200 characters")
        return self.store.create(new)

    def list(self, status: str | None = "open", limit: int = 50,
             offset: int = 0) -> Page[ReviewItem]:
        """Items of ``status`` (None: all), oldest first."""
        if not 1 <= limit <= MAX_PAGE or offset < 0:
            raise InvalidArgument(f"limit is 1 to {MAX_PAGE} and offset at least 0")
        return self.store.list(status, limit, offset)

    def summary(self) -> tuple[int, datetime | None]:
        """How many items await review and when the oldest arrived."""
        return self.store.open_summary()

    def evidence(self, item_id: int) -> Evidence:
        """One item with its bank entry and the name of who decided it."""
        item = self.store.get(item_id)
        if item is None:
            raise ReviewNotFound(f"no review item {item_id}")
        entry = self.banks.get_entry(item.new.entry_id) if item.new.entry_id else None
        who = None
        if item.decided_by is not None and self.users is not None:
            user = self.users(item.decided_by)
            who = user.username if user else None
        return Evidence(item, entry, who)

    def decide(self, item_id: int, decision: str, user: UserRecord, reason: str,
               allowlist: str | None = None, *, whole_case: bool = False) -> ReviewItem:
        """Confirm (the entry's action is recorded; an unconfirmed item, or its whole case,
        becomes confirmed), dismiss or withdraw (optionally allowlisting the query's signals).
        ``user`` must be an admin or a moderator."""
        check_decider(user, reason)
        item = self.evidence(item_id).item
        if item.status != "open":
            raise ReviewClosed(f"review item {item_id} was already {item.status}")
        done = self.decide_items([item], decision, user, reason, allowlist,
                                 whole_case=whole_case)
        if not done:
            raise ReviewClosed(f"review item {item_id} was decided meanwhile")
        return done[0]

    def decide_items(self, items: Sequence[ReviewItem], decision: str, user: UserRecord,
                     reason: str, allowlist: str | None = None, *, whole_case: bool = False,
                     group: str | None = None) -> Sequence[ReviewItem]:
        """One decision on open items of the same content (a group): the bank is changed once
        (entries confirmed or withdrawn, the seen files' distinct signals allowlisted), then
        every item still open is closed with its own audit event, in one transaction. Returns
        the items closed (those decided meanwhile are left out)."""
        check_decider(user, reason)
        if decision not in DECISIONS:
            raise InvalidArgument(f"decision is one of {', '.join(DECISIONS)}")
        entries = {i: self.banks.get_entry(i) for i in {x.new.entry_id for x in items} if i}
        found = [e for e in entries.values() if e is not None]
        if decision == "withdraw" and (not found or any(
                entries.get(x.new.entry_id or 0) is None for x in items)):
            raise InvalidArgument("this item matched no bank entry to withdraw")
        shared: dict[str, Any] = {} if group is None else {"group": group}
        recorded = "dismiss"
        if decision != "confirm" and allowlist:
            shared["allowlisted"] = self._allowlist(items, allowlist, user, group)
            shared["allowlist"] = allowlist
            recorded = "dismiss:allowlist"
        if decision == "confirm":
            shared["confirmed_entries"] = sum(self._confirm(e, whole_case)
                                              for e in _one_per_group(found))
        elif decision == "withdraw":
            why = f"review group {group}" if group else f"review {items[0].id}"
            shared["withdrawn"] = sum(self._withdraw(e, why, user)
                                      for e in _one_per_group(found))
            recorded = "dismiss:withdraw"
        now = self.clock()
        actor = Actor("user", user.username)
        closings = []
        for x in items:
            details: dict[str, Any] = {"bank": x.new.bank, "kind": x.new.kind, **shared}
            status, taken = "dismissed", recorded
            if decision == "confirm":
                action = self._policy(x, entries.get(x.new.entry_id or 0))
                status, taken = "confirmed", f"confirm:{action}"
                details["action"] = action
            closings.append(Closing(x.id, status, taken, actor.entry(
                now, f"review.{decision}", "review_item", str(x.id), **details)))
        return self.store.decide_many(closings, user.id, reason, now)

    def act_on_entry(self, entry_id: int, action: str, user: UserRecord, reason: str) -> int:
        """Confirm, hold, release or withdraw a bank item (every signal of the entry's content
        group) from the console; returns how many entries changed."""
        check_decider(user, reason)
        if action not in ENTRY_ACTIONS:
            raise InvalidArgument(f"action is one of {', '.join(ENTRY_ACTIONS)}")
        entry = self.banks.get_entry(entry_id)
        if entry is None or entry.status is EntryStatus.REMOVED:
            raise InvalidArgument(f"no live bank entry {entry_id}")
        group = self._group(entry)
        if action == "confirm":
            changed = self._confirm(entry, False)
        elif action == "withdraw":
            changed = self._withdraw(entry, f"console: {reason.strip()[:200]}", user)
        else:
            status = EntryStatus.ON_HOLD if action == "hold" else EntryStatus.ACTIVE
            changed = self.banks.set_entry_status(group, status)
        self.store.log(Actor("user", user.username).entry(
            self.clock(), f"bank_entry.{action}", "bank_entry", str(entry_id),
            changed=changed, content_group=entry.content_group, reason=reason.strip()))
        return changed

    def _group(self, entry: BankEntry) -> Sequence[int]:
        return [e.id for e in self.banks.entries_in_group(entry.content_group)
                if e.status is not EntryStatus.REMOVED]

    def _confirm(self, entry: BankEntry, whole_case: bool) -> int:
        """Confirm an unconfirmed item (or every item of its case); returns entries changed."""
        if entry.trust is not EntryTrust.UNCONFIRMED:
            return 0
        ids = self._group(entry)
        if whole_case and entry.provenance.case_id:
            ids = [e.id for e in self.banks.case_entries(entry.provenance.case_id)
                   if e.status is not EntryStatus.REMOVED]
        return self.banks.set_entry_trust(ids, EntryTrust.CONFIRMED)

    def _withdraw(self, entry: BankEntry, why: str, user: UserRecord) -> int:
        return self.banks.remove_entries(self._group(entry),
                                         moderator_withdrawal(user.username, why))

    def _policy(self, item: ReviewItem, entry: BankEntry | None = None) -> str:
        """What the matched entry asks for once confirmed; ``review`` when unknown."""
        if item.new.bank:
            bank = self.banks.get_bank(item.new.bank)
            if bank is not None:
                trust = EntryTrust.CONFIRMED if entry is not None and (
                    entry.trust is EntryTrust.UNCONFIRMED) else (
                    entry.trust if entry is not None else EntryTrust.BANK)
                return entry_action(bank.policy.value, trust.value, False)
        return "review"

    def _allowlist(self, items: Sequence[ReviewItem], name: str, user: UserRecord,
                   group: str | None) -> int:
        bank = get_bank(self.banks, name)
        if bank.kind is not BankKind.ALLOWLIST:
            raise InvalidArgument(f"bank {name!r} is not an allowlist")
        signals = list(dict.fromkeys(
            (str(s["signal_type"]), str(s["value"])) for x in items for s in seen_signals(x)))
        if not signals:
            raise InvalidArgument("this item carries no signal of the seen content to allowlist")
        ref = f"group:{group}" if group else str(items[0].id)
        provenance = Provenance(source=f"review:{ref}", submitted_at=self.clock(),
                                case_id=f"review-{ref.replace(':', '-')}",
                                metadata={"dismissed_by": user.username})
        for signal_type, value in signals:
            add_signal(self.banks, name, signal_type, value, provenance)
        return len(signals)

def check_decider(user: UserRecord, reason: str) -> None:
    """NotAllowed unless ``user`` may decide (an active admin or moderator); InvalidArgument
    without a reason of 1 to :data:`MAX_REASON` characters."""
    if user.disabled or user.role not in DECIDING_ROLES:
        raise NotAllowed(f"{user.username!r} may not decide review items")
    if not reason.strip() or len(reason) > MAX_REASON:
        raise InvalidArgument(f"say why in 1 to {MAX_REASON} characters")
