"""A bank's export as a stream of bytes (``GET /banks/{name}/export``).

The exporter writes text; a producer thread gathers it into chunks of about
``EXPORT_CHUNK_CHARS`` characters and hands them over through a small queue, so a big bank is
never held in memory whole, and a client that goes away stops the producer.

Example::

    StreamingResponse(stream_export(store, "victims", "csv", include_removed=False,
                                    provenance=False), media_type="text/csv")
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator

from rempart.services import banks as svc
from rempart.services.stores import BankStore

EXPORT_CHUNK_CHARS = 64 * 1024  # characters per chunk handed to the response
QUEUE_CHUNKS = 16  # chunks written ahead of the client at most


class _Cancelled(Exception):
    """The consumer is gone: the producer stops."""


def stream_export(store: BankStore, name: str, fmt: str, include_removed: bool,
                  provenance: bool, derived: bool = False) -> Iterator[bytes]:
    """The export of bank ``name`` in ``fmt``, written by a producer thread, in chunks."""
    chunks: queue.Queue[bytes | BaseException | None] = queue.Queue(maxsize=QUEUE_CHUNKS)
    cancelled = threading.Event()

    def put(item: bytes | BaseException | None) -> None:
        while not cancelled.is_set():
            try:
                chunks.put(item, timeout=0.5)
                return
            except queue.Full:
                continue
        raise _Cancelled

    def produce() -> None:
        writer = _ChunkWriter(put)
        try:
            svc.export_entries(store, name, writer, fmt,  # type: ignore[arg-type]
                               include_removed, provenance=provenance, derived=derived)
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


class _ChunkWriter:
    """A text file that hands its content on, encoded, every ``EXPORT_CHUNK_CHARS``."""

    def __init__(self, put: Callable[[bytes], None]) -> None:
        self.put = put
        self.buf: list[str] = []
        self.size = 0

    def write(self, s: str) -> int:
        self.buf.append(s)
        self.size += len(s)
        if self.size >= EXPORT_CHUNK_CHARS:
            self.flush()
        return len(s)

    def flush(self) -> None:
        if self.buf:
            self.put("".join(self.buf).encode())
            self.buf, self.size = [], 0
