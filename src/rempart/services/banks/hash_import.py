"""Import of hash files, all or nothing: CSV (with or without header), threatexchange lines,
JSONL with tombstones. Formats are described in the package docstring.

Example::

    with open("hashes.csv") as f:
        outcome = import_entries(store, "victims", f, "csv", source="partner")
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from rempart.core.banks import (
    EntryStatus,
    ImportOutcome,
    NewEntry,
    Provenance,
    canonical_signal_type,
    new_content_group,
    normalize_signal,
)
from rempart.core.spreadsheet import restored
from rempart.services.banks.registry import check_person_may_remove, get_bank
from rempart.services.errors import BankImportError, InvalidArgument
from rempart.store.interface import BankStore

FORMATS: tuple[str, ...] = ("csv", "jsonl", "txt")


@dataclass
class _Parsed:
    entries: list[NewEntry] = field(default_factory=list)
    removals: list[tuple[str, str]] = field(default_factory=list)


def import_entries(
    store: BankStore,
    name: str,
    stream: Iterable[str],
    fmt: str = "csv",
    source: str | None = None,
    signal_type: str | None = None,
    *,
    person: bool = True,
) -> ImportOutcome:
    """Import a hash file: all or nothing. A bad row raises BankImportError with its line.

    Rows already live in the bank are skipped; tombstone rows remove matching entries (in a
    victims' bank, for a person only: PersonRequired for a token).
    ``source`` fills rows without one; ``signal_type`` types rows without one.
    """
    check_format(fmt)
    parse = _parse_jsonl if fmt == "jsonl" else _parse_csv
    return _import(store, name, parse(stream, signal_type), source, person)


def import_records(
    store: BankStore, name: str, records: Iterable[dict[str, Any]], source: str | None = None,
    *, person: bool = True,
) -> ImportOutcome:
    """:func:`import_entries` for rows already parsed (a JSON API body): all or nothing; a bad
    row raises BankImportError with its position, counted from 1."""
    return _import(store, name, ((i, _aliased(r, None)) for i, r in enumerate(records, 1)),
                   source, person)


def _import(
    store: BankStore, name: str, rows: Iterable[tuple[int, dict[str, Any]]], source: str | None,
    person: bool,
) -> ImportOutcome:
    bank = get_bank(store, name)
    parsed = _Parsed()
    for line, record in rows:
        try:
            _collect(parsed, record, source)
        except (ValueError, TypeError, KeyError) as e:
            raise BankImportError(line, str(e).strip("'\"")) from None
    if parsed.removals:
        check_person_may_remove(bank, person)
    return store.import_entries(bank.id, parsed.entries, parsed.removals, reason="imported")


def check_format(fmt: str) -> None:
    """InvalidArgument unless ``fmt`` is one of ``FORMATS``."""
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
_IGNORED = {"id", "entry_id", "bank", "created_at", "updated_at", "removed_at", "seq",
            "derived"}
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
        cells = [restored(c.strip()) for c in row]  # our exports quote formula-like cells
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
        yield line, _aliased(record, default_type)


def _aliased(record: dict[str, Any], default_type: str | None) -> dict[str, Any]:
    out = {_ALIASES.get(k, k): v for k, v in record.items()}
    out.setdefault("signal_type", default_type)
    return out


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
