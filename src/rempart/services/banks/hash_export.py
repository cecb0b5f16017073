"""Export of a bank's signals as CSV, JSONL (with tombstones if asked) or threatexchange lines.

Derived signals (a photo's rotations and region crops, its ORB descriptor, its file hashes) are
left out with ``derived=False``, the default of ``rempart bank export``: a partner then gets the
primary signal of each item only (``core.primary_signals``). With ``derived=True`` they are
written, labelled in CSV and JSONL (``derived``: ``rot90``, ``crop_center40``, ``file-hash``…),
unlabelled in the ``txt`` format, which has no room for a label.

An export leaves the service: an entry registered on the victim portal never carries its case
number in one, and an export for an integrator (``provenance=False``) carries no provenance at
all (no case number, source, labels such as ``minor``, content group, metadata).

Example::

    with open("victims.csv", "w") as out:
        export_entries(store, "victims", out, "csv")
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from typing import IO, Any

from rempart.core.banks import BankEntry, EntryStatus
from rempart.core.primary_signals import derived_labels
from rempart.core.spreadsheet import neutralise
from rempart.services.banks.hash_import import check_format
from rempart.services.banks.registry import get_bank
from rempart.store.interface import BankStore

CSV_COLUMNS = ("signal_type", "signal_value", "quality", "content_group", "source",
               "submitted_at", "external_id", "case_id", "labels", "metadata", "status",
               "removed_at", "removed_reason", "derived")
VICTIM_PORTAL_SOURCE = "victim-portal"
"""The source of the entries registered by the people they show (``services.cases``)."""
PROVENANCE_FIELDS = ("case_id", "source", "labels", "content_group", "metadata",
                     "external_id")
"""Where an entry comes from: seen by moderators only, never by integrators."""
TXT_SIGNAL_TYPES = {"md5": "video_md5"}
"""Our signal names as python-threatexchange spells them in its ``signal_type value`` lines."""
GROUP_RUN_MAX = 10_000
"""Entries of one content group judged together at most (a group is one item: ~20 signals)."""


def entry_record(entry: BankEntry) -> dict[str, Any]:
    """The JSON record of an entry (one line of a JSONL export, of `bank entries --jsonl`)."""
    p = entry.provenance
    record: dict[str, Any] = {
        "id": entry.id, "signal_type": entry.signal_type, "signal_value": entry.value,
        "quality": entry.quality, "content_group": entry.content_group, "source": p.source,
        "submitted_at": p.submitted_at.isoformat() if p.submitted_at else None,
        "external_id": p.external_id, "case_id": p.case_id, "labels": list(p.labels),
        "metadata": dict(p.metadata), "status": entry.status.value,
        "created_at": entry.created_at.isoformat(),
    }
    if entry.tombstone is not None:
        record |= {"removed": True, "removed_at": entry.tombstone.removed_at.isoformat(),
                   "removed_reason": entry.tombstone.reason}
    return record


def without_provenance(record: dict[str, Any]) -> dict[str, Any]:
    """``record`` (an :func:`entry_record`) with its provenance removed, for integrators."""
    for key in PROVENANCE_FIELDS:
        record.pop(key, None)
    return record


def export_record(entry: BankEntry, provenance: bool = True) -> dict[str, Any]:
    """The record of ``entry`` in an export: a victim's case number never, and no provenance
    at all unless ``provenance``."""
    record = entry_record(entry)
    if not provenance:
        return without_provenance(record)
    if entry.provenance.source == VICTIM_PORTAL_SOURCE:
        record["case_id"] = None  # the case number is the victim's key to her case
    return record


def export_entries(
    store: BankStore, name: str, out: IO[str], fmt: str = "csv", include_removed: bool = False,
    *, provenance: bool = True, derived: bool = True,
) -> int:
    """Write the bank's active entries (and tombstones if asked) to ``out``; returns the count.

    Entries on hold are left out: they await review. Without ``provenance`` (an integrator's
    export) the records carry none; victims' case numbers are never exported. Without
    ``derived``, only the primary signal of each item.
    """
    check_format(fmt)
    statuses = {EntryStatus.ACTIVE} | ({EntryStatus.REMOVED} if include_removed else set())
    entries = store.iter_entries(get_bank(store, name).id, statuses)
    count = 0
    if fmt == "csv":
        writer = csv.DictWriter(out, CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
    for entry, label in _labelled(entries):
        if label is not None and not derived:
            continue
        record = export_record(entry, provenance)
        if label is not None:
            record["derived"] = label
        if fmt == "txt":
            if entry.tombstone is not None:  # the plain format has no way to say "removed"
                continue
            kind = TXT_SIGNAL_TYPES.get(entry.signal_type, entry.signal_type)
            out.write(f"{kind} {entry.value}\n")
        elif fmt == "jsonl":
            out.write(json.dumps(record, separators=(",", ":")) + "\n")
        else:
            record["labels"] = " ".join(record.get("labels", ()))
            record["metadata"] = json.dumps(record["metadata"]) if record.get("metadata") else ""
            writer.writerow({k: neutralise(v) if isinstance(v, str) else v
                             for k, v in record.items()})
        count += 1
    return count


def _labelled(entries: Iterable[BankEntry]) -> Iterator[tuple[BankEntry, str | None]]:
    """Each entry with its derived label, judged among the run of entries of its content
    group (an item's signals are stored together, so they come one after the other)."""
    run: list[BankEntry] = []
    for entry in entries:
        if run and (entry.content_group != run[0].content_group or len(run) >= GROUP_RUN_MAX):
            yield from zip(run, derived_labels(run), strict=True)
            run = []
        run.append(entry)
    yield from zip(run, derived_labels(run), strict=True)
