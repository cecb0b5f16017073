"""Publishing a bank's confirmed signals to a Matrix policy room (``rempart matrix-policy
publish``): each item's primary signal as an ``org.rempart.policy.hash.v1`` state event, and a
withdrawal (empty content) when it leaves the bank, is held, or is no longer confirmed.

What is published: active entries that are confirmed (``trust`` other than ``unconfirmed``;
in a victims' bank, ``confirmed`` only), primary signals only (as exports), their labels
without victim data (``public_labels``) and a recommendation (``block`` when a match here
blocks, else ``review``). Never provenance (case, source, dates, metadata), never an
unconfirmed registration. Allowlists and banks filled by an exchange (third parties' hashes,
whose terms may forbid passing them on) are refused.

The bank's change feed is read from a cursor saved per (room, bank) after each page, so a
run resumes where the last stopped; writing a state twice is harmless (Synapse keeps one).

Example::

    report = publish_bank(bank_store, "confirmed", "!room:hs", room_sink)
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Engine

from rempart.core.banks import (
    Bank,
    BankEntry,
    BankKind,
    EntryStatus,
    EntryTrust,
    entry_action,
)
from rempart.core.policy_room import MAX_CONTENT_BYTES, SIGNAL_TYPES, policy_content, state_key
from rempart.core.primary_signals import derived_label
from rempart.services.banks import get_bank
from rempart.services.errors import InvalidArgument, RempartError
from rempart.services.exchanges.ports import ExchangeStore
from rempart.services.matrix_bot import account_key
from rempart.store.exchanges import SqlExchangeStore
from rempart.store.interface import BankStore
from rempart.store.matrix_state import SqlMatrixState

PAGE = 500  # bank changes read at a time
SAVE_EVERY = 25  # changes pushed between two saves of the cursor


class PolicyRoomSink(Protocol):
    """A policy room: the current content of a policy (None if never set), and writing one."""

    def current(self, key: str) -> Mapping[str, Any] | None: ...
    def put(self, key: str, content: Mapping[str, Any]) -> None: ...


@dataclass
class PublishReport:
    """What one publishing run did."""

    bank: str
    room: str
    published: int = 0
    withdrawn: int = 0
    skipped: int = 0  # derived signals, unconfirmed entries never published
    too_large: int = 0  # would not fit in one Matrix event (the vPDQ of a long video)
    pages: int = 0
    more: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"bank": self.bank, "room": self.room, "published": self.published,
                "withdrawn": self.withdrawn, "skipped": self.skipped,
                "too_large": self.too_large, "pages": self.pages,
                "more": self.more}


def publishable(bank: Bank, entry: BankEntry) -> bool:
    """Whether ``entry`` may stand in the room now (before the primary-signal test)."""
    if entry.status is not EntryStatus.ACTIVE:
        return False
    if bank.kind is BankKind.VICTIM:
        return entry.trust is EntryTrust.CONFIRMED
    return entry.trust is not EntryTrust.UNCONFIRMED


def publish_bank(bank_store: BankStore, bank_name: str, room_id: str, sink: PolicyRoomSink,
                 max_pages: int = 200) -> PublishReport:
    """Push ``bank_name``'s changes since the last run to ``room_id`` through ``sink``."""
    engine = getattr(bank_store, "engine", None)
    if not isinstance(engine, Engine):
        raise RempartError("this store has no database engine")
    store, state = SqlExchangeStore(engine), SqlMatrixState(engine)
    bank = get_bank(store, bank_name)
    if bank.kind is BankKind.ALLOWLIST:
        raise InvalidArgument(f"bank {bank_name!r} is an allowlist: nothing to publish")
    source = store.exchange_for_bank(bank.id)
    if source is not None:
        raise InvalidArgument(f"bank {bank_name!r} is filled by the exchange {source.name!r}: "
                              "its hashes are a third party's, not yours to pass on")
    report = PublishReport(bank_name, room_id)
    cursor_key = account_key(f"policy-publish\0{room_id}\0{bank.id}")
    since = int(state.since(cursor_key) or 0)
    while True:
        changes = store.bank_changes(bank.id, since, PAGE)
        if not changes:
            return report
        groups: dict[str, tuple[bool, bool]] = {}
        for i, entry in enumerate(changes, 1):
            _publish_one(store, bank, entry, sink, groups, report)
            if i % SAVE_EVERY == 0 or i == len(changes):  # a rate-limited run still advances
                state.save_since(cursor_key, str(entry.seq))
        since = changes[-1].seq
        report.pages += 1
        if len(changes) < PAGE:
            return report
        if report.pages >= max_pages:
            report.more = True
            return report


def _publish_one(store: ExchangeStore, bank: Bank, entry: BankEntry, sink: PolicyRoomSink,
                 groups: dict[str, tuple[bool, bool]], report: PublishReport) -> None:
    if entry.content_group not in groups:
        members = [e for e in store.entries_in_group(entry.content_group)
                   if e.bank_id == bank.id]
        groups[entry.content_group] = (
            any(e.signal_type in ("pdq", "vpdq") and not e.provenance.metadata.get("variant")
                for e in members),
            any(e.signal_type == "md5" for e in members))
    perceptual, md5 = groups[entry.content_group]
    if entry.signal_type not in SIGNAL_TYPES or derived_label(
            entry.signal_type, entry.provenance.metadata, has_perceptual=perceptual,
            has_md5=md5) is not None:
        report.skipped += 1
        return
    key = state_key(entry.signal_type, entry.value)
    if publishable(bank, entry):
        action = entry_action(bank.policy, entry.trust, False)
        content = policy_content(entry.signal_type, entry.value, entry.provenance.labels,
                                 "block" if action == "block" else "review")
        if len(json.dumps(content)) > MAX_CONTENT_BYTES:  # the vPDQ of a long video
            report.too_large += 1
            return
        sink.put(key, content)
        report.published += 1
    elif sink.current(key):  # published before: withdraw it
        sink.put(key, {})
        report.withdrawn += 1
    else:
        report.skipped += 1
