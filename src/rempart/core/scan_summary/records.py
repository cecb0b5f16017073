"""The records of a scan summary: what a report reads (all frozen, JSON-ready via ``to_json``).

Example::

    >>> Totals(1, 1, 1, 1, 1, 0, {}, {}, {}, 1, 1, None, None).chats
    1
"""

from __future__ import annotations

from dataclasses import dataclass, fields, is_dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Sighting:
    """One message carrying a banked content."""

    chat_key: str
    chat_name: str
    date_utc: str | None
    date_is_local: bool
    message_id: int | None
    link: str | None
    sender: str | None
    forwarded_from: str | None
    signal: str
    distance: int
    path: str | None


@dataclass(frozen=True, slots=True)
class ChatPresence:
    """A banked content in one chat: when first and last seen, and how long after it was first
    seen anywhere (``delay_seconds``; ``None`` when undated, 0 for the chat where it started)."""

    chat_key: str
    chat_name: str
    first_seen: str | None
    last_seen: str | None
    sightings: int
    delay_seconds: float | None


@dataclass(frozen=True, slots=True)
class ContentTimeline:
    """Where one banked content (bank + content group) circulated, in date order.

    ``sightings`` holds the first sighting in every chat and the earliest others up to the cap;
    ``omitted`` counts the rest.
    """

    bank: str
    content_group: str
    entries: tuple[int, ...]
    labels: tuple[str, ...]
    policy: str
    first_seen: str | None
    last_seen: str | None
    total_sightings: int
    chats: tuple[ChatPresence, ...]
    sightings: tuple[Sighting, ...]
    omitted: int


@dataclass(frozen=True, slots=True)
class FlaggedSpan:
    """``text_excerpt[start:end]`` explains ``label``."""

    start: int
    end: int
    label: str
    reason: str


@dataclass(frozen=True, slots=True)
class Solicitation:
    """A message whose text the classifier labelled."""

    chat_key: str
    chat_name: str
    message_id: int | None
    date_utc: str | None
    date_is_local: bool
    sender: str | None
    link: str | None
    labels: tuple[str, ...]
    scores: dict[str, float]
    spans: tuple[FlaggedSpan, ...]
    text_excerpt: str | None


@dataclass(frozen=True, slots=True)
class GraphNode:
    """A chat of the scan (``kind="chat"``) or an advertised target outside it."""

    id: str
    label: str
    kind: str
    chat_key: str | None
    url: str | None


@dataclass(frozen=True, slots=True)
class GraphEdge:
    """``source`` advertises ``target`` in ``count`` links."""

    source: str
    target: str
    count: int
    kinds: tuple[str, ...]
    first_seen: str | None
    last_seen: str | None


@dataclass(frozen=True, slots=True)
class LinkGraph:
    """Which chat advertises which group."""

    nodes: tuple[GraphNode, ...]
    edges: tuple[GraphEdge, ...]


@dataclass(frozen=True, slots=True)
class ChatRisk:
    """One chat's findings, its score, the points behind it and the reasons in plain words."""

    rank: int
    chat_key: str
    name: str
    chat_type: str | None
    platform: str
    chat_id: int | None
    username: str | None
    messages_with_findings: int
    matched_messages: int
    banked_contents: int
    originated_contents: int
    fast_arrivals: int
    solicitation_messages: int
    solicitations: dict[str, int]
    links_out: int
    groups_advertised: int
    distinct_senders: int
    forwarded_share: float | None
    median_arrival_seconds: float | None
    first_seen: str | None
    last_seen: str | None
    dates_local: bool
    score: float
    components: dict[str, float]
    reasons: tuple[str, ...]
    ranking_reason: str


@dataclass(frozen=True, slots=True)
class Totals:
    """Counts over the whole scan; ``first_seen``/``last_seen`` span harmful findings."""

    findings: int
    messages_with_findings: int
    matched_messages: int
    match_records: int
    banked_contents: int
    solicitation_messages: int
    solicitations: dict[str, int]
    links_by_kind: dict[str, int]
    media_errors: dict[str, int]
    chats: int
    chats_with_matches: int
    first_seen: str | None
    last_seen: str | None


@dataclass(frozen=True, slots=True)
class ScanSummary:
    """Everything a report needs; chats are ranked (report the first one first)."""

    scan_ids: tuple[str, ...]
    totals: Totals
    chats: tuple[ChatRisk, ...]
    timelines: tuple[ContentTimeline, ...]
    graph: LinkGraph
    solicitations: tuple[Solicitation, ...]
    limits: dict[str, int]

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (the ``{"summary": ...}`` line of ``rempart scan --jsonl``)."""
        out = _plain(self)
        assert isinstance(out, dict)
        return out


def _plain(obj: Any) -> Any:
    if is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: _plain(getattr(obj, f.name)) for f in fields(obj)}
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (tuple, list)):
        return [_plain(v) for v in obj]
    return obj
