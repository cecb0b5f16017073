"""What a match looks like to its readers (``rempart match --jsonl``, the API, the bot): one
media item's report, each match described with its entry's provenance, one match per bank
item, and the fingerprint that tells one seen file from another.

Example::

    >>> one_per_item([{"bank": "b", "entry": 1, "content_group": "g"},
    ...               {"bank": "b", "entry": 2, "content_group": "g"}])
    [{'bank': 'b', 'entry': 1, 'content_group': 'g'}]
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from rempart.core.banks import BankEntry
from rempart.core.match_outcome import SignalMatch
from rempart.core.signals import vpdq
from rempart.core.types import MediaHashes

__all__ = ["MatchReport", "describe_match", "fingerprint", "one_per_item"]


@dataclass(frozen=True)
class MatchReport:
    """The matches of one media item, ready for output (``rempart match --jsonl``, the API).
    ``entries``: every matched entry (all signals of each item), what the flood guard counts."""

    hashes: MediaHashes
    matches: list[dict[str, Any]] = field(default_factory=list)
    allowlisted: list[dict[str, Any]] = field(default_factory=list)
    suppressed: int = 0
    entries: tuple[int, ...] = ()

    def to_json(self, path: str | None = None) -> dict[str, Any]:
        """``{"path", "matches": [...], "error"}`` plus what was found and suppressed."""
        out: dict[str, Any] = {}
        if path is not None:
            out["path"] = path
        out.update(
            {
                "kind": self.hashes.kind,
                "sha256": self.hashes.sha256,
                "matches": self.matches,
                "error": self.hashes.error,
            }
        )
        if self.allowlisted:
            out["allowlisted"] = self.allowlisted
            out["suppressed"] = self.suppressed
        return out


def fingerprint(hashes: MediaHashes) -> str | None:
    """What tells one seen file from another for the flood guard: its sha256, else (signals
    sent without the file) its PDQ, MD5 or vPDQ.

    >>> fingerprint(MediaHashes("image", "", "", 0)) is None
    True
    """
    if hashes.sha256:
        return hashes.sha256
    if hashes.pdq is not None:
        return f"pdq:{hashes.pdq.hash}"
    if hashes.md5:
        return f"md5:{hashes.md5}"
    if hashes.pdq_variants:
        return f"pdq:{hashes.pdq_variants[0].hash}"
    if hashes.vpdq:
        return "vpdq:" + hashlib.sha256(vpdq.serialize(hashes.vpdq).encode()).hexdigest()
    return None


def describe_match(m: SignalMatch, entry: BankEntry | None) -> dict[str, Any]:
    """A match as reported: bank, entry, signal, distance, policy and action, with its entry's
    labels, content group, variant, case and source when the entry is known."""
    out: dict[str, Any] = {
        "bank": m.bank,
        "entry": m.entry_id,
        "signal": m.signal,
        "distance": m.distance,
        "labels": list(entry.provenance.labels) if entry else [],
        "content_group": entry.content_group if entry else None,
        "policy": m.policy,
        "action": m.action,
        "bank_kind": m.bank_kind,
        "trust": m.trust,
    }
    if m.on_hold:
        out["on_hold"] = True
    if entry is not None:
        variant = entry.provenance.metadata.get("variant")
        if variant:
            out["entry_variant"] = variant
        if entry.provenance.case_id:
            out["case_id"] = entry.provenance.case_id
        if entry.provenance.source:
            out["source"] = entry.provenance.source
    if m.detail:
        out["detail"] = m.detail
    return out


def one_per_item(matches: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One match per bank item (its signals share a content group): the closest, already first."""
    seen: set[tuple[str, str]] = set()
    out = []
    for m in matches:
        key = (m["bank"], m["content_group"] or f"entry:{m['entry']}")
        if key not in seen:
            seen.add(key)
            out.append(m)
    return out
