"""One bank's change feed, published to other Rempart instances that follow it read-only.

A feed token (``rempart exchange publish BANK``) reads its one bank: asking for another bank
or for an unknown bank gets the same :class:`FeedNotFound`; an unknown or revoked token gets
:class:`FeedTokenInvalid`. The
records carry the signal, its state, its item (a digest of its content group) and whether it
is derived from an item's primary signal
(a rotation, a region crop, an ORB descriptor), never its provenance.

Example::

    page = read_feed(store, secret, "shared", since=0, limit=500)
    page.to_json()    # {"bank": "shared", "changes": [...], "next": 812, "more": False}
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from rempart.core.banks import BankEntry, EntryStatus, EntryTrust
from rempart.core.primary_signals import derived_label
from rempart.services.banks import get_bank
from rempart.services.exchanges.errors import FeedNotFound, FeedTokenInvalid
from rempart.services.exchanges.ports import ExchangeStore

FEED_MAX_LIMIT = 1000
"""Changes per feed page at most, whatever the follower asks."""


@dataclass(frozen=True, slots=True)
class FeedPage:
    """Changes of one bank after ``since``; ``next`` is the ``since`` of the next page."""

    bank: str
    changes: list[BankEntry]
    next: int
    more: bool

    def to_json(self) -> dict[str, Any]:
        return {"bank": self.bank, "changes": [feed_record(e) for e in self.changes],
                "next": self.next, "more": self.more}


def feed_record(entry: BankEntry) -> dict[str, Any]:
    """What a follower learns of a changed entry: no provenance."""
    label = derived_label(entry.signal_type, entry.provenance.metadata,
                          has_perceptual=False, has_md5=False)
    return {"seq": entry.seq, "id": entry.id, "signal_type": entry.signal_type,
            "signal_value": entry.value, "item": _item(entry),
            "status": "active" if entry.status is EntryStatus.ACTIVE else "removed",
            "unconfirmed": entry.trust is EntryTrust.UNCONFIRMED, "derived": label}


def _item(entry: BankEntry) -> str:
    """Which signals belong to one item, without our content group (provenance, which only
    moderators see): a one-way digest of it, different in each bank."""
    return hashlib.sha256(f"{entry.bank_id}/{entry.content_group}".encode()).hexdigest()[:32]


def read_feed(store: ExchangeStore, secret: str, bank: str, since: int,
              limit: int) -> FeedPage:
    """The page of bank ``bank``'s feed after seq ``since``, for the holder of ``secret``."""
    bank_id = store.find_feed_token(secret) if secret else None
    if bank_id is None:
        raise FeedTokenInvalid
    found = store.get_bank(bank)
    if found is None or found.id != bank_id:
        raise FeedNotFound
    limit = max(1, min(limit, FEED_MAX_LIMIT))
    changes = store.bank_changes(bank_id, max(since, 0), limit)
    return FeedPage(bank, changes, changes[-1].seq if changes else max(since, 0),
                    len(changes) == limit)


def publish(store: ExchangeStore, bank: str, name: str) -> tuple[int, str]:
    """A new token reading bank ``bank``'s feed only: its id and its secret (shown once)."""
    return store.create_feed_token(name, get_bank(store, bank).id)
