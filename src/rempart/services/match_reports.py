"""What a match looks like to its readers (``rempart match --jsonl``, the API, the bot, a scan):
each matcher answer described with its entry's provenance as a typed ``Match``, one match per
bank item, and the fingerprint that tells one seen file from another.

Example::

    >>> from rempart.core.match_outcome import SignalMatch
    >>> m = describe_match(SignalMatch(1, "demo", "moderator", "block", 7, "pdq", 3), None)
    >>> (m.bank, m.entry, m.action), len(one_per_item([m, m]))
    (('demo', 7, 'block'), 1)
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from rempart.core.banks import BankEntry
from rempart.core.match_outcome import SignalMatch
from rempart.core.signals import vpdq
from rempart.core.types import MediaHashes
from rempart.core.verdict import Match, Verdict, plain

__all__ = ["describe_match", "fingerprint", "one_per_item", "unmatched"]


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


def unmatched(hashes: MediaHashes) -> Verdict:
    """The verdict of media that matched nothing, or could not be hashed (``hashes.error``)."""
    return Verdict(hashes.kind, hashes.sha256, error=hashes.error,
                   status="checked" if hashes.error is None else "error")


def describe_match(m: SignalMatch, entry: BankEntry | None) -> Match:
    """A matcher answer as reported: bank, entry, signal, distance, policy and action, with its
    entry's labels, content group, variant, case and source when the entry is known."""
    provenance = entry.provenance if entry is not None else None
    return Match(
        m.bank, m.entry_id, m.signal, m.distance, m.policy, m.action, m.bank_kind, m.trust,
        labels=tuple(provenance.labels) if provenance else (),
        content_group=entry.content_group if entry else None,
        on_hold=m.on_hold,
        entry_variant=(provenance.metadata.get("variant") or None) if provenance else None,
        case_id=(provenance.case_id or None) if provenance else None,
        source=(provenance.source or None) if provenance else None,
        detail=plain(m.detail) if m.detail else {},
    )


def one_per_item(matches: Iterable[Match]) -> tuple[Match, ...]:
    """One match per bank item (its signals share a content group): the closest, already first."""
    seen: set[tuple[str, str]] = set()
    out = []
    for m in matches:
        if m.item_key not in seen:
            seen.add(m.item_key)
            out.append(m)
    return tuple(out)
