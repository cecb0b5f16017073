"""Bank services: create, list, remove banks; add, remove, import and export their signals.

Files exchanged are hash lists compatible with python-threatexchange:

- CSV with a header naming ``signal_type`` and ``signal_value`` (or threatexchange's
  ``signal_str``; ``dataset --csv`` output reads as is), plus optional metadata columns;
- headerless lines ``signal_type signal_value`` (threatexchange's local file exchange) or
  ``signal_type,signal_value``;
- JSONL: one object per entry, tombstones carrying ``"removed": true``.

Example::

    store = open_store(url)
    create_bank(store, "victims", BankKind.VICTIM)
    with open("hashes.csv") as f:
        import_entries(store, "victims", f, "csv")
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from rempart.core.banks import (
    DEFAULT_PDQ_THRESHOLD,
    DEFAULT_VPDQ_THRESHOLD,
    Bank,
    BankEntry,
    BankKind,
    BankPolicy,
    EntryStatus,
    ImportOutcome,
    NewBank,
    NewEntry,
    Provenance,
    canonical_signal_type,
    entries_from_media,
    new_content_group,
    normalize_signal,
)
from rempart.core.types import MediaHashes
from rempart.services.errors import (
    BankExists,
    BankImportError,
    BankNotEmpty,
    BankNotFound,
    EntryNotFound,
    InvalidArgument,
    InvalidSignal,
)
from rempart.store.interface import BankNameTaken, BankStore

FORMATS: tuple[str, ...] = ("csv", "jsonl", "txt")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,199}$")
_HASH_BITS = 256


@dataclass(frozen=True, slots=True)
class BankSummary:
    """A bank with its entry counts (the ``rempart bank list`` record)."""

    bank: Bank
    counts: Mapping[EntryStatus, int]

    def to_json(self) -> dict[str, Any]:
        b = self.bank
        return {
            "name": b.name, "kind": b.kind.value, "policy": b.policy.value,
            "pdq_threshold": b.pdq_threshold, "vpdq_threshold": b.vpdq_threshold,
            "vpdq_query_match_percent": b.vpdq_query_match_percent,
            "vpdq_index_match_percent": b.vpdq_index_match_percent, "enabled": b.enabled,
            "description": b.description, "created_at": b.created_at.isoformat(),
            "entries": {s.value: n for s, n in self.counts.items()},
        }


@dataclass(frozen=True, slots=True)
class AddedMedia:
    """One file given to ``add_media``: its content group and entry ids, or why it was skipped."""

    path: Path
    content_group: str | None
    entry_ids: tuple[int, ...] = ()
    error: str | None = None


@dataclass
class _Parsed:
    entries: list[NewEntry] = field(default_factory=list)
    removals: list[tuple[str, str]] = field(default_factory=list)


# --- banks ---------------------------------------------------------------------------------


def create_bank(
    store: BankStore,
    name: str,
    kind: BankKind = BankKind.MODERATOR,
    policy: BankPolicy | None = None,
    pdq_threshold: int = DEFAULT_PDQ_THRESHOLD,
    vpdq_threshold: int = DEFAULT_VPDQ_THRESHOLD,
    description: str = "",
) -> Bank:
    """Create a bank; a victim bank's policy is ``review`` unless ``policy`` says otherwise."""
    if not _NAME.match(name):
        raise InvalidArgument(
            f"invalid bank name {name!r}: letters, digits and _.:- only, starting alphanumeric"
        )
    for label, value in (("PDQ", pdq_threshold), ("vPDQ", vpdq_threshold)):
        if not 0 <= value <= _HASH_BITS:
            raise InvalidArgument(f"{label} threshold must be between 0 and {_HASH_BITS}")
    new = NewBank(name, kind, policy, pdq_threshold, vpdq_threshold, description=description)
    try:
        return store.create_bank(new)
    except BankNameTaken:
        raise BankExists(name) from None


def get_bank(store: BankStore, name: str) -> Bank:
    """The bank called ``name``; BankNotFound otherwise."""
    bank = store.get_bank(name)
    if bank is None:
        raise BankNotFound(name)
    return bank


def list_banks(store: BankStore) -> list[BankSummary]:
    """Every live bank with its entry counts, by name."""
    return [BankSummary(b, store.count_entries(b.id)) for b in store.list_banks()]


def remove_bank(store: BankStore, name: str, force: bool = False) -> int:
    """Delete a bank: refused while it has live entries unless ``force`` (they get tombstoned).

    Returns how many entries were tombstoned.
    """
    bank = get_bank(store, name)
    counts = store.count_entries(bank.id)
    live = counts[EntryStatus.ACTIVE] + counts[EntryStatus.ON_HOLD]
    if live and not force:
        raise BankNotEmpty(name, live)
    return store.delete_bank(bank.id, reason="bank removed")


# --- entries -------------------------------------------------------------------------------


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
    store: BankStore, name: str, entry_id: int, reason: str | None = None, whole_item: bool = False
) -> int:
    """Tombstone one entry (or, with ``whole_item``, every entry of its content group).

    Returns how many entries were removed (0 if already removed).
    """
    bank = get_bank(store, name)
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


# --- import --------------------------------------------------------------------------------


def import_entries(
    store: BankStore,
    name: str,
    stream: Iterable[str],
    fmt: str = "csv",
    source: str | None = None,
    signal_type: str | None = None,
) -> ImportOutcome:
    """Import a hash file: all or nothing. A bad row raises BankImportError with its line.

    Rows already live in the bank are skipped; tombstone rows remove matching entries.
    ``source`` fills rows without one; ``signal_type`` types rows without one.
    """
    _check_format(fmt)
    bank = get_bank(store, name)
    parse = _parse_jsonl if fmt == "jsonl" else _parse_csv
    parsed = _Parsed()
    for line, record in parse(stream, signal_type):
        try:
            _collect(parsed, record, source)
        except (ValueError, TypeError, KeyError) as e:
            raise BankImportError(line, str(e).strip("'\"")) from None
    return store.import_entries(bank.id, parsed.entries, parsed.removals, reason="imported")


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise InvalidArgument(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")


_ALIASES = {
    "type": "signal_type", "indicator_type": "signal_type",
    "signal_str": "signal_value", "signal": "signal_value", "value": "signal_value",
    "indicator": "signal_value", "hash": "signal_value",
    "content_id": "content_group", "group": "content_group",
    "collab": "source", "indicator_id": "external_id", "tags": "labels",
    "reason": "removed_reason",
}
# Columns we write but that describe the exporting database, not the signal.
_IGNORED = {"id", "entry_id", "bank", "created_at", "updated_at", "removed_at", "seq"}
_KNOWN = {"signal_type", "signal_value", "quality", "content_group", "source", "external_id",
          "case_id", "labels", "submitted_at", "metadata", "removed", "status",
          "removed_reason"}


def _parse_csv(
    stream: Iterable[str], default_type: str | None
) -> Iterator[tuple[int, dict[str, Any]]]:
    reader = csv.reader(stream)
    header: list[str] | None = None
    first = True
    for row in reader:
        line = reader.line_num
        if not row or not any(cell.strip() for cell in row) or row[0].startswith("#"):
            continue
        cells = [c.strip() for c in row]
        if first and _is_header(cells):
            header = [_ALIASES.get(c.lower(), c.lower()) for c in cells]
            if "signal_value" not in header:
                raise BankImportError(line, "header has no signal_value column")
            first = False
            continue
        first = False
        if header is not None:
            yield line, {k: v for k, v in zip(header, cells, strict=False) if v != ""}
        elif len(cells) == 1:  # threatexchange local file: "pdq <hash>", or a bare value
            parts = cells[0].split(None, 1)
            if len(parts) == 2:
                yield line, {"signal_type": parts[0], "signal_value": parts[1]}
            else:
                yield line, {"signal_type": default_type, "signal_value": parts[0]}
        elif default_type is not None:  # e.g. threatexchange's simple.pdq.te: value, id, ...
            yield line, {"signal_type": default_type, "signal_value": cells[0]}
        else:
            yield line, {"signal_type": cells[0], "signal_value": cells[1]}


def _is_header(cells: list[str]) -> bool:
    names = {_ALIASES.get(c.lower(), c.lower()) for c in cells}
    return "signal_value" in names or "signal_type" in names


def _parse_jsonl(
    stream: Iterable[str], default_type: str | None
) -> Iterator[tuple[int, dict[str, Any]]]:
    for line, text in enumerate(stream, 1):
        if not text.strip():
            continue
        try:
            record = json.loads(text)
        except json.JSONDecodeError as e:
            raise BankImportError(line, f"invalid JSON: {e.msg}") from None
        if not isinstance(record, dict):
            raise BankImportError(line, "expected a JSON object")
        record = {_ALIASES.get(k, k): v for k, v in record.items()}
        record.setdefault("signal_type", default_type)
        yield line, record


def _collect(parsed: _Parsed, record: dict[str, Any], source: str | None) -> None:
    if not record.get("signal_type"):
        raise ValueError("missing signal_type (or give a default signal type)")
    if not record.get("signal_value"):
        raise ValueError("missing signal_value")
    kind = canonical_signal_type(str(record["signal_type"]))
    raw = record["signal_value"]
    value = normalize_signal(kind, raw if isinstance(raw, str) else json.dumps(raw))
    if _truthy(record.get("removed")) or record.get("status") == EntryStatus.REMOVED.value:
        parsed.removals.append((kind, value))
        return
    metadata = record.get("metadata") or {}
    if isinstance(metadata, str):
        metadata = json.loads(metadata)
    if not isinstance(metadata, dict):
        raise ValueError("metadata must be a JSON object")
    metadata |= {k: v for k, v in record.items() if k not in _KNOWN | _IGNORED}
    labels = record.get("labels") or []
    if isinstance(labels, str):
        labels = re.split(r"[\s;]+", labels.strip())
    quality = record.get("quality")
    if quality is not None:
        quality = int(quality)
        if not 0 <= quality <= 100:
            raise ValueError("quality must be between 0 and 100")
    submitted = record.get("submitted_at")
    provenance = Provenance(
        source=_text(record.get("source")) or source,
        submitted_at=_datetime(submitted) if submitted else None,
        external_id=_text(record.get("external_id")),
        case_id=_text(record.get("case_id")),
        labels=tuple(str(label) for label in labels if label),
        metadata=metadata,
    )
    group = _text(record.get("content_group")) or new_content_group()
    parsed.entries.append(NewEntry(kind, value, group, quality, provenance))


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "y"}
    return bool(value)


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def _datetime(value: Any) -> datetime:
    try:
        dt = datetime.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"invalid submitted_at {value!r} (expected ISO 8601)") from None
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt


# --- export --------------------------------------------------------------------------------

CSV_COLUMNS = ("signal_type", "signal_value", "quality", "content_group", "source",
               "submitted_at", "external_id", "case_id", "labels", "metadata", "status",
               "removed_at", "removed_reason")


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


def export_entries(
    store: BankStore, name: str, out: IO[str], fmt: str = "csv", include_removed: bool = False
) -> int:
    """Write the bank's active entries (and tombstones if asked) to ``out``; returns the count.

    Entries on hold are left out: they await review.
    """
    _check_format(fmt)
    statuses = {EntryStatus.ACTIVE} | ({EntryStatus.REMOVED} if include_removed else set())
    entries = store.iter_entries(get_bank(store, name).id, statuses)
    count = 0
    if fmt == "csv":
        writer = csv.DictWriter(out, CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
    for entry in entries:
        record = entry_record(entry)
        if fmt == "txt":
            if entry.tombstone is not None:  # the plain format has no way to say "removed"
                continue
            out.write(f"{entry.signal_type} {entry.value}\n")
        elif fmt == "jsonl":
            out.write(json.dumps(record, separators=(",", ":")) + "\n")
        else:
            record["labels"] = " ".join(record["labels"])
            record["metadata"] = json.dumps(record["metadata"]) if record["metadata"] else ""
            writer.writerow(record)
        count += 1
    return count
