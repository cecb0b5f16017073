"""``ScanService.scan``: exports and folders → findings in the store, resumable at any moment.

Items are read in order; their media are hashed and matched by workers while the parent
classifies texts, and results are consumed in item order. Findings are committed in batches
together with each input's cursor (how many items are done), so a scan killed at any point
restarts, with the same arguments, right after the last committed item; findings that were
re-processed keep their place (their key is unique in the scan). Just before each batch, its
sightings are recorded (``scan.sightings``: flood-guard hits, review items of unconfirmed or
review entries): re-processed after a kill, they count once (distinct places, senders and
files; one item per key).

Example::

    service = ScanService(store, scan_store, MatchService(store), Settings(), source=source)
    result = service.scan([Path("ChatExport_2024-05-01")], None, workers=2)
    for finding in scan_store.iter_findings(result.scan_id): ...
"""

from __future__ import annotations

import time
from collections import Counter, deque
from collections.abc import Callable, Collection
from concurrent.futures import Future
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rempart.config import Settings
from rempart.core.conversations import Conversations
from rempart.core.flood import Hit
from rempart.core.items import Item
from rempart.core.text import TextVerdict
from rempart.core.verdict import Verdict
from rempart.services.errors import RempartError
from rempart.services.hashing import default_workers
from rempart.services.matching import MatchService
from rempart.services.scan.counters import count_item
from rempart.services.scan.findings import message_findings
from rempart.services.scan.inputs import ItemSource, ScanInputError, fingerprint, resolve_input
from rempart.services.scan.media import MediaMatcher
from rempart.services.scan.sightings import message_sightings
from rempart.store.reviews import NewReviewItem
from rempart.store.scan_interface import FindingRow, NewScan, ScanRecord, ScanStore

COMMIT_ITEMS = 2000  # items per transaction at most
COMMIT_SECONDS = 2.0  # ... and at least this often: a kill loses at most this much work
WINDOW_PER_WORKER = 32  # items in flight per worker


class ScanError(RempartError):
    """The scan itself cannot go on (workers died, database gone)."""


@dataclass(frozen=True, slots=True)
class InputOutcome:
    """How far the scan got in one input, and why it stopped early if it did."""

    path: str
    kind: str | None
    position: int
    done: bool
    error: str | None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"path": self.path, "kind": self.kind, "items": self.position,
                "done": self.done, "error": self.error}


@dataclass(frozen=True, slots=True)
class ScanResult:
    """A scan as stored. ``resumed``: an interrupted scan was continued; ``reused``: the same
    scan had completed before and was returned as it was (nothing re-scanned)."""

    scan_id: str
    status: str
    counters: dict[str, int]
    inputs: tuple[InputOutcome, ...]
    resumed: bool = False
    reused: bool = False

    @property
    def errors(self) -> list[InputOutcome]:
        """Inputs that could not be read to their end."""
        return [i for i in self.inputs if i.error]

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"scan_id": self.scan_id, "status": self.status, "counters": self.counters,
                "inputs": [i.to_json() for i in self.inputs], "resumed": self.resumed,
                "reused": self.reused}


@dataclass(frozen=True, slots=True)
class ScanProgress:
    """Sent to the progress callback: the current input and the scan's counters so far."""

    input: str
    position: int
    total: int | None
    counters: dict[str, int]


@dataclass
class _Pending:
    ordinal: int
    item: Item
    futures: list[Future[Verdict] | None]
    verdict: TextVerdict | None = None

    def ready(self) -> bool:
        return all(f is None or f.done() for f in self.futures)


@dataclass
class _Run:
    record: ScanRecord
    counters: Counter[str]
    progress: dict[str, dict[str, Any]]
    batch: list[FindingRow] = field(default_factory=list)
    last_commit: float = field(default_factory=time.monotonic)
    batch_items: int = 0
    hits: list[Hit] = field(default_factory=list)
    reviews: list[NewReviewItem] = field(default_factory=list)


class ScanService:
    """Scans inputs against the banks and stores findings (see the module docstring)."""

    def __init__(self, store: Any, scan_store: ScanStore, matcher: MatchService,
                 settings: Settings, *, source: ItemSource, db_url: str | None = None,
                 commit_items: int = COMMIT_ITEMS,
                 commit_seconds: float = COMMIT_SECONDS) -> None:
        self.store = store
        self.scans = scan_store
        self.matcher = matcher
        self.settings = settings
        self.source = source
        self.db_url = db_url if db_url is not None else _url_of(scan_store)
        self.commit_items = commit_items
        self.commit_seconds = commit_seconds

    def options(self, usernames: dict[int, str] | None = None,
                robust: bool = True) -> dict[str, Any]:
        """The options that make two scans the same scan (part of the fingerprint)."""
        names = {str(k): v for k, v in sorted((usernames or {}).items())}
        out: dict[str, Any] = {"usernames": names,
                               "hashing": asdict(self.matcher.settings)}
        if not robust:
            out["robust"] = False
        return out

    def scan(self, inputs: list[Path], banks: Collection[str] | None = None, *, workers: int = 0,
             resume: bool = True, progress: Callable[[ScanProgress], None] | None = None,
             usernames: dict[int, str] | None = None, robust: bool = True) -> ScanResult:
        """Scan ``inputs`` (exports or folders) against ``banks`` (``None``: every enabled
        bank). With ``resume``, the same arguments continue an unfinished scan or return a
        completed one. Ctrl-C commits what is done, marks the scan interrupted and re-raises.
        ``robust=False`` matches images on PDQ and exact hashes only (no ORB): faster, misses
        more crops and screenshots.
        """
        paths, opened = self.open_scan(inputs, banks, self.options(usernames, robust), resume)
        if isinstance(opened, ScanResult):
            return opened
        record, resumed = opened
        run = _Run(record, Counter(record.counters),
                   {p: dict(record.progress.get(p, {})) for p in paths})
        self.matcher.refresh()
        n = workers or self.settings.workers or default_workers()
        media = MediaMatcher(self.matcher, record.banks, workers=n, db_url=self.db_url,
                             robust=robust)
        try:
            for path in paths:
                self._input(run, Path(path), media, progress)
        except BaseException as e:
            media.close(cancel=True)
            self._commit(run)
            self.scans.finish_scan(
                record.id, "interrupted" if isinstance(e, KeyboardInterrupt) else "failed")
            raise
        media.close()
        done = self.scans.finish_scan(record.id, "completed", counters=dict(run.counters),
                                      progress=run.progress)
        return _result(done, resumed=resumed)

    # -- one input --------------------------------------------------------------------------

    def open_scan(self, inputs: list[Path], banks: Collection[str] | None,
                  options: dict[str, Any], resume: bool
                  ) -> tuple[list[str], ScanResult | tuple[ScanRecord, bool]]:
        """The inputs' paths, and the completed scan of the same arguments (``resume``), or
        the scan to run: the unfinished one of the same arguments (True: resumed) or a new
        one."""
        paths = list(dict.fromkeys(resolve_input(p) for p in inputs))
        bank_list = None if banks is None else tuple(sorted(set(banks)))
        key = fingerprint(paths, bank_list, options)
        record = self.scans.latest_scan(key) if resume else None
        if record is not None and record.status == "completed":
            return paths, _result(record, reused=True)
        if record is not None:
            return paths, (record, True)
        return paths, (self.scans.create_scan(NewScan(key, tuple(paths), bank_list, options)),
                       False)

    def _input(self, run: _Run, path: Path, media: MediaMatcher,
               progress: Callable[[ScanProgress], None] | None) -> None:
        state = run.progress[str(path)]
        if state.get("done"):
            return
        state.setdefault("position", 0)
        state.setdefault("error", None)
        try:
            state["kind"] = self.source.kind(path)
            total = self.source.count(path)
            state["total"] = total
        except ScanInputError as exc:
            state.update(done=True, error=str(exc), kind=state.get("kind"))
            run.counters["input_errors"] += 1
            self._commit(run)
            return
        skip = int(state["position"])
        talk = Conversations()
        window: deque[_Pending] = deque()
        limit = WINDOW_PER_WORKER * media.workers
        last_report = 0.0
        try:
            for ordinal, item in enumerate(self.source.items(path)):
                if ordinal < skip:
                    talk.skip(item)
                    continue
                window.append(self._start(ordinal, item, media, talk))
                while window and (len(window) > limit or window[0].ready()):
                    self._finish(run, str(path), window.popleft())
                self._maybe_commit(run)
                if progress is not None and time.monotonic() - last_report > 0.1:
                    last_report = time.monotonic()
                    progress(ScanProgress(str(path), int(state["position"]), total,
                                          dict(run.counters)))
        except ScanInputError as exc:
            state["error"] = str(exc)
            run.counters["input_errors"] += 1
        while window:
            self._finish(run, str(path), window.popleft())
        state["done"] = True
        self._commit(run)
        if progress is not None:
            progress(ScanProgress(str(path), int(state["position"]), total, dict(run.counters)))

    def _start(self, ordinal: int, item: Item, media: MediaMatcher,
               talk: Conversations) -> _Pending:
        futures: list[Future[Verdict] | None] = [
            media.submit(ref.resolved) if ref.readable and ref.resolved else None
            for ref in item.media
        ]
        # Text is classified here, with the messages it follows, while the workers hash.
        verdict = talk.read(item)
        return _Pending(ordinal, item, futures, verdict)

    def _finish(self, run: _Run, input_path: str, pending: _Pending) -> None:
        try:
            outcomes = [None if f is None else f.result() for f in pending.futures]
        except KeyboardInterrupt:
            raise
        except Exception as exc:  # a worker died (out of memory, killed): stop, resumable
            raise ScanError(f"media worker failed: {type(exc).__name__}: {exc}") from exc
        item = pending.item
        rows = message_findings(run.record.id, input_path, item, outcomes, pending.verdict)
        hits, reviews = message_sightings(run.record.id, input_path, item, outcomes)
        run.hits += hits
        run.reviews += reviews
        counted: Counter[str] = Counter()
        count_item(counted, item, outcomes, pending.verdict, findings=len(rows),
                   review_items=len(reviews))
        run.batch.extend(rows)
        run.batch_items += 1
        state = run.progress[input_path]
        # Counters and cursor side by side: a Ctrl-C between them would count the item again.
        run.counters.update(counted)
        state["position"] = pending.ordinal + 1
        state["last_chat_id"] = item.location.chat_id
        state["last_message_id"] = item.location.message_id

    def _maybe_commit(self, run: _Run) -> None:
        if run.batch_items >= self.commit_items or (
                run.batch_items and time.monotonic() - run.last_commit >= self.commit_seconds):
            self._commit(run)

    def _commit(self, run: _Run) -> None:
        # Before the cursor moves: a kill in between re-processes these items, never skips.
        if run.hits or run.reviews:
            self.matcher.sightings.record(run.hits, run.reviews)
            run.hits, run.reviews = [], []
        self.scans.commit_batch(run.record.id, run.batch, counters=dict(run.counters),
                                progress=run.progress)
        run.batch, run.batch_items, run.last_commit = [], 0, time.monotonic()


def _result(record: ScanRecord, *, resumed: bool = False, reused: bool = False) -> ScanResult:
    inputs = tuple(
        InputOutcome(p, record.progress.get(p, {}).get("kind"),
                     int(record.progress.get(p, {}).get("position", 0)),
                     bool(record.progress.get(p, {}).get("done")),
                     record.progress.get(p, {}).get("error"))
        for p in record.inputs)
    return ScanResult(record.id, record.status, dict(record.counters), inputs, resumed, reused)


def _url_of(scan_store: Any) -> str | None:
    """The database URL worker processes open, or ``None`` when they cannot share it."""
    engine = getattr(scan_store, "engine", None)
    if engine is None:
        return None
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        return None
    return str(url.render_as_string(hide_password=False))

