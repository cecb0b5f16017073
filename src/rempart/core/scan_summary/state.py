"""The summarizer's bounded running state: per chat and per banked content.

Example::

    >>> ChatState("telegram:1", "Groupe", "supergroup", "telegram", 1).matched
    0
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from rempart.core.scan_summary.dates import When
from rempart.core.scan_summary.records import Sighting, Solicitation


class Presence:
    """A banked content in one chat so far: first and last instants, first sighting, count."""

    __slots__ = ("count", "first", "first_seq", "first_sighting", "last")

    def __init__(self, when: When, seq: int, sighting: Sighting) -> None:
        self.first = self.last = when
        self.first_seq, self.first_sighting, self.count = seq, sighting, 0


@dataclass(slots=True)
class ContentState:
    """One banked content (bank + content group) so far."""

    bank: str
    group: str
    entries: set[int] = field(default_factory=set)
    labels: set[str] = field(default_factory=set)
    policy: str = "alert"
    total: int = 0
    per_chat: dict[str, Presence] = field(default_factory=dict)
    heap: list[tuple[float, int, Sighting]] = field(default_factory=list)  # max-heap, negated


@dataclass(slots=True)
class EdgeState:
    """Links from one chat to one target so far."""

    count: int = 0
    kinds: set[str] = field(default_factory=set)
    first: When | None = None
    last: When | None = None


@dataclass(slots=True)
class ChatState:
    """One chat's counters, capped examples, advertised targets and senders so far."""

    key: str
    name: str
    chat_type: str | None
    platform: str
    chat_id: int | None
    username: str | None = None
    messages: int = 0
    matched: int = 0
    forwarded: int = 0
    solicitation_messages: int = 0
    solicitations: Counter[str] = field(default_factory=Counter)
    examples: list[tuple[float, int, Solicitation]] = field(default_factory=list)
    targets: dict[tuple[str, str], EdgeState] = field(default_factory=dict)
    mentions: dict[tuple[str, str], EdgeState] = field(default_factory=dict)
    senders: set[str] = field(default_factory=set)
    first: When | None = None
    last: When | None = None
    dates_local: bool = False
