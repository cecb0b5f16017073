"""Read, hash and match media files, in this process or over a pool of worker processes.

Each worker opens the database itself and loads its own ``MatchService``, then reads, hashes
AND matches: matching is not cheap next to hashing. Profiled on 320×240 JPEGs against a small
bank (one core), about 45 % of a photo's CPU time is matching (ORB retrieval, and the mirrored
probe's features computed during the lookup); hashing in the pool and matching in the parent
would make the parent the bottleneck from two workers on, and ship each probe's pixels
(~120 kB pickled) between processes. Only small records (sha256, matches) come back. Bytes are
read into memory, hashed and dropped; a worker never writes anything. A file that makes its
worker die fails alone (``services.media_pool``): its verdict carries the error.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Collection
from concurrent.futures import Future
from dataclasses import replace
from pathlib import Path
from typing import cast

from rempart.core.hash_settings import HashSettings
from rempart.core.matcher import Query
from rempart.core.media_signals import analyze
from rempart.core.verdict import Verdict
from rempart.services.hashing import read_media
from rempart.services.match_reports import unmatched
from rempart.services.matching import MatchService, MatchStore
from rempart.services.media_pool import MediaPool

REFRESH_SECONDS = 30.0  # workers follow bank changes made during a long scan


def match_file(service: MatchService, path: str, banks: Collection[str] | None,
               robust: bool = True) -> Verdict:
    """Read, hash and match one file; every failure becomes a verdict with ``error``.

    ``robust=False`` matches on PDQ (8 orientations, trimmed borders) and exact hashes only,
    without the ORB local features that catch crops and screenshots: several times faster.
    """
    data, failed_read = read_media(Path(path), service.settings)
    if data is None:
        assert failed_read is not None
        return replace(unmatched(failed_read), sha256=failed_read.sha256 or None, key=path)
    settings = service.settings if robust else replace(service.settings, robust=False)
    try:
        analysis = analyze(data, settings, probe=robust, stills=service.matcher.has_videos)
    finally:
        del data
    h = analysis.hashes
    if h.error is not None:
        return replace(unmatched(h), sha256=h.sha256 or None, key=path)
    return replace(service.match_query(Query(h, analysis.probe), banks, record=False), key=path)


def failed(message: str) -> Verdict:
    """The verdict of a file that killed its worker."""
    return Verdict("unsupported", None, error=message, status="error")


# -- worker processes ---------------------------------------------------------------------

_worker: MatchService | None = None
_worker_banks: tuple[str, ...] | None = None
_worker_robust = True
_worker_refreshed = 0.0


def _init_worker(db_url: str, settings: HashSettings, banks: tuple[str, ...] | None,
                 robust: bool) -> None:
    global _worker, _worker_banks, _worker_refreshed, _worker_robust
    import cv2

    from rempart.store.sql import open_store

    cv2.setNumThreads(1)  # one process per core: no nested thread pools
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops us
    service = MatchService(cast(MatchStore, open_store(db_url, migrate=False)), settings=settings)
    service.load()
    _worker, _worker_banks, _worker_refreshed = service, banks, time.monotonic()
    _worker_robust = robust


def _work(path: str) -> Verdict:
    global _worker_refreshed
    assert _worker is not None
    if time.monotonic() - _worker_refreshed > REFRESH_SECONDS:
        _worker.refresh()
        _worker_refreshed = time.monotonic()
    return match_file(_worker, path, _worker_banks, _worker_robust)


class MediaMatcher:
    """Hands media files to workers (or matches them here with ``workers <= 1``)."""

    def __init__(self, service: MatchService, banks: Collection[str] | None, *, workers: int,
                 db_url: str | None, robust: bool = True) -> None:
        self.service = service
        self.banks = None if banks is None else tuple(banks)
        self.robust = robust
        self._pool: MediaPool | None = None
        if workers > 1 and db_url is not None:
            self._pool = MediaPool(workers, initializer=_init_worker,
                                   initargs=(db_url, service.settings, self.banks, robust))
        self.workers = workers if self._pool is not None else 1

    def submit(self, path: str) -> Future[Verdict]:
        """Start matching ``path``; inline mode runs it now and returns a done future.

        A file that cannot be hashed, or kills its worker, gets a verdict with ``error``;
        the future raises when matching itself fails or no worker can start (the scan then
        stops, resumable).
        """
        if self._pool is not None:
            return self._pool.submit(_work, path, on_error=failed)
        future: Future[Verdict] = Future()
        try:
            future.set_result(match_file(self.service, path, self.banks, self.robust))
        except Exception as exc:  # the same failure a worker would report
            future.set_exception(exc)
        return future

    def close(self, *, cancel: bool = False) -> None:
        """Stop the workers (``cancel``: without finishing queued files)."""
        if self._pool is not None:
            self._pool.close(cancel=cancel)
            self._pool = None
