"""A bank's signals one by one: add a signal or hashed files, remove, list.

Example::

    entry_id = add_signal(store, "victims", "pdq", pdq_hex)
    remove_entry(store, "victims", entry_id, reason="withdrawn", whole_item=True)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from rempart.core.banks import (
    BankEntry,
    EntryStatus,
    NewEntry,
    Provenance,
    canonical_signal_type,
    entries_from_media,
    new_content_group,
    normalize_signal,
)
from rempart.core.types import MediaHashes
from rempart.services.banks.registry import check_person_may_remove, get_bank
from rempart.services.errors import EntryNotFound, InvalidSignal
from rempart.store.interface import BankStore


@dataclass(frozen=True, slots=True)
class AddedMedia:
    """One file given to ``add_media``: its content group and entry ids, or why it was skipped."""

    path: Path
    content_group: str | None
    entry_ids: tuple[int, ...] = ()
    error: str | None = None


def add_signal(
    store: BankStore,
    name: str,
    signal_type: str,
    value: str,
    provenance: Provenance | None = None,
    quality: int | None = None,
    content_group: str | None = None,
) -> int:
    """Validate and add one signal; returns its entry id."""
    try:
        kind = canonical_signal_type(signal_type)
        value = normalize_signal(kind, value)
    except ValueError as e:
        raise InvalidSignal(str(e)) from None
    entry = NewEntry(kind, value, content_group or new_content_group(), quality,
                     provenance or Provenance())
    (entry_id,) = store.add_entries(get_bank(store, name).id, [entry])
    return entry_id


def add_media(
    store: BankStore,
    name: str,
    hashed: Iterable[tuple[Path, MediaHashes]],
    provenance: Provenance,
) -> list[AddedMedia]:
    """Store the signals of hashed files (one content group per file), in one transaction.

    Files that failed to hash are reported with their error and stored nothing.
    """
    bank = get_bank(store, name)
    results: list[tuple[Path, str | None, int, str | None]] = []
    entries: list[NewEntry] = []
    for path, hashes in hashed:
        if hashes.error:
            results.append((path, None, 0, hashes.error))
            continue
        group_entries = entries_from_media(hashes, provenance)
        results.append((path, group_entries[0].content_group, len(group_entries), None))
        entries += group_entries
    ids = iter(store.add_entries(bank.id, entries))
    return [
        AddedMedia(path, group, tuple(next(ids) for _ in range(n)), error)
        for path, group, n, error in results
    ]


def remove_entry(
    store: BankStore, name: str, entry_id: int, reason: str | None = None, whole_item: bool = False,
    *, person: bool = True,
) -> int:
    """Tombstone one entry (or, with ``whole_item``, every entry of its content group).

    Returns how many entries were removed (0 if already removed). Victims' banks are withdrawn
    from by a person only (``person=False`` for a token raises PersonRequired).
    """
    bank = get_bank(store, name)
    check_person_may_remove(bank, person)
    entry = store.get_entry(entry_id)
    if entry is None or entry.bank_id != bank.id:
        raise EntryNotFound(name, entry_id)
    ids = [entry_id]
    if whole_item:
        ids = [e.id for e in store.entries_in_group(entry.content_group) if e.bank_id == bank.id]
    return store.remove_entries(ids, reason)


def list_entries(
    store: BankStore, name: str, include_removed: bool = False
) -> Iterator[BankEntry]:
    """The bank's entries in id order: active and on hold, plus tombstones if asked."""
    statuses = set(EntryStatus) if include_removed else {EntryStatus.ACTIVE, EntryStatus.ON_HOLD}
    return store.iter_entries(get_bank(store, name).id, statuses)

