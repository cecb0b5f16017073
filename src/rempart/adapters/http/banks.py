"""Routes for banks and their entries: list, create, get, delete; bulk add, remove, import,
export (bulk adds in :mod:`bank_ingest`, the export stream in :mod:`bank_export`).

Every write applies its change to this process's matcher at once (other processes follow the
change feed within ``http.refresh_seconds``).
"""

from __future__ import annotations

import asyncio
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from rempart.adapters.http import bank_ingest
from rempart.adapters.http.bank_export import stream_export
from rempart.adapters.http.deps import (
    API_PREFIX,
    Backend,
    BackendDep,
    BanksRead,
    BanksWrite,
    sees_provenance,
)
from rempart.adapters.http.errors import (
    BODY_ERRORS,
    TOKEN_ERRORS,
    MalformedRequest,
    responses,
)
from rempart.adapters.http.schemas import (
    BankDeletedOut,
    BankIn,
    BankOut,
    EntryOut,
    EntryRemovedOut,
    ImportOut,
    MediaAddedOut,
    RowId,
)
from rempart.adapters.http.uploads import UPLOAD_BODY, read_body, read_media
from rempart.core.banks import ImportOutcome, Provenance
from rempart.core.media_signals import hash_bytes
from rempart.services import banks as svc
from rempart.services.errors import EntryNotFound, InvalidArgument

router = APIRouter(prefix=f"{API_PREFIX}/banks", tags=["banks"], responses=TOKEN_ERRORS)
_NOT_FOUND = responses(404, 422)
_BODY_NOT_FOUND = {**BODY_ERRORS, **responses(404)}


class HashFormat(StrEnum):
    """Hash exchange formats (``txt``: threatexchange's ``signal_type signal_value`` lines)."""

    CSV = "csv"
    JSONL = "jsonl"
    TXT = "txt"


_MEDIA_TYPES = {"csv": "text/csv", "jsonl": "application/x-ndjson", "txt": "text/plain"}


def _bank_out(backend: Backend, name: str) -> BankOut:
    bank = svc.get_bank(backend.store, name)
    summary = svc.BankSummary(bank, backend.store.count_entries(bank.id))
    return BankOut.model_validate(summary.to_json())


@router.get("", response_model=list[BankOut])
def list_banks(backend: BackendDep, _: BanksRead) -> list[BankOut]:
    """Every bank with its entry counts."""
    return [BankOut.model_validate(s.to_json()) for s in svc.list_banks(backend.store)]


@router.post("", status_code=201, response_model=BankOut,
             responses={**BODY_ERRORS, **responses(409, s409="A bank has this name.")})
def create_bank(body: BankIn, backend: BackendDep, _: BanksWrite) -> BankOut:
    """Create a bank (409 if the name is taken)."""
    svc.create_bank(backend.store, body.name, body.kind, body.policy, body.pdq_threshold,
                    body.vpdq_threshold, body.description)
    backend.matching.refresh()
    return _bank_out(backend, body.name)


@router.get("/{name}", response_model=BankOut, responses=_NOT_FOUND)
def get_bank(name: str, backend: BackendDep, _: BanksRead) -> BankOut:
    """One bank with its entry counts."""
    return _bank_out(backend, name)


@router.delete("/{name}", response_model=BankDeletedOut, responses={
    **_NOT_FOUND, **responses(409, s409="The bank has live entries (use `force`).")})
def delete_bank(
    name: str,
    backend: BackendDep,
    _: BanksWrite,
    force: Annotated[bool, Query(description="Also tombstone live entries.")] = False,
) -> BankDeletedOut:
    """Delete a bank; with live entries, only with ``force`` (they become tombstones)."""
    removed = svc.remove_bank(backend.store, name, force=force, person=False)
    backend.matching.refresh()
    return BankDeletedOut(name=name, removed_entries=removed)


_BULK_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/SignalsBulkIn"}},
        },
    }
}


@router.post("/{name}/signals", status_code=201, response_model=ImportOut,
             openapi_extra=_BULK_BODY, responses=_BODY_NOT_FOUND)
async def add_signals(
    name: str, request: Request, backend: BackendDep, _: BanksWrite
) -> ImportOut:
    """Add many signals in one transaction (all or nothing; live duplicates are skipped).

    The body is a `SignalsBulkIn`: each item is an import row (``signal_type``,
    ``signal_value``, optional provenance). A big body (thousands of signals) is parsed and
    written by a child process at idle priority, a small one on a low-priority thread, so that
    lookups served meanwhile keep their latency; either way the signals match as soon as the
    answer is sent.
    """
    body = await read_body(request, backend.settings.http.max_json_bytes)
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(backend.runtime.writes, bank_ingest.add_signals, backend,
                                      name, body)


@router.post("/{name}/media", status_code=201, response_model=MediaAddedOut,
             openapi_extra=UPLOAD_BODY, responses=_BODY_NOT_FOUND)
async def add_media(
    name: str,
    request: Request,
    backend: BackendDep,
    _: BanksWrite,
    source: Annotated[str | None, Query(max_length=200)] = None,
    case_id: Annotated[str | None, Query(max_length=200)] = None,
    label: Annotated[list[str] | None, Query(description="Labels (repeat).")] = None,
) -> MediaAddedOut:
    """Hash an uploaded image or video and bank every signal of it as one item.

    The media is hashed in memory and dropped; only its signals are stored. 422 when it
    cannot be hashed (not an image or video, corrupt, over a limit).
    """
    await run_in_threadpool(svc.get_bank, backend.store, name)  # 404 before any byte is read
    data, _form = await read_media(request, backend.settings.http.max_upload_bytes)
    try:
        hashes = await run_in_threadpool(hash_bytes, data, backend.settings.hashing)
    finally:
        del data
    if hashes.error:
        raise InvalidArgument(f"cannot hash this media: {hashes.error}")
    provenance = Provenance(source=source, case_id=case_id, labels=tuple(label or ()))

    def run() -> MediaAddedOut:
        (added,) = svc.add_media(backend.store, name, [(Path("upload"), hashes)], provenance)
        backend.matching.refresh()
        return MediaAddedOut(content_group=added.content_group or "",
                             entry_ids=list(added.entry_ids), sha256=hashes.sha256)

    return await run_in_threadpool(run)


@router.get("/{name}/entries/{entry_id}", response_model=EntryOut, responses=_NOT_FOUND)
def get_entry(name: str, entry_id: RowId, backend: BackendDep,
              token: BanksRead) -> dict[str, Any]:
    """One entry of the bank, tombstoned or not; its provenance (case number, source, labels,
    content group, metadata) only to moderators' tokens (scope ``cases``)."""
    bank = svc.get_bank(backend.store, name)
    entry = backend.store.get_entry(entry_id)
    if entry is None or entry.bank_id != bank.id:
        raise EntryNotFound(name, entry_id)
    record = svc.entry_record(entry)
    return record if sees_provenance(token) else svc.without_provenance(record)


@router.delete("/{name}/entries/{entry_id}", response_model=EntryRemovedOut,
               responses=_NOT_FOUND)
def remove_entry(
    name: str,
    entry_id: RowId,
    backend: BackendDep,
    _: BanksWrite,
    reason: Annotated[str | None, Query(max_length=1000)] = None,
    whole_item: Annotated[bool, Query(description="All signals of its media item.")] = False,
) -> EntryRemovedOut:
    """Withdraw an entry: it stops matching at once and stays as a tombstone."""
    removed = svc.remove_entry(backend.store, name, entry_id, reason, whole_item,
                               person=False)
    backend.matching.refresh()
    return EntryRemovedOut(removed=removed)


@router.post(
    "/{name}/import",
    status_code=201,
    response_model=ImportOut,
    responses=_BODY_NOT_FOUND,
    openapi_extra={"requestBody": {"required": True, "content": {
        t: {"schema": {"type": "string", "minLength": 1}} for t in _MEDIA_TYPES.values()
    }}},
)
async def import_entries(
    name: str,
    request: Request,
    backend: BackendDep,
    _: BanksWrite,
    format: Annotated[HashFormat, Query()] = HashFormat.CSV,
    source: Annotated[str | None, Query(max_length=200)] = None,
    signal_type: Annotated[str | None, Query(max_length=32)] = None,
) -> ImportOut:
    """Import a hash file (CSV, JSONL or txt as the body): all or nothing, tombstones apply."""
    body = await read_body(request, backend.settings.http.max_json_bytes)
    if not body:
        raise MalformedRequest("send the hash file as the body")
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise MalformedRequest("the hash file is not UTF-8") from None
    del body

    def run() -> ImportOutcome:
        outcome = svc.import_entries(backend.store, name, text.splitlines(keepends=True),
                                     format.value,
                                     source=source, signal_type=signal_type, person=False)
        backend.matching.refresh()
        return outcome

    return ImportOut.of(await run_in_threadpool(run))


@router.get(
    "/{name}/export",
    response_class=StreamingResponse,
    responses={200: {"content": {t: {"schema": {"type": "string"}}
                                 for t in _MEDIA_TYPES.values()}}, **_NOT_FOUND},
)
def export_entries(
    name: str,
    backend: BackendDep,
    token: BanksRead,
    format: Annotated[HashFormat, Query()] = HashFormat.CSV,
    include_removed: Annotated[bool, Query()] = False,
    derived: Annotated[bool, Query(description="Also the derived signals (rotations, regions, "
                                   "frame views…), labelled in CSV and JSONL.")] = False,
) -> StreamingResponse:
    """Stream the bank's active entries (and tombstones if asked) as a hash file: the primary
    signal of each item, the derived ones only when asked; provenance (case number, source,
    labels…) only to moderators' tokens (scope ``cases``), and never the case number of a
    victim's own registration."""
    svc.get_bank(backend.store, name)  # 404 before the stream starts
    return StreamingResponse(
        stream_export(backend.store, name, format.value, include_removed,
                      sees_provenance(token), derived),
        media_type=_MEDIA_TYPES[format.value],
        headers={"Content-Disposition": f'attachment; filename="{name}.{format.value}"'},
    )

