"""What checking one media item gave, whatever brought it (the bot, a scan, the API, a CLI
lookup): a :class:`Verdict` holding typed :class:`Match` records.

A match names its bank entry, the signal that matched and its distance, the entry's labels and
provenance, and the action its bank's policy asks for once weighed by the entry's trust and hold
(``core.banks.entry_action``). Serialised, a match is the JSON object integrators read.

Example::

    >>> m = Match("demo", 7, "pdq", 12, "block", "block", "moderator", "bank")
    >>> v = Verdict("image", "ab" * 32, (m,), entries=(7,))
    >>> v.matched, v.to_json()["matches"][0]["entry"]
    (True, 7)
    >>> v.held({7}).matches[0].action
    'review'
    >>> Match.from_json(m.to_json()) == m
    True
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from rempart.core.banks import EntryTrust, entry_action

__all__ = ["Match", "Verdict", "VerdictStatus", "plain"]

# checked: hashed and matched; error: unreadable or undecodable; not_checked: refused before
# any work (too large, not a media format).
VerdictStatus = Literal["checked", "error", "not_checked"]


@dataclass(frozen=True, slots=True)
class Match:
    """One bank entry matched by one media item, with what its bank asks for."""

    bank: str
    entry: int
    signal: str
    distance: int
    policy: str
    action: str
    bank_kind: str
    trust: str = EntryTrust.BANK.value
    labels: tuple[str, ...] = ()
    content_group: str | None = None
    on_hold: bool = False
    entry_variant: str | None = None
    case_id: str | None = None
    source: str | None = None
    detail: Mapping[str, Any] = field(default_factory=dict)

    @property
    def item_key(self) -> tuple[str, str]:
        """The bank item this entry belongs to (its signals share a content group)."""
        return self.bank, self.content_group or f"entry:{self.entry}"

    def asks_review(self, *, review_policy: bool = False) -> bool:
        """Whether this match calls for a review item: its entry is unconfirmed (an anonymous
        registration) or, with ``review_policy``, the match asks for review (a review bank's
        entry, an entry on hold).

        >>> Match("b", 1, "pdq", 0, "block", "review", "victim", "unconfirmed").asks_review()
        True
        """
        return self.trust == EntryTrust.UNCONFIRMED.value or (
            review_policy and self.action == "review")

    def held(self) -> Match:
        """The same match once its entry is on hold: it asks for review at most."""
        return replace(self, on_hold=True,
                       action=entry_action(self.policy, self.trust, True))

    def to_json(self) -> dict[str, Any]:
        """The match as integrators and stored findings read it."""
        out: dict[str, Any] = {
            "bank": self.bank, "entry": self.entry, "signal": self.signal,
            "distance": self.distance, "labels": list(self.labels),
            "content_group": self.content_group, "policy": self.policy,
            "action": self.action, "bank_kind": self.bank_kind, "trust": self.trust,
        }
        if self.on_hold:
            out["on_hold"] = True
        for key in ("entry_variant", "case_id", "source"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        if self.detail:
            out["detail"] = dict(self.detail)
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Match:
        """A match read back from :meth:`to_json` (stored verdicts, findings)."""
        policy = str(data.get("policy") or "review")
        trust = str(data.get("trust") or EntryTrust.BANK.value)
        on_hold = bool(data.get("on_hold"))
        return cls(
            str(data.get("bank") or ""), int(data.get("entry") or 0),
            str(data.get("signal") or ""), int(data.get("distance") or 0), policy,
            str(data.get("action") or entry_action(policy, trust, on_hold)),
            str(data.get("bank_kind") or ""), trust, tuple(data.get("labels") or ()),
            data.get("content_group"), on_hold, data.get("entry_variant"),
            data.get("case_id"), data.get("source"), dict(data.get("detail") or {}))


@dataclass(frozen=True, slots=True)
class Verdict:
    """What checking one media item gave: its matches, or why it could not be checked.

    ``entries``: every matched entry (all signals of each item), what the flood guard counts.
    ``signals``: the item's own signals (``signal_type``, ``value``) when it matched, so that a
    moderator can allowlist it; never the media. ``allowlisted``/``suppressed``: the allowlist
    matches and how many entries they silenced. ``key``: the source's name for the file (a
    Telegram ``file_unique_id``, a path); ``seq``: the bank state it was computed against;
    ``cached``: reused rather than computed for this message.
    """

    kind: str
    sha256: str | None
    matches: tuple[Match, ...] = ()
    error: str | None = None
    status: VerdictStatus = "checked"
    allowlisted: tuple[Match, ...] = ()
    suppressed: int = 0
    entries: tuple[int, ...] = ()
    signals: tuple[dict[str, str], ...] = ()
    key: str = ""
    seq: int = 0
    cached: bool = False

    @property
    def matched(self) -> bool:
        """Whether anything matched."""
        return bool(self.matches)

    @property
    def hit_entries(self) -> tuple[int, ...]:
        """The entries a sighting of this item counts for (those of its matches at least)."""
        return self.entries or tuple(m.entry for m in self.matches)

    def held(self, entries: Collection[int]) -> Verdict:
        """This verdict once ``entries`` are put on hold (their matches ask review at most)."""
        if not any(m.entry in entries for m in self.matches):
            return self
        return replace(self, matches=tuple(m.held() if m.entry in entries else m
                                           for m in self.matches))

    def to_json(self, path: str | None = None) -> dict[str, Any]:
        """``{"path", "kind", "sha256", "matches": [...], "error"}``, with the allowlist
        matches and the suppressed count when an allowlist spoke."""
        out: dict[str, Any] = {} if path is None else {"path": path}
        out.update({"kind": self.kind, "sha256": self.sha256,
                    "matches": [m.to_json() for m in self.matches], "error": self.error})
        if self.allowlisted:
            out["allowlisted"] = [m.to_json() for m in self.allowlisted]
            out["suppressed"] = self.suppressed
        return out

    def to_record(self) -> dict[str, Any]:
        """The stored form (a remembered verdict): status, bank state, and a match's
        signals and entries."""
        out: dict[str, Any] = {"status": self.status, "kind": self.kind, "sha256": self.sha256,
                               "matches": [m.to_json() for m in self.matches],
                               "error": self.error, "seq": self.seq}
        if self.matches and self.signals:
            out["signals"] = list(self.signals)
        if self.matches and self.entries:
            out["entries"] = list(self.entries)
        return out

    @classmethod
    def from_record(cls, key: str, data: Mapping[str, Any]) -> Verdict:
        """A stored verdict (:meth:`to_record`), marked as cached."""
        return cls(str(data.get("kind") or "unsupported"), data.get("sha256"),
                   tuple(Match.from_json(m) for m in data.get("matches") or ()),
                   data.get("error"), data.get("status") or "checked",
                   entries=tuple(int(e) for e in data.get("entries") or ()),
                   signals=tuple(data.get("signals") or ()), key=key,
                   seq=int(data.get("seq", 0)), cached=True)


def plain(value: Any) -> Any:
    """A JSON-ready copy of a match detail: numpy numbers become Python ones.

    >>> plain({"inliers": [1, 2.5]})
    {'inliers': [1, 2.5]}
    """
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        return value.item()
    return value
