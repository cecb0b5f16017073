"""The victim's evidence package: confirmed sightings only, with what a complaint needs.

A case is opened by anyone who posts signals of an image, so whoever holds a case number and
its secret may not be the person shown: the package must not help a stalker find who posted a
picture. It is therefore a separate, typed view built field by field (``victim_sighting`` is
the allowlist), never the moderators' ``ModeratorEvidence`` with fields removed: a field added
to the moderators' package does not reach her.

- A **sighting** is one message (or scanned file) where one of the case's contents was seen,
  by a scan or by a group's bot. It is **confirmed** when a moderator decided a media-match
  review item about that content in that message as a true match (status ``confirmed``, a
  ``confirm:<action>`` decision); **dismissed** when every such item was dismissed; otherwise
  (open items, or none raised yet) it is **under review**. ``sighting_state`` is that rule,
  used by this package and by the case page (``services.cases``).
- A confirmed sighting shows: platform, chat title (not for one-to-one chats, whose title is a
  person's name), the chat's public link (``https://t.me/<username>``, only when the message
  link is public), the message link, the date (UTC and Paris), and for each match the number
  of her registered item, the bank, the signal and the distance.
- Unconfirmed sightings are only counted (``awaiting_review``); dismissed ones not at all.
- Never: sender or forwarder names, ids or usernames, chat ids, message texts, neighbouring
  messages, export paths, the seen file's hash, text labels, other contents' matches.

Example::

    >>> sighting_state(["open", "confirmed"]), sighting_state([]), sighting_state(["dismissed"])
    ('confirmed', 'under_review', 'dismissed')
    >>> public_chat_link("https://t.me/somechannel/20"), public_chat_link("https://t.me/c/1/2")
    ('https://t.me/somechannel', None)
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from rempart import __version__
from rempart.core.evidence import (
    Audience,
    Dated,
    RegisteredItem,
    SuggestedOffence,
    TimelineEntry,
    offence_reasons,
    suggested_offences,
)
from rempart.core.evidence_json import package_fields
from rempart.core.evidence_law import Language

VICTIM_SCHEMA = "rempart.evidence.victim/1"
SightingState = Literal["confirmed", "under_review", "dismissed"]
CONFIRMED: SightingState = "confirmed"
# Export chat types whose "title" is a person's name (the other side of a one-to-one chat).
PERSONAL_CHAT_TYPES = frozenset({"personal_chat", "bot_chat", "saved_messages", "private"})
_PUBLIC_MESSAGE = re.compile(r"^https://t\.me/(?!c/)([A-Za-z][A-Za-z0-9_]{3,31})/\d+$")


def sighting_state(review_statuses: Iterable[str]) -> SightingState:
    """The state of one sighting from the statuses of the review items about it (same
    content, same message): confirmed > under review > dismissed; no item: under review."""
    statuses = set(review_statuses)
    if "confirmed" in statuses:
        return "confirmed"
    if statuses and statuses <= {"dismissed"}:
        return "dismissed"
    return "under_review"


def public_chat_link(message_link: str | None) -> str | None:
    """``https://t.me/<username>`` when ``message_link`` is a public message's, else None."""
    found = _PUBLIC_MESSAGE.match(message_link or "")
    return f"https://t.me/{found.group(1)}" if found else None


def _one_to_one(entry: TimelineEntry) -> bool:
    """A private chat between two people: the export's type, or a positive Bot API chat id
    (groups and channels are negative there; exports store every id positive)."""
    if entry.chat_type is not None:
        return entry.chat_type in PERSONAL_CHAT_TYPES
    return entry.origin != "scan" and entry.chat_id is not None and entry.chat_id > 0


@dataclass(frozen=True, slots=True)
class VictimMatch:
    """Which of her registered items matched (its number), in which bank, how close."""

    item: int | None
    bank: str
    signal: str
    distance: int


@dataclass(frozen=True, slots=True)
class VictimSighting(Dated):
    """A confirmed sighting as the victim's package shows it (the whole allowlist)."""

    ref: str  # F-<finding id> or R-<review item id>: how the operator finds the full record
    origin: str  # scan, bot, api
    platform: str | None
    chat_title: str | None
    chat_link: str | None
    message_link: str | None
    date_utc: str | None
    date_is_local: bool
    matches: tuple[VictimMatch, ...]


def victim_sighting(entry: TimelineEntry, items: Mapping[str, int]) -> VictimSighting:
    """The allowlisted fields of a confirmed entry; ``items`` maps her content groups to her
    item numbers (matches of other contents are left out)."""
    matches = tuple(VictimMatch(items[m.content_group], m.bank, m.signal, m.distance)
                    for m in entry.matches if m.content_group is not None
                    and m.content_group in items)
    return VictimSighting(
        ref=entry.ref, origin=entry.origin, platform=entry.platform,
        chat_title=None if _one_to_one(entry) else entry.chat_name,
        chat_link=public_chat_link(entry.link), message_link=entry.link,
        date_utc=entry.date_utc, date_is_local=entry.date_is_local, matches=matches)


@dataclass(frozen=True, slots=True)
class VictimEvidence:
    """The package a case holder downloads: her registered items, the confirmed sightings,
    how many possible sightings await review, and the legal guidance."""

    reference: str
    language: Language
    generated_at: datetime
    case_number: str
    sightings: tuple[VictimSighting, ...]
    awaiting_review: int = 0
    registered: tuple[RegisteredItem, ...] = ()
    # Computed from the confirmed sightings' full records (matches, labels, places), so the
    # offences are suggested without the records themselves being kept here.
    offence_reasons: frozenset[str] = frozenset()
    tool: str = field(default=f"rempart {__version__}")

    @property
    def audience(self) -> Audience:
        return Audience("victim_case", self.case_number)

    @property
    def entries(self) -> tuple[VictimSighting, ...]:
        return self.sightings

    @property
    def offences(self) -> tuple[SuggestedOffence, ...]:
        return suggested_offences(self.offence_reasons)


def victim_evidence(case_number: str, language: Language, at: datetime,
                    confirmed: Sequence[TimelineEntry], awaiting_review: int,
                    registered: Sequence[RegisteredItem],
                    items: Mapping[str, int]) -> VictimEvidence:
    """Her package from the full records of the confirmed sightings (kept in their order)."""
    return VictimEvidence(
        case_number, language, at, case_number,
        tuple(victim_sighting(e, items) for e in confirmed), awaiting_review,
        tuple(registered), frozenset(offence_reasons(confirmed)))


def _sighting_json(s: VictimSighting) -> dict[str, Any]:
    return {"ref": s.ref, "origin": s.origin, "platform": s.platform,
            "chat": {"title": s.chat_title, "public_link": s.chat_link},
            "message_link": s.message_link, "date": s.date_json(),
            "matches": [{"item": m.item, "bank": m.bank, "signal": m.signal,
                         "distance": m.distance} for m in s.matches]}


def victim_json(pkg: VictimEvidence) -> dict[str, Any]:
    """Her package as a JSON-ready dict (schema ``rempart.evidence.victim/1``)."""
    audience = {"kind": "victim_case", "case_number": pkg.case_number}
    return package_fields(VICTIM_SCHEMA, pkg, audience, {
        "confirmed_sightings": [_sighting_json(s) for s in pkg.sightings],
        "awaiting_review": pkg.awaiting_review,
    })


def best_state(states: Collection[SightingState]) -> SightingState:
    """One message's state from its contents' states (confirmed > under review > dismissed)."""
    return sighting_state("open" if s == "under_review" else s for s in states)
