"""The moderators' evidence package and the pieces both packages share.

An evidence package is what is brought to a police station or a lawyer. It comes in two typed
views: ``ModeratorEvidence`` (here: every fact stored about each finding, for moderators,
admins and operators) and ``VictimEvidence`` (``core.evidence_victim``: confirmed sightings
only, with what a complaint needs and nothing about third parties). A moderators' package holds
who asked for it, a timeline of findings (platform, chat, message link, date in UTC and Paris
time, sender, text and neighbouring messages when known, hashes and matches), the suggested
offences, where to file, a constat checklist and how to verify. Never an image: only hashes,
links and text. Its JSON form is versioned (``"schema": "rempart.evidence/1"``) and HTML-inert
(``<``, ``>`` and ``&`` are written as ``\\u003c``… so that pasting it into a page cannot run
anything).

Example::

    >>> e = timeline_entry(7, {"source": {"platform": "telegram", "chat_id": -1001,
    ...     "message_id": 5, "date_utc": "2026-01-15T13:00:00Z"}, "matches": []})
    >>> e.paris_time
    '2026-01-15 14:00:00 (UTC+01:00)'
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from rempart import __version__
from rempart.core.evidence_law import (
    OFFENCES,
    Language,
    Offence,
)

SCHEMA = "rempart.evidence/1"
PARIS = ZoneInfo("Europe/Paris")
NEIGHBOUR_SPAN = 5  # messages before and after, when the scan stored them
# victim_case: the victim's own package (``VictimEvidence``); selection: findings a moderator
# chose; case: a case's sightings for moderators (both ``ModeratorEvidence``).
AudienceKind = Literal["victim_case", "selection", "case"]
_CHILD_LABELS = frozenset({"minor", "child_exploitation", "csam", "escalate"})
_DEEPFAKE_LABELS = frozenset({"deepfake", "synthetic", "ai_generated"})


def moment_of(date_utc: str | None, date_is_local: bool) -> datetime | None:
    """The UTC instant of a stored date; None when undated, unreadable or in the exporting
    machine's local time (no offset)."""
    if not date_utc or date_is_local:
        return None
    try:
        parsed = datetime.fromisoformat(date_utc.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None
    return parsed.astimezone(UTC)


class Dated:
    """A dated fact (``date_utc`` as stored, ``date_is_local``) shown in UTC and Paris time."""

    __slots__ = ()
    date_utc: str | None
    date_is_local: bool

    @property
    def moment(self) -> datetime | None:
        """The UTC instant, or None when undated or in the exporting machine's local time."""
        return moment_of(self.date_utc, self.date_is_local)

    @property
    def utc_time(self) -> str | None:
        moment = self.moment
        return None if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S UTC")

    @property
    def paris_time(self) -> str | None:
        moment = self.moment
        if moment is None:
            return None
        local = moment.astimezone(PARIS)
        offset = local.strftime("%z")
        return f"{local:%Y-%m-%d %H:%M:%S} (UTC{offset[:3]}:{offset[3:]})"

    def date_json(self) -> dict[str, Any]:
        """The date as stored, in UTC, in Paris time, and whether it is the exporter's own."""
        return {"as_stored": self.date_utc, "utc": self.utc_time,
                "europe_paris": self.paris_time, "exporter_local_time": self.date_is_local}


@dataclass(frozen=True, slots=True)
class Neighbour:
    """A message next to a finding's, known because the scan stored it too."""

    message_id: int | None
    date_utc: str | None
    sender_name: str | None
    sender_id: str | None
    text: str | None


@dataclass(frozen=True, slots=True)
class MatchFacts:
    """A bank item the finding's media matched, and how close (bits of PDQ, 0 when exact)."""

    bank: str
    signal: str
    distance: int
    content_group: str | None
    labels: tuple[str, ...] = ()
    bank_kind: str | None = None


@dataclass(frozen=True, slots=True)
class TimelineEntry(Dated):
    """One finding as the moderators' package shows it; ``neighbours`` is None when not known.
    ``review`` is the sighting's state in a case package (``core.evidence_victim``), None in a
    selection of findings."""

    finding_id: int | None
    scan_id: str | None
    platform: str | None
    chat_name: str | None
    chat_type: str | None
    chat_id: int | None
    message_id: int | None
    link: str | None
    date_utc: str | None
    date_is_local: bool
    sender_name: str | None
    sender_id: str | None
    forwarded_from: str | None
    text: str | None
    neighbours: tuple[Neighbour, ...] | None
    media_kind: str | None
    media_path: str | None
    media_sha256: str | None
    media_problem: str | None
    matches: tuple[MatchFacts, ...]
    text_labels: tuple[str, ...]
    links: tuple[str, ...]
    origin: str = "scan"  # scan (a stored finding) or the review item's source (bot, api)
    review_id: int | None = None
    review: str | None = None

    @property
    def ref(self) -> str:
        """``F-<finding id>`` for a scan finding, ``R-<review item id>`` for a detection."""
        if self.review_id is not None:
            return f"R-{self.review_id}"
        return f"F-{self.finding_id}" if self.finding_id is not None else "F-?"


@dataclass(frozen=True, slots=True)
class RegisteredItem:
    """An image the victim registered: its number, dates and signals (from her own device)."""

    number: int
    registered_at: datetime
    withdrawn_at: datetime | None
    sha256: str | None
    md5: str | None
    pdq: str | None


@dataclass(frozen=True, slots=True)
class Audience:
    """Who the package is for: a victim's case (her own package), or moderators (a selection
    of findings, or a case's sightings)."""

    kind: AudienceKind
    case_number: str | None = None
    requested_by: str | None = None


@dataclass(frozen=True, slots=True)
class SuggestedOffence:
    offence: Offence
    suggested: bool
    reasons: tuple[str, ...]


def suggested_offences(reasons: Collection[str]) -> tuple[SuggestedOffence, ...]:
    """Every offence, marked suggested when one of ``reasons`` triggers it."""
    return tuple(SuggestedOffence(o, bool(o.triggers & set(reasons)),
                                  tuple(sorted(o.triggers & set(reasons)))) for o in OFFENCES)


@dataclass(frozen=True, slots=True)
class ModeratorEvidence:
    """The moderators' package: every stored fact of each finding (senders, texts, neighbours,
    export paths), for moderators, admins and operators only. Never give it to a case holder:
    she gets ``VictimEvidence``."""

    reference: str
    language: Language
    generated_at: datetime
    audience: Audience
    entries: tuple[TimelineEntry, ...]
    registered: tuple[RegisteredItem, ...] = ()
    tool: str = field(default=f"rempart {__version__}")

    @property
    def offences(self) -> tuple[SuggestedOffence, ...]:
        return suggested_offences(offence_reasons(self.entries))


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def neighbour(finding: Mapping[str, Any]) -> Neighbour:
    """A stored finding seen as a neighbouring message."""
    src = finding.get("source") or {}
    return Neighbour(_int(src.get("message_id")), _str(src.get("date_utc")),
                     _str(src.get("sender_name")), _str(src.get("sender_id")),
                     _str(finding.get("text_excerpt")))


def timeline_entry(finding_id: int | None, finding: Mapping[str, Any],
                   neighbours: Sequence[Neighbour] | None = None) -> TimelineEntry:
    """A stored finding (the ``rempart scan --jsonl`` record) as a timeline entry."""
    src = finding.get("source") or {}
    media = finding.get("media") or {}
    text = finding.get("text") or {}
    matches = tuple(
        MatchFacts(str(m.get("bank", "")), str(m.get("signal", "")), int(m.get("distance", 0)),
                   _str(m.get("content_group")), tuple(str(x) for x in m.get("labels") or ()),
                   _str(m.get("bank_kind")))
        for m in finding.get("matches") or ())
    return TimelineEntry(
        finding_id=finding_id, scan_id=_str(finding.get("scan_id")),
        platform=_str(src.get("platform")), chat_name=_str(src.get("chat_name")),
        chat_type=_str(src.get("chat_type")), chat_id=_int(src.get("chat_id")),
        message_id=_int(src.get("message_id")), link=_str(src.get("link")),
        date_utc=_str(src.get("date_utc")), date_is_local=bool(src.get("date_is_local")),
        sender_name=_str(src.get("sender_name")), sender_id=_str(src.get("sender_id")),
        forwarded_from=_str(src.get("forwarded_from")),
        text=_str(finding.get("text_excerpt")),
        neighbours=None if not neighbours else tuple(neighbours),
        media_kind=_str(media.get("media_kind") or media.get("kind")),
        media_path=_str(media.get("path")), media_sha256=_str(media.get("sha256")),
        media_problem=_str(media.get("error")), matches=matches,
        text_labels=tuple(str(x) for x in text.get("labels") or ()),
        links=tuple(str(x.get("url")) for x in finding.get("links") or () if x.get("url")),
    )


def review_entry(review_id: int, source: str, location: Mapping[str, Any],
                 evidence: Mapping[str, Any], match: Mapping[str, Any], text: str | None,
                 text_labels: Sequence[str]) -> TimelineEntry:
    """A review item (the bot's detection: its ``location`` and ``evidence``) as an entry."""
    sender, sender_chat = location.get("sender"), location.get("sender_chat")
    sender_id = f"user{sender}" if _int(sender) is not None else (
        _str(sender_chat) if sender_chat is not None else None)
    finding = {
        "source": {"platform": location.get("platform"), "chat_name": location.get("chat_title"),
                   "chat_id": location.get("chat"), "message_id": location.get("message"),
                   "date_utc": location.get("date"), "sender_id": sender_id,
                   "link": location.get("link")},
        "media": {"sha256": evidence.get("sha256")} if evidence.get("sha256") else None,
        "matches": [match], "text": {"labels": list(text_labels)}, "text_excerpt": text,
    }
    entry = timeline_entry(None, finding)
    return replace(entry, origin=source, review_id=review_id)


def sort_timeline(entries: Iterable[TimelineEntry]) -> tuple[TimelineEntry, ...]:
    """By UTC instant; then local-time and undated entries, each by finding id."""
    def key(e: TimelineEntry) -> tuple[int, str, int, int]:
        moment = e.moment
        rank = 0 if moment is not None else (1 if e.date_utc else 2)
        stamp = moment.isoformat() if moment is not None else (e.date_utc or "")
        return (rank, stamp, e.finding_id if e.finding_id is not None else -1,
                e.review_id if e.review_id is not None else -1)
    return tuple(sorted(entries, key=key))


def offence_reasons(entries: Iterable[TimelineEntry]) -> set[str]:
    """The signals found in the entries that make offences suggested."""
    reasons: set[str] = set()
    places: set[tuple[object, ...]] = set()
    for e in entries:
        labels = {label for m in e.matches for label in m.labels} | set(e.text_labels)
        if any(m.bank_kind == "victim" or "victim" in m.labels for m in e.matches):
            reasons.add("victim_match")
        if labels & _CHILD_LABELS or any(m.bank == "child-protection" for m in e.matches):
            reasons.add("minor")
        if labels & _DEEPFAKE_LABELS:
            reasons.add("deepfake")
        if {"ncii_request", "ncii_share"} & labels:
            reasons.add("ncii_text")
        if "doxxing" in labels:
            reasons.add("doxxing")
        places.add((e.chat_id, e.message_id) if e.chat_id is not None else (e.finding_id,))
    if len(places) >= 3:
        reasons.add("repeated")
    return reasons
