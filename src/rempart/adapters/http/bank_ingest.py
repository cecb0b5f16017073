"""Bulk adds of signals to a bank (``POST /banks/{name}/signals``): parse, check, write.

A big body (thousands of signals) is parsed and written by the task ``ingest_bulk`` on the
runtime's ``tasks`` (a child process at idle priority), so the server's lookups keep their
latency; a small one on the calling (low-priority) thread. Either way this process's matcher
has the new entries when ``add_signals`` returns.

Example::

    out = add_signals(backend, "feed", b'{"signals": [{"signal_type": "md5", ...}]}')
    out.added                                       # 1
"""

from __future__ import annotations

from typing import Any

from fastapi.exceptions import RequestValidationError
from pydantic import TypeAdapter, ValidationError

from rempart.adapters.http.deps import Backend
from rempart.adapters.http.gentle_json import decode_object
from rempart.adapters.http.schemas import ImportOut, SignalIn, SignalsBulkIn
from rempart.runtime import TRIM_AFTER
from rempart.services import banks as svc
from rempart.services.errors import BankImportError, InvalidArgument, InvalidSignal
from rempart.services.stores import BankStore

VALIDATION_CHUNK = 500  # items validated per pydantic call: each call's errors and memory small
RELEASE_AFTER_BYTES = 100 * TRIM_AFTER  # about TRIM_AFTER signals
CHILD_AFTER_BYTES = 256 * 1024  # about 2,500 signals: worth a child's 1 s start (idle CPU)
SIGNAL_LIST = TypeAdapter(list[SignalIn])
INGEST_TASK = f"{__name__}:ingest_bulk"


def parse_bulk(body: bytes) -> SignalsBulkIn:
    """The bulk body, validated ``VALIDATION_CHUNK`` items at a time (see :mod:`gentle_json`);
    a malformed body gets pydantic's own errors, as a body parsed by FastAPI would."""
    try:
        data = decode_object(body.decode("utf-8"))
        signals = data.get("signals")
        if not isinstance(signals, list):
            raise ValueError("signals must be a list")
        items: list[SignalIn] = []
        for start in range(0, len(signals), VALIDATION_CHUNK):
            items += SIGNAL_LIST.validate_python(signals[start:start + VALIDATION_CHUNK])
        return SignalsBulkIn.model_validate({"signals": items, "source": data.get("source")})
    except (ValueError, ValidationError):
        pass
    try:
        return SignalsBulkIn.model_validate_json(body)
    except ValidationError as e:
        errors = [{**err, "loc": ("body", *err["loc"])} for err in e.errors(include_url=False)]
        raise RequestValidationError(errors) from None


def add_signals(backend: Backend, name: str, body: bytes) -> ImportOut:
    """Add the signals of ``body`` to bank ``name``, as a background task when it is big."""
    runtime = backend.runtime
    limit = backend.settings.http.max_bulk_signals
    url = backend.settings.database_url
    if len(body) >= CHILD_AFTER_BYTES and shared_database(url):
        # Thousands of rows: parsed and written by an idle-priority child (no GIL shared with
        # the lookups); this process then only reads the change feed.
        answer = runtime.tasks.submit(INGEST_TASK, url, limit, name, body).result()
        out = ImportOut.model_validate(answer)
        with runtime.background():
            backend.matching.refresh()
    else:
        with runtime.background():
            out = _add_now(backend.store, limit, name, body)
            backend.matching.refresh()
    if len(body) >= RELEASE_AFTER_BYTES:
        runtime.release_memory()  # parsing and indexing thousands of signals leaves garbage
    return out


def ingest_bulk(database_url: str, limit: int, name: str, body: bytes) -> dict[str, Any]:
    """A bulk add done on its own store, its answer as plain data (the task ``INGEST_TASK``,
    run in another process)."""
    from rempart.services.offline import open_bank_store

    store = open_bank_store(database_url)
    try:
        return _add_now(store, limit, name, body).model_dump(mode="json")
    finally:
        store.close()


def shared_database(url: str) -> bool:
    """Whether another process can open the database at ``url`` (not an in-memory SQLite)."""
    if not url.startswith("sqlite"):
        return True
    rest = url.split("://", 1)[-1]
    return rest not in ("", "/", "/:memory:") and "mode=memory" not in rest


def _add_now(store: BankStore, limit: int, name: str, body: bytes) -> ImportOut:
    signals = parse_bulk(body)
    if len(signals.signals) > limit:
        raise InvalidArgument(f"at most {limit} signals per request")
    # One validation path for imports and bulk adds: the rows go through the importer's checks.
    rows = (s.model_dump(exclude_none=True) for s in signals.signals)
    try:
        outcome = svc.import_records(store, name, rows, source=signals.source, person=False)
    except BankImportError as e:
        raise InvalidSignal(f"signals[{e.line - 1}]: {e.message}") from None
    return ImportOut.of(outcome)
