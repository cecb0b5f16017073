"""What a query matched: one match per bank entry (the closest signal kept), in order of
distance, and the allowlist rule (a match in an ``allowlist`` bank suppresses every other
bank's match for that query).

Example::

    >>> hit = SignalMatch(1, "demo", "moderator", "block", 10, "pdq", 4)
    >>> exact = SignalMatch(1, "demo", "moderator", "block", 10, "md5", 0)
    >>> [(m.entry_id, m.signal) for m in outcome_of([hit, exact]).matches]
    [(10, 'md5')]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rempart.core.banks import EntryTrust, entry_action
from rempart.core.types import Signal

# Between two signals of one entry at the same distance: exact, then PDQ/vPDQ, then ORB.
SIGNAL_RANK: dict[str, int] = {Signal.SHA256: 0, Signal.MD5: 0, Signal.PDQ: 1, Signal.VPDQ: 1,
                               Signal.ORB: 2}

__all__ = ["SIGNAL_RANK", "MatchOutcome", "SignalMatch", "outcome_of"]


@dataclass(frozen=True, slots=True)
class SignalMatch:
    """One bank entry matched by a query."""

    bank_id: int
    bank: str
    bank_kind: str
    policy: str
    entry_id: int
    signal: str
    distance: int
    on_hold: bool = False
    detail: dict[str, Any] = field(default_factory=dict)
    trust: str = EntryTrust.BANK.value

    @property
    def action(self) -> str:
        """What the match asks for: the bank's policy, weighed by the entry's trust and hold."""
        return entry_action(self.policy, self.trust, self.on_hold)


@dataclass(frozen=True, slots=True)
class MatchOutcome:
    """Matches to report, and the allowlist matches that suppressed others (if any)."""

    matches: tuple[SignalMatch, ...]
    allowlisted: tuple[SignalMatch, ...] = ()
    suppressed_matches: tuple[SignalMatch, ...] = ()

    @property
    def suppressed(self) -> int:
        """How many entries' matches the allowlist suppressed."""
        return len(self.suppressed_matches)


def outcome_of(found: list[SignalMatch]) -> MatchOutcome:
    """The closest match of each entry, nearest first; only the allowlist's when it has one."""
    best: dict[int, SignalMatch] = {}
    for m in found:
        cur = best.get(m.entry_id)
        if cur is None or (m.distance, SIGNAL_RANK[m.signal]) < (
            cur.distance,
            SIGNAL_RANK[cur.signal],
        ):
            best[m.entry_id] = m
    ordered = sorted(best.values(), key=lambda m: (m.distance, SIGNAL_RANK[m.signal], m.entry_id))
    allow = tuple(m for m in ordered if m.bank_kind == "allowlist")
    if allow:
        others = tuple(m for m in ordered if m.bank_kind != "allowlist")
        return MatchOutcome((), allow, others)
    return MatchOutcome(tuple(ordered))
