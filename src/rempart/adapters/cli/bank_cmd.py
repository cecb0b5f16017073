"""`rempart bank ...`: manage hash banks (create, list, add, import, export, remove).

Example::

    $ rempart bank create victims --kind victim
    $ rempart bank add victims photo.jpg --case-id 42 --label ncii
    $ rempart bank import partner hashes.csv
    $ rempart bank export partner --format jsonl --include-removed -o partner.jsonl
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from rempart.adapters.cli.options import Db, Jsonl, add_group, fail, store_for
from rempart.adapters.cli.output import emit_jsonl, show_rows
from rempart.config import Settings
from rempart.core.banks import (
    DEFAULT_PDQ_THRESHOLD,
    DEFAULT_VPDQ_THRESHOLD,
    BankEntry,
    BankKind,
    BankPolicy,
    Provenance,
)
from rempart.services import banks as svc


class FileFormat(StrEnum):
    """Hash file formats (``txt``: threatexchange's ``signal_type signal_value`` lines)."""

    CSV = "csv"
    JSONL = "jsonl"
    TXT = "txt"


Name = Annotated[str, typer.Argument(help="Bank name.")]


def create(
    name: Name,
    kind: Annotated[BankKind, typer.Option(help="Where the hashes come from.")] = (
        BankKind.MODERATOR),
    policy: Annotated[BankPolicy | None, typer.Option(
        help="Action on match (default: review for victim banks, block otherwise).",
        show_default=False)] = None,
    threshold: Annotated[int, typer.Option(help="PDQ match threshold (bits).")] = (
        DEFAULT_PDQ_THRESHOLD),
    vpdq_threshold: Annotated[int, typer.Option(help="vPDQ per-frame threshold (bits).")] = (
        DEFAULT_VPDQ_THRESHOLD),
    description: Annotated[str, typer.Option(help="Free text.")] = "",
    db: Db = None,
) -> None:
    """Create a bank. Example: rempart bank create victims --kind victim"""
    with store_for(db) as store:
        bank = svc.create_bank(store, name, kind, policy, threshold, vpdq_threshold, description)
    typer.echo(f"created bank {bank.name} (kind {bank.kind}, policy {bank.policy}, "
               f"PDQ threshold {bank.pdq_threshold})")


def list_(jsonl: Jsonl = False, db: Db = None) -> None:
    """List banks with their entry counts. Example: rempart bank list --jsonl"""
    with store_for(db) as store:
        summaries = svc.list_banks(store)
    show_rows(summaries, jsonl, svc.BankSummary.to_json,
              Table("name", "kind", "policy", "PDQ", "vPDQ", "enabled", "active", "on hold",
                    "removed"), _bank_cells)


def _bank_cells(s: svc.BankSummary) -> list[str]:
    b = s.bank
    return [b.name, b.kind, b.policy, str(b.pdq_threshold), str(b.vpdq_threshold),
            "yes" if b.enabled else "no", *(str(n) for n in s.counts.values())]


def remove(
    name: Name,
    force: Annotated[bool, typer.Option("--force", help="Also when entries remain "
                                        "(they are tombstoned).")] = False,
    db: Db = None,
) -> None:
    """Remove a bank (refused while it holds entries, unless --force)."""
    with store_for(db) as store:
        n = svc.remove_bank(store, name, force)
    typer.echo(f"removed bank {name}" + (f" ({n} entries tombstoned)" if n else ""))


def add(
    name: Name,
    files: Annotated[list[Path], typer.Argument(
        help="Media files: hashed here, only their signals are stored.",
        exists=True, dir_okay=False, readable=True)],
    label: Annotated[list[str] | None, typer.Option("--label", help="Label (repeatable).")] = None,
    case_id: Annotated[str | None, typer.Option(help="Case this media belongs to.")] = None,
    source: Annotated[str | None, typer.Option(help="Who submitted it.")] = None,
    jsonl: Jsonl = False,
    db: Db = None,
) -> None:
    """Hash media files, store their signals. Example: rempart bank add victims a.jpg --label x"""
    from rempart.services.hashing import hash_paths  # heavy (image and video decoders)

    settings = Settings()
    provenance = Provenance(source=source, submitted_at=datetime.now(UTC), case_id=case_id,
                            labels=tuple(label or ()))
    with store_for(db) as store:
        svc.get_bank(store, name)  # fail before hashing
        hashed = hash_paths(files, settings.hashing, settings.workers)
        added = svc.add_media(store, name, hashed, provenance)
    failed = 0
    for item in added:
        if item.error:
            failed += 1
            typer.echo(f"error: {item.path}: {item.error}", err=True)
        elif jsonl:
            emit_jsonl({"path": str(item.path), "content_group": item.content_group,
                        "entry_ids": list(item.entry_ids)})
        else:
            typer.echo(f"{item.path}: {len(item.entry_ids)} signals, "
                       f"content group {item.content_group}")
    if failed:
        raise typer.Exit(1)


def import_(
    name: Name,
    file: Annotated[str, typer.Argument(help="Hash file, or - for stdin.")],
    format: Annotated[FileFormat | None, typer.Option(
        "--format", help="File format (default: from the extension, else csv).",
        show_default=False)] = None,
    signal_type: Annotated[str | None, typer.Option(
        help="Signal type of rows that name none (e.g. pdq).")] = None,
    source: Annotated[str | None, typer.Option(help="Source of rows that name none.")] = None,
    db: Db = None,
) -> None:
    """Import a CSV/JSONL/txt hash file, all or nothing. Example: rempart bank import p h.csv"""
    fmt = format or _guess_format(file)
    with store_for(db) as store:
        if file == "-":
            out = svc.import_entries(store, name, sys.stdin, fmt.value, source, signal_type)
        else:
            try:
                with open(file, encoding="utf-8", newline="") as f:
                    out = svc.import_entries(store, name, f, fmt.value, source, signal_type)
            except OSError as e:
                fail(f"cannot read {file}: {e.strerror}")
            except UnicodeDecodeError:
                fail(f"cannot read {file}: not UTF-8 text")
    typer.echo(f"imported {len(out.added)} entries into {name} "
               f"({out.duplicates} already present, {out.removed} removed)")


def _guess_format(file: str) -> FileFormat:
    suffix = Path(file).suffix.lower().lstrip(".")
    return FileFormat(suffix) if suffix in FileFormat.__members__.values() else FileFormat.CSV


def export(
    name: Name,
    format: Annotated[FileFormat, typer.Option("--format", help="Output format.")] = (
        FileFormat.CSV),
    include_removed: Annotated[bool, typer.Option(
        "--include-removed", help="Also tombstones of removed entries.")] = False,
    derived: Annotated[bool, typer.Option(
        "--derived", help="Also derived signals (rotations, region crops, file hashes of a "
        "photo…), labelled in csv and jsonl. Default: each item's primary signal only.")] = False,
    output: Annotated[Path | None, typer.Option(
        "-o", "--output", help="Write here instead of stdout.", dir_okay=False)] = None,
    db: Db = None,
) -> None:
    """Export a bank's signals. Example: rempart bank export partner --format jsonl -o p.jsonl"""
    with store_for(db) as store:
        if output is None:
            n = svc.export_entries(store, name, sys.stdout, format.value, include_removed,
                                   derived=derived)
        else:
            svc.get_bank(store, name)
            try:
                with output.open("w", encoding="utf-8", newline="") as f:
                    n = svc.export_entries(store, name, f, format.value, include_removed,
                                           derived=derived)
            except OSError as e:
                fail(f"cannot write {output}: {e.strerror}")
    typer.echo(f"exported {n} entries from {name}", err=True)


def entries(
    name: Name,
    include_removed: Annotated[bool, typer.Option(
        "--include-removed", help="Also removed entries (tombstones).")] = False,
    jsonl: Jsonl = False,
    db: Db = None,
) -> None:
    """List a bank's entries. Example: rempart bank entries victims --jsonl"""
    with store_for(db) as store:
        rows = list(svc.list_entries(store, name, include_removed))
    show_rows(rows, jsonl, svc.entry_record,
              Table("id", "signal", "value", "status", "group", "source", "case", "labels"),
              _entry_cells, width=200)


def _entry_cells(e: BankEntry) -> list[str]:
    value = e.value if len(e.value) <= 64 else e.value[:61] + "..."
    return [str(e.id), e.signal_type, value, e.status, e.content_group[:8],
            e.provenance.source or "", e.provenance.case_id or "",
            " ".join(e.provenance.labels)]


def remove_entry(
    name: Name,
    entry_id: Annotated[int, typer.Argument(help="Entry id (see `rempart bank entries`).")],
    reason: Annotated[str | None, typer.Option(help="Why (kept in the tombstone).")] = None,
    whole_item: Annotated[bool, typer.Option(
        "--whole-item", help="Remove every signal of the entry's media item.")] = False,
    db: Db = None,
) -> None:
    """Remove an entry, leaving a tombstone. Example: rempart bank remove-entry victims 12"""
    with store_for(db) as store:
        n = svc.remove_entry(store, name, entry_id, reason, whole_item)
    typer.echo(f"removed {n} entries from {name}")


def register(app: typer.Typer) -> None:
    """Attach the ``bank`` command group."""
    add_group(app, "bank", "Hash banks: create, fill, import, export, remove.", {
        "create": create, "list": list_, "remove": remove, "add": add, "import": import_,
        "export": export, "entries": entries, "remove-entry": remove_entry})
