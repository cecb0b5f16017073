"""What a victim case's holder sees of it: counts, actions, notices and the public places
where a moderator confirmed her image.

- Counts: items registered and withdrawn, matches a moderator confirmed (by place type and by
  day, first and last seen; a case can be opened by anyone, so sightings not yet confirmed are
  only counted, as in the evidence package: see ``core.evidence_victim.sighting_state``),
  actions taken (removed by the bot; confirmed, under review or dismissed by a moderator) and
  the notices about the content (state and deadline only). Matches a moderator dismissed are
  not counted (they may be someone else's image).
- The only places named are public Telegram messages (``t.me/<username>/<id>``) where a
  moderator confirmed the person's own image: a link she can report herself. No chat id,
  private link, sender, text or reporter: nothing that would tell the person about someone
  else.
- An item another open case holds, not yet cleared by a moderator
  (``services.case_duplicates``), is shown like an item never seen.

Example::

    status = case_status(case, SqlCaseStore(engine), bank_store, SqlScanStore(engine))
    status.registered, status.matches, status.by_place       # 2, 1, {'channel': 1}
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Protocol

from rempart.core.evidence_victim import CONFIRMED, sighting_state
from rempart.core.types import Signal
from rempart.services.case_duplicates import DUPLICATE_KIND, hidden_groups
from rempart.store.cases import CaseItem, CaseRecord, NoticeTrace, ReviewTrace, SqlCaseStore
from rempart.store.interface import BankStore
from rempart.store.scan_interface import ContentSighting

ACTIONS = ("removed", "confirmed", "under_review", "dismissed")
MAX_PUBLIC_PLACES = 50
# Telegram: supergroups and channels have ids below -10^12, basic groups are negative.
_CHANNEL_ID = -1_000_000_000_000
# A public message link (a private one is t.me/c/<id>/<message>).
_PUBLIC_LINK = re.compile(r"^https://t\.me/(?!c/)[A-Za-z][A-Za-z0-9_]{3,31}/\d+$")

__all__ = ["ACTIONS", "CaseNotice", "CaseStatus", "ItemStatus", "PublicPlace",
           "SightingSource", "case_marker", "case_status", "hidden_items",
           "seen_at"]


class SightingSource(Protocol):
    """Where banked content was seen (``SqlScanStore`` has it)."""

    def sightings(self, content_group: str, *, limit: int = 1000) -> list[ContentSighting]: ...


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


def case_marker(case_number: str) -> str:
    """The ``location_text`` of the notices filed from a case (how the status finds them).

    >>> case_marker("VIC-2026-000001")
    'victim portal (/protect), case VIC-2026-000001'
    """
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


def hidden_items(cases: SqlCaseStore, items: Sequence[CaseItem]) -> set[str]:
    """Content groups of ``items`` flagged as another open case's image and not cleared by
    a moderator: no sighting of theirs is shown to the case (evidence package too)."""
    return hidden_groups(cases.review_states(DUPLICATE_KIND, [i.content_group for i in items]))


def case_status(case: CaseRecord, cases: SqlCaseStore, banks: BankStore,
                sightings: SightingSource | None) -> CaseStatus:
    """The status of ``case`` (whose secret the caller checked)."""
    case_items = cases.items(case.id)
    hidden = hidden_items(cases, case_items)
    # A flagged item looks like one never seen: none of its traces count anywhere.
    traces = [t for t in cases.reviews_of([i.content_group for i in case_items])
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
        places_of_item = ([] if item.content_group in hidden
                          else _places(item, mine, sightings))
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
                                item_dates[-1] if item_dates else None, _kind(banks, item)))
    dates.sort()
    marker = case_marker(case.case_number)
    notices = tuple(_case_notice(t, t.location_text == marker)
                    for t in cases.notices_of(marker, seen_where))
    return CaseStatus(case.case_number, case.status, case.minor, case.created_at,
                      case.closed_at, tuple(items), sum(i.matches for i in items),
                      dict(places), dict(sorted(days.items())),
                      dates[0] if dates else None, dates[-1] if dates else None,
                      _actions(traces), notices, _public_places(traces), awaiting)


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


def _kind(banks: BankStore, item: CaseItem) -> str:
    """``video`` (its last entry is a vPDQ), ``image`` (its second is a PDQ) or ``file``
    (exact hashes only)."""
    ids = item.entry_ids
    if len(ids) < 2:
        return "file"
    last = banks.get_entry(ids[-1])
    if last is not None and last.signal_type == Signal.VPDQ:
        return "video"
    second = banks.get_entry(ids[1])
    return "image" if second is not None and second.signal_type == Signal.PDQ else "file"


def _places(item: CaseItem, traces: Sequence[ReviewTrace],
            sightings: SightingSource | None) -> list[_Place]:
    """Where the item was seen: the scans' sightings and the review items (the bot's),
    one per message; messages whose every review was dismissed are left out."""
    found: dict[tuple[object, ...], _Place] = {}
    if sightings is not None:
        for s in sightings.sightings(item.content_group):
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
