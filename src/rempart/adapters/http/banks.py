"""Banks and their entries: list, create, get, delete; bulk add, remove, import, export.

Every write applies its change to this process's matcher at once (other processes follow the
change feed within ``http.refresh_seconds``).
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import StreamingResponse
from pydantic import TypeAdapter, ValidationError
from starlette.concurrency import run_in_threadpool

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
from rempart.adapters.http.gentle_json import decode_object
from rempart.adapters.http.schemas import (
    BankDeletedOut,
    BankIn,
    BankOut,
    EntryOut,
    EntryRemovedOut,
    ImportOut,
    MediaAddedOut,
    RowId,
    SignalIn,
    SignalsBulkIn,
)
from rempart.adapters.http.uploads import UPLOAD_BODY, read_body, read_media
from rempart.core.banks import ImportOutcome, Provenance
from rempart.core.media_signals import hash_bytes
from rempart.runtime import (
    TRIM_AFTER,
    background_executor,
    background_work,
    release_memory,
    run_in_idle_child,
)
from rempart.services import banks as svc
from rempart.services.errors import BankImportError, EntryNotFound, InvalidArgument, InvalidSignal
from rempart.store.interface import BankStore

router = APIRouter(prefix=f"{API_PREFIX}/banks", tags=["banks"], responses=TOKEN_ERRORS)
_NOT_FOUND = responses(404, 422)
_BODY_NOT_FOUND = {**BODY_ERRORS, **responses(404)}
_SIGNAL_LIST = TypeAdapter(list[SignalIn])


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


def _outcome(o: ImportOutcome) -> ImportOut:
    return ImportOut(added=len(o.added), duplicates=o.duplicates, removed=o.removed,
                     ids=list(o.added))


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
_CHUNK = 500
_RELEASE_AFTER_BYTES = 100 * TRIM_AFTER  # about TRIM_AFTER signals
_CHILD_AFTER_BYTES = 256 * 1024  # about 2,500 signals: worth a child's 1 s start (idle CPU)


def parse_bulk(body: bytes) -> SignalsBulkIn:
    """The bulk body, validated in chunks of items (see :mod:`gentle_json`); a malformed body
    gets pydantic's own errors, as a body parsed by FastAPI would."""
    try:
        data = decode_object(body.decode("utf-8"))
        signals = data.get("signals")
        if not isinstance(signals, list):
            raise ValueError("signals must be a list")
        items: list[SignalIn] = []
        for start in range(0, len(signals), _CHUNK):
            items += _SIGNAL_LIST.validate_python(signals[start:start + _CHUNK])
        return SignalsBulkIn.model_validate({"signals": items, "source": data.get("source")})
    except (ValueError, ValidationError):
        pass
    try:
        return SignalsBulkIn.model_validate_json(body)
    except ValidationError as e:
        errors = [{**err, "loc": ("body", *err["loc"])} for err in e.errors(include_url=False)]
        raise RequestValidationError(errors) from None


def _add_signals(backend: Backend, name: str, body: bytes) -> ImportOut:
    limit = backend.settings.http.max_bulk_signals
    url = backend.settings.database_url
    if len(body) >= _CHILD_AFTER_BYTES and shared_database(url):
        # Thousands of rows: parsed and written by an idle-priority child (no GIL shared with
        # the lookups); this process then only reads the change feed.
        out = ImportOut.model_validate(
            run_in_idle_child(f"{__name__}:ingest_bulk", url, limit, name, body))
        with background_work():
            backend.matching.refresh()
    else:
        with background_work():
            out = _add_signals_now(backend.store, limit, name, body)
            backend.matching.refresh()
    if len(body) >= _RELEASE_AFTER_BYTES:
        release_memory()  # parsing and indexing thousands of signals leaves garbage behind
    return out


def ingest_bulk(database_url: str, limit: int, name: str, body: bytes) -> dict[str, Any]:
    """A bulk add done on its own store, its answer as JSON (in a child process, see
    ``run_in_idle_child``)."""
    from rempart.store.sql import open_store

    store = open_store(database_url, migrate=False)
    try:
        return _add_signals_now(store, limit, name, body).model_dump(mode="json")
    finally:
        store.close()


def shared_database(url: str) -> bool:
    """Whether another process can open the database at ``url`` (not an in-memory SQLite)."""
    if not url.startswith("sqlite"):
        return True
    rest = url.split("://", 1)[-1]
    return rest not in ("", "/", "/:memory:") and "mode=memory" not in rest


def _add_signals_now(store: BankStore, limit: int, name: str, body: bytes) -> ImportOut:
    signals = parse_bulk(body)
    if len(signals.signals) > limit:
        raise InvalidArgument(f"at most {limit} signals per request")
    # One validation path for imports and bulk adds: the rows go through the importer's checks.
    rows = (s.model_dump(exclude_none=True) for s in signals.signals)
    try:
        outcome = svc.import_records(store, name, rows, source=signals.source, person=False)
    except BankImportError as e:
        raise InvalidSignal(f"signals[{e.line - 1}]: {e.message}") from None
    return _outcome(outcome)


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
    return await loop.run_in_executor(background_executor(), _add_signals, backend, name, body)


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

    return _outcome(await run_in_threadpool(run))


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
) -> StreamingResponse:
    """Stream the bank's active entries (and tombstones if asked) as a hash file; provenance
    (case number, source, labels…) only to moderators' tokens (scope ``cases``), and never the
    case number of a victim's own registration."""
    svc.get_bank(backend.store, name)  # 404 before the stream starts
    return StreamingResponse(
        _stream(backend, name, format.value, include_removed, sees_provenance(token)),
        media_type=_MEDIA_TYPES[format.value],
        headers={"Content-Disposition": f'attachment; filename="{name}.{format.value}"'},
    )


_CHUNK = 64 * 1024


class _Cancelled(Exception):
    pass


def _stream(backend: Backend, name: str, fmt: str, include_removed: bool,
            provenance: bool) -> Iterator[bytes]:
    """The export written by a producer thread, handed over in chunks through a small queue."""
    chunks: queue.Queue[bytes | BaseException | None] = queue.Queue(maxsize=16)
    cancelled = threading.Event()

    class Writer:
        def __init__(self) -> None:
            self.buf: list[str] = []
            self.size = 0

        def write(self, s: str) -> int:
            self.buf.append(s)
            self.size += len(s)
            if self.size >= _CHUNK:
                self.flush()
            return len(s)

        def flush(self) -> None:
            if self.buf:
                put("".join(self.buf).encode())
                self.buf, self.size = [], 0

    def put(item: bytes | BaseException | None) -> None:
        while not cancelled.is_set():
            try:
                chunks.put(item, timeout=0.5)
                return
            except queue.Full:
                continue
        raise _Cancelled

    def produce() -> None:
        writer = Writer()
        try:
            svc.export_entries(backend.store, name, writer, fmt,  # type: ignore[arg-type]
                               include_removed, provenance=provenance)
            writer.flush()
            put(None)
        except _Cancelled:
            return
        except BaseException as e:  # handed to the consumer, which re-raises
            try:
                put(e)
            except _Cancelled:
                return

    thread = threading.Thread(target=produce, name="rempart-export", daemon=True)
    thread.start()
    try:
        while True:
            item = chunks.get()
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        cancelled.set()
