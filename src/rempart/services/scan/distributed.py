"""``DistributedScan``: the coordinator of a scan run by task workers (``rempart scan
--distributed``).

It creates the scan (or finds it again: the same inputs and options make the same scan, as for
a local scan, and a completed one is returned as it was), splits each input into batches of
``batch_items`` items (from the input's item count; the last batch runs to the input's end),
sends one task per batch (its id only: workers read the inputs from the paths they share with
the coordinator) and follows the batches in the database until all are done. Then it adds up
their counters and progress and renumbers the findings in item order, so the scan stores, and
prints, exactly what a local scan does.

Lost tasks are sent again. A task whose worker dies is given back by the broker, but a queue
can also be lost (a broker restarted without persistence, a purge): when no batch has shown
life for ``lease_seconds`` and nothing was sent meanwhile, every unfinished batch is sent
again, as is any started batch silent for that long. A batch is idempotent, so a task that
arrives twice does its work once.

Example::

    coordinator = DistributedScan(service, send=lambda scan_id, batch_id: ...)
    result = coordinator.scan([Path("ChatExport_2024-05-01")])
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from rempart.services.scan.batches import BatchScanStore
from rempart.services.scan.inputs import ScanInputError
from rempart.services.scan.service import ScanError, ScanResult, ScanService, _result
from rempart.store.scan_interface import NewScanBatch, ScanBatch, ScanRecord

BATCH_ITEMS = 200  # items per batch (per task)
LEASE_SECONDS = 120.0  # silence after which unfinished batches are sent again
POLL_SECONDS = 0.5
MAX_ATTEMPTS = 5  # a batch whose tasks failed this often fails the scan


@dataclass(frozen=True, slots=True)
class BatchProgress:
    """Sent to the progress callback: items done of the total, batches done, counters so far."""

    items: int
    total: int
    batches_done: int
    batches: int
    counters: dict[str, int]


class DistributedScan:
    """Coordinates a scan whose batches are scanned by task workers (see the module docstring).

    ``send(scan_id, batch_id)`` queues the task of one batch.
    """

    def __init__(self, service: ScanService, send: Callable[[str, int], None], *,
                 batch_items: int = BATCH_ITEMS, lease_seconds: float = LEASE_SECONDS,
                 poll_seconds: float = POLL_SECONDS) -> None:
        if not hasattr(service.scans, "plan_batches"):
            raise ScanError("this store cannot run distributed scans")
        self.service = service
        self.scans = cast(BatchScanStore, service.scans)
        self.send = send
        self.batch_items = max(1, batch_items)
        self.lease_seconds = lease_seconds
        self.poll_seconds = poll_seconds

    def scan(self, inputs: list[Path], banks: Collection[str] | None = None, *,
             resume: bool = True, progress: Callable[[BatchProgress], None] | None = None,
             usernames: dict[int, str] | None = None, robust: bool = True) -> ScanResult:
        """Scan ``inputs`` against ``banks`` (``None``: every enabled bank) on the workers;
        the arguments and the result are :meth:`ScanService.scan`'s."""
        options = {**self.service.options(usernames, robust), "distributed": True}
        paths, opened = self.service.open_scan(inputs, banks, options, resume)
        if isinstance(opened, ScanResult):
            return opened
        record, resumed = opened
        try:
            batches = self.scans.list_batches(record.id) or self._plan(record, paths)
            planned = self.scans.get_scan(record.id) or record
            total = sum(int(s.get("total") or 0) for s in planned.progress.values())
            batches = self._follow(record.id, batches, total, progress)
            counters, state = self._totals(planned, batches)
        except BaseException as e:
            self.scans.finish_scan(
                record.id, "interrupted" if isinstance(e, KeyboardInterrupt) else "failed")
            raise
        done = self.scans.complete_batched_scan(record.id, counters=counters, progress=state)
        return _result(done, resumed=resumed)

    def _plan(self, record: ScanRecord, paths: list[str]) -> list[ScanBatch]:
        state: dict[str, dict[str, Any]] = {}
        new: list[NewScanBatch] = []
        for index, path in enumerate(paths):
            try:
                kind = self.service.source.kind(Path(path))
                total = self.service.source.count(Path(path))
            except ScanInputError as exc:
                state[path] = {"kind": None, "position": 0, "done": True, "error": str(exc)}
                continue
            state[path] = {"kind": kind, "total": total, "position": 0, "done": False,
                           "error": None}
            n, k = total or 0, self.batch_items
            new += [NewScanBatch(path, index, start, start + k if start + k < n else None)
                    for start in range(0, max(n, 1), k)]
        return self.scans.plan_batches(record.id, new, state)

    def _follow(self, scan_id: str, batches: list[ScanBatch], total: int,
                progress: Callable[[BatchProgress], None] | None) -> list[ScanBatch]:
        while True:
            pending = [b for b in batches if not b.done]
            if progress is not None:
                counters: Counter[str] = Counter()
                for b in batches:
                    counters.update(b.counters)
                progress(BatchProgress(sum(b.items for b in batches if b.done), total,
                                       len(batches) - len(pending), len(batches),
                                       dict(counters)))
            if not pending:
                return batches
            if failed := [b for b in pending if b.attempts >= MAX_ATTEMPTS]:
                raise ScanError(f"batch {failed[0].id} ({failed[0].input}, items from "
                                f"{failed[0].start}) failed {failed[0].attempts} times")
            due = self._due(batches, pending)
            for b in due:
                self.send(scan_id, b.id)
            self.scans.mark_sent([b.id for b in due])
            time.sleep(self.poll_seconds)
            batches = self.scans.list_batches(scan_id)

    def _due(self, batches: list[ScanBatch], pending: list[ScanBatch]) -> list[ScanBatch]:
        """The batches to send (again): never sent; started but silent for a lease; or all
        unfinished ones when nothing moved nor was sent for a lease (a lost queue)."""
        now = datetime.now(UTC)

        def silent(*moments: datetime | None) -> bool:
            seen = [m for m in moments if m is not None]
            return not seen or (now - max(seen)).total_seconds() > self.lease_seconds

        never = [b for b in pending if b.sent_at is None]
        stalled = [b for b in pending if b.touched_at is not None and b.sent_at is not None
                   and silent(b.sent_at, b.touched_at)]
        if silent(*(b.touched_at for b in batches), *(b.sent_at for b in pending)):
            return pending
        return never + stalled

    @staticmethod
    def _totals(record: ScanRecord, batches: list[ScanBatch]
                ) -> tuple[dict[str, int], dict[str, dict[str, Any]]]:
        """The scan's counters and progress as a local scan leaves them (counters in the
        order a local scan first meets them)."""
        counters: Counter[str] = Counter()
        state = {p: dict(record.progress.get(p, {})) for p in record.inputs}
        by_input: dict[str, list[ScanBatch]] = {}
        for b in batches:
            by_input.setdefault(b.input, []).append(b)
        for path in record.inputs:
            s = state.setdefault(path, {"kind": None, "position": 0, "done": True,
                                        "error": None})
            mine = by_input.get(path, [])
            for b in mine:
                counters.update(b.counters)
            errors = [b.error for b in mine if b.error]
            if mine:
                s.update(position=sum(b.items for b in mine), done=True,
                         error=errors[0] if errors else None)
            if s.get("error"):
                counters["input_errors"] += 1
        return dict(counters), state
