"""One batch of a distributed scan, as a task runs it: a range of an input's items scanned
exactly as the local scan scans them, stored in one transaction with the batch's ``done``.

Items are read from the input's start (the export reader's state, such as a chat's header and
usernames, is the local scan's) and each process keeps its reader open where its last batch
stopped, so the next batch of the same input, usually later, reads on instead of reading
again. The batch's sightings (flood-guard hits, review items) are recorded first: they count
once however often they are recorded, as a local scan resumed after a kill records them. Then
its findings and its ``done`` mark are committed together: a task killed before that commit
leaves nothing of the batch, and a batch run twice is stored once.

Example::

    runner = BatchRunner(scans, matcher, lambda options: ExportSource())
    runner.run(batch_id)          # False: done already (by another task)
"""

from __future__ import annotations

import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Protocol

from rempart.core.conversations import Conversations
from rempart.core.flood import Hit
from rempart.core.items import Item
from rempart.services.matching import MatchService
from rempart.services.scan.counters import count_item
from rempart.services.scan.findings import message_findings
from rempart.services.scan.inputs import ItemSource, ScanInputError
from rempart.services.scan.media import match_file
from rempart.services.scan.sightings import message_sightings
from rempart.store.reviews import NewReviewItem
from rempart.store.scan_interface import FindingRow, ScanBatch, ScanBatchStore, ScanStore

TOUCH_SECONDS = 2.0  # a running batch shows it is alive at least this often
OPEN_READERS = 4  # inputs a process keeps open between batches


class BatchScanStore(ScanStore, ScanBatchStore, Protocol):
    """Scans, findings and batches on one database."""


class ItemCursor:
    """Items of the inputs by ordinal, reading on from where the last range of an input
    stopped (in this process) when the next one starts at or after it. Each input's
    conversations follow every item read, skipped ones included, so a message is read with
    the ones before it as in a local scan."""

    def __init__(self) -> None:
        self._open: OrderedDict[tuple[str, str],
                                tuple[Iterator[Item], int, Conversations]] = OrderedDict()

    def range(self, scan_id: str, source: ItemSource, path: str, start: int,
              stop: int | None) -> Iterator[tuple[Item, Conversations]]:
        """``(item, its input's conversations)`` from ``start`` to ``stop`` (``None``: the
        end); ScanInputError when the input cannot be read that far."""
        key = (scan_id, path)
        it, pos, talk = self._open.pop(key, (None, 0, Conversations()))
        if it is None or pos > start:
            it, pos, talk = iter(source.items(Path(path))), 0, Conversations()
        for _ in range(start - pos):
            skipped = next(it, None)
            if skipped is None:
                return
            talk.skip(skipped)
            pos += 1
        while stop is None or pos < stop:
            item = next(it, None)
            if item is None:
                return
            yield item, talk
            pos += 1
        self._open[key] = (it, pos, talk)
        while len(self._open) > OPEN_READERS:
            self._open.popitem(last=False)


class BatchRunner:
    """Runs batches in a worker process (one per process: it keeps readers open)."""

    def __init__(self, scans: BatchScanStore, matcher: MatchService,
                 source_for: Callable[[dict[str, Any]], ItemSource]) -> None:
        self.scans = scans
        self.matcher = matcher
        self.source_for = source_for
        self.cursor = ItemCursor()

    def run(self, batch_id: int, *, pause: float = 0.0) -> bool:
        """Scan and store the batch; False when it was done already (nothing written).
        ``pause``: seconds to wait after each item (tests that stop a worker mid-batch)."""
        batch = self.scans.get_batch(batch_id)
        if batch is None or batch.done:
            return False
        record = self.scans.get_scan(batch.scan_id)
        if record is None or not self.scans.touch_batch(batch_id, start=True):
            return False
        source = self.source_for(record.options)
        robust = bool(record.options.get("robust", True))
        counters: Counter[str] = Counter()
        rows: list[FindingRow] = []
        hits: list[Hit] = []
        reviews: list[NewReviewItem] = []
        items, error = 0, None
        touched = time.monotonic()
        try:
            for item, talk in self.cursor.range(batch.scan_id, source, batch.input,
                                                batch.start, batch.stop):
                found, h, r = self._item(batch, item, record.banks, robust, counters, talk)
                rows += found
                hits += h
                reviews += r
                items += 1
                if pause:
                    time.sleep(pause)
                if time.monotonic() - touched >= TOUCH_SECONDS:
                    touched = time.monotonic()
                    if not self.scans.touch_batch(batch_id):
                        return False  # another task finished it meanwhile
        except ScanInputError as exc:
            error = str(exc)
        if hits or reviews:
            self.matcher.sightings.record(hits, reviews)
        return self.scans.commit_scan_batch(batch_id, rows, items=items, counters=counters,
                                            error=error)

    def _item(self, batch: ScanBatch, item: Item, banks: tuple[str, ...] | None, robust: bool,
              counters: Counter[str], talk: Conversations
              ) -> tuple[list[FindingRow], list[Hit], list[NewReviewItem]]:
        outcomes = [match_file(self.matcher, ref.resolved, banks, robust)
                    if ref.readable and ref.resolved else None for ref in item.media]
        verdict = talk.read(item)
        rows = message_findings(batch.scan_id, batch.input, item, outcomes, verdict)
        hits, reviews = message_sightings(batch.scan_id, batch.input, item, outcomes)
        count_item(counters, item, outcomes, verdict, findings=len(rows),
                   review_items=len(reviews))
        return rows, hits, reviews
