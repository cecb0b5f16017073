"""Small storage Protocols; ``sql.SqlBankStore`` implements them for SQLite and PostgreSQL.

Services depend on these, not on SQLAlchemy. Store errors are plain and few; services turn them
into domain errors.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from datetime import datetime
from typing import Protocol

from rempart.core.banks import (
    Bank,
    BankChange,
    BankEntry,
    EntryStatus,
    EntryTrust,
    ImportOutcome,
    NewBank,
    NewEntry,
    SignalChange,
    SignalRow,
)
from rempart.core.flood import FloodRule, Hit


class BankNameTaken(Exception):
    """A live bank already has this name."""


class UnknownBankId(Exception):
    """No live bank has this id."""


class BankStore(Protocol):
    """Banks and their entries."""

    def create_bank(self, new: NewBank) -> Bank:
        """Store a bank (policy defaults from its kind); BankNameTaken if the name is used."""
        ...

    def get_bank(self, name: str) -> Bank | None:
        """The live bank called ``name``."""
        ...

    def get_bank_by_id(self, bank_id: int) -> Bank | None:
        """The bank with this id, deleted or not."""
        ...

    def list_banks(self, include_deleted: bool = False) -> list[Bank]:
        """Banks ordered by name."""
        ...

    def update_bank(self, bank: Bank) -> Bank:
        """Save a bank's editable fields (e.g. from ``dataclasses.replace``)."""
        ...

    def delete_bank(self, bank_id: int, reason: str | None = None) -> int:
        """Tombstone every entry, then mark the bank deleted; returns entries tombstoned."""
        ...

    def add_entries(self, bank_id: int, entries: Sequence[NewEntry]) -> list[int]:
        """Insert entries in one transaction (fast bulk path); returns their ids in order."""
        ...

    def import_entries(
        self,
        bank_id: int,
        entries: Sequence[NewEntry],
        removals: Collection[tuple[str, str]] = (),
        reason: str | None = None,
    ) -> ImportOutcome:
        """In one transaction: tombstone live entries whose (signal_type, value) is in
        ``removals``, then add the entries not already live in the bank (nor repeated)."""
        ...

    def get_entry(self, entry_id: int) -> BankEntry | None:
        """One entry, tombstoned or not."""
        ...

    def iter_entries(
        self,
        bank_id: int | None = None,
        statuses: Collection[EntryStatus] = (EntryStatus.ACTIVE,),
        batch_size: int = 5000,
    ) -> Iterator[BankEntry]:
        """Entries in id order (all banks when ``bank_id`` is None), read in batches."""
        ...

    def iter_signals(
        self,
        signal_types: Collection[str] | None = None,
        statuses: Collection[EntryStatus] = (EntryStatus.ACTIVE,),
        batch_size: int = 20000,
    ) -> Iterator[SignalRow]:
        """Signals of live banks for loading a matching index, read in batches.

        In id order, or, when ``signal_types`` is given, type by type (sorted), id order within.
        """
        ...

    def count_entries(self, bank_id: int) -> dict[EntryStatus, int]:
        """How many entries of each status a bank holds."""
        ...

    def find_entries(
        self,
        signal_type: str,
        value: str,
        statuses: Collection[EntryStatus] = (EntryStatus.ACTIVE,),
    ) -> list[BankEntry]:
        """Entries in live banks whose value equals ``value`` exactly (md5/sha256 lookups)."""
        ...

    def entries_in_group(self, content_group: str) -> list[BankEntry]:
        """Every entry of one media item."""
        ...

    def case_entries(self, case_id: str) -> list[BankEntry]:
        """Every entry registered under one case number."""
        ...

    def remove_entries(self, entry_ids: Collection[int], reason: str | None = None) -> int:
        """Tombstone entries (status removed, removed_at, reason); returns how many changed."""
        ...

    def set_entry_status(self, entry_ids: Collection[int], status: EntryStatus) -> int:
        """Put entries on hold or back to active (not for removal); returns how many changed."""
        ...

    def set_entry_trust(self, entry_ids: Collection[int], trust: EntryTrust) -> int:
        """Confirm live entries (or set another trust); returns how many changed."""
        ...


class ChangeFeed(Protocol):
    """Bank changes in commit order, for matchers in other processes to follow."""

    def current_seq(self) -> int:
        """The sequence number of the latest committed change (0 when none)."""
        ...

    def changes_since(self, seq: int, limit: int = 1000) -> tuple[list[BankChange], int]:
        """Changes with seq > ``seq`` (oldest first, at most ``limit``) and the seq to poll next."""
        ...

    def signal_changes_since(
        self, seq: int, limit: int = 1000
    ) -> tuple[list[SignalChange], list[Bank], int]:
        """The same window of changes in light form: the entries' signal changes (oldest
        first), every bank changed in the window or holding one of those entries (current
        state), and the seq to poll next."""
        ...


class HitLog(Protocol):
    """Per-entry match records feeding the flood guard."""

    def record_hits(
        self, hits: Sequence[Hit], rule: FloodRule, now: datetime | None = None
    ) -> list[int]:
        """Store hits; put active entries that now flood on hold; returns their ids."""
        ...

    def prune_hits(self, before: datetime) -> int:
        """Forget hits older than ``before``; returns how many were deleted."""
        ...
