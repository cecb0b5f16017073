"""What a scan needs of a store: scans with their progress cursor, and their findings.

``scans.SqlScanStore`` implements it for SQLite and PostgreSQL. Findings are JSON-ready dicts
(the ``rempart scan --jsonl`` lines); media are never stored, only their paths and hashes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

ScanStatus = Literal["running", "interrupted", "completed", "failed"]
SCAN_STATUSES: tuple[str, ...] = ("running", "interrupted", "completed", "failed")


class UnknownScan(Exception):
    """No scan has this id."""


@dataclass(frozen=True, slots=True)
class NewScan:
    """A scan about to start. ``banks`` is ``None`` for every enabled bank."""

    fingerprint: str
    inputs: tuple[str, ...]
    banks: tuple[str, ...] | None
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ScanRecord:
    """A stored scan: its arguments, status, counters and progress per input."""

    id: str
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None
    fingerprint: str
    inputs: tuple[str, ...]
    banks: tuple[str, ...] | None
    options: dict[str, Any]
    status: str
    counters: dict[str, int]
    progress: dict[str, dict[str, Any]]


@dataclass(frozen=True, slots=True)
class FindingRow:
    """One finding to store. ``key`` identifies its message and media within the scan (the
    same key twice is stored once); ``contents`` are its matched (bank, content group)."""

    key: str
    input: str
    finding: Mapping[str, Any]
    chat_id: int | None = None
    message_id: int | None = None
    date_utc: str | None = None
    contents: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class ContentSighting:
    """Where a banked content was found by a scan (for cross-scan lookups)."""

    scan_id: str
    bank: str
    content_group: str
    chat_id: int | None
    message_id: int | None
    date_utc: str | None
    input: str


class ScanStore(Protocol):
    """Scans and their findings."""

    def create_scan(self, new: NewScan) -> ScanRecord:
        """Store a new running scan with empty counters and progress."""
        ...

    def get_scan(self, scan_id: str) -> ScanRecord | None:
        """The scan with this id, or ``None``."""
        ...

    def latest_scan(self, fingerprint: str) -> ScanRecord | None:
        """The most recent scan started with these arguments, or ``None``."""
        ...

    def list_scans(self, limit: int = 100) -> list[ScanRecord]:
        """The most recent scans, newest first."""
        ...

    def commit_batch(
        self,
        scan_id: str,
        findings: Sequence[FindingRow],
        *,
        counters: Mapping[str, int],
        progress: Mapping[str, Mapping[str, Any]],
    ) -> int:
        """In ONE transaction: add ``findings`` (keys already stored are skipped) and set the
        scan's counters and progress. Returns how many findings were new. UnknownScan."""
        ...

    def finish_scan(
        self,
        scan_id: str,
        status: ScanStatus,
        *,
        counters: Mapping[str, int] | None = None,
        progress: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> ScanRecord:
        """Set the scan's status (and counters/progress when given). UnknownScan."""
        ...

    def count_findings(self, scan_id: str) -> int:
        """How many findings the scan stored."""
        ...

    def iter_findings(self, scan_id: str, *, page: int = 1000) -> Iterator[dict[str, Any]]:
        """The scan's findings in the order they were stored (paged, never all in memory)."""
        ...

    def finding_keys(self, scan_id: str) -> list[str]:
        """The keys of the scan's findings, in stored order (for checks and tests)."""
        ...

    def sightings(self, content_group: str, *, limit: int = 1000) -> list[ContentSighting]:
        """Where any scan found this banked content, oldest message first."""
        ...

    def delete_scan(self, scan_id: str) -> bool:
        """Delete a scan and its findings; False when there was none."""
        ...


# --- distributed scans ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewScanBatch:
    """A range of an input's items (ordinals ``start`` to ``stop``, ``None``: to the end)."""

    input: str
    input_index: int
    start: int
    stop: int | None


@dataclass(frozen=True, slots=True)
class ScanBatch:
    """A stored batch: what a task must scan, and once ``done`` what it found (``items``
    scanned, the counters of those items, the input's read ``error`` met in the range)."""

    id: int
    scan_id: str
    input: str
    input_index: int
    start: int
    stop: int | None
    done: bool
    sent_at: datetime | None
    touched_at: datetime | None
    attempts: int
    items: int
    counters: dict[str, int]
    error: str | None


class ScanBatchStore(Protocol):
    """The batches of distributed scans (``scan_batches``), beside their scans and findings."""

    def plan_batches(self, scan_id: str, batches: Sequence[NewScanBatch],
                     progress: Mapping[str, Mapping[str, Any]]) -> list[ScanBatch]:
        """In ONE transaction: store the scan's batches (unless it has some already) and its
        progress per input; the scan's batches in input and item order. UnknownScan."""
        ...

    def list_batches(self, scan_id: str) -> list[ScanBatch]:
        """The scan's batches in input and item order."""
        ...

    def get_batch(self, batch_id: int) -> ScanBatch | None:
        """The batch with this id, or ``None``."""
        ...

    def mark_sent(self, batch_ids: Sequence[int]) -> None:
        """Record that a task was sent for each of these batches, now."""
        ...

    def touch_batch(self, batch_id: int, *, start: bool = False) -> bool:
        """Record a sign of life of the task running the batch (``start``: a new attempt);
        False when the batch is done already."""
        ...

    def commit_scan_batch(self, batch_id: int, findings: Sequence[FindingRow], *, items: int,
                          counters: Mapping[str, int], error: str | None) -> bool:
        """In ONE transaction: add the batch's new findings and mark it done with its items,
        counters and error; False (nothing written) when it was done already."""
        ...

    def complete_batched_scan(self, scan_id: str, *, counters: Mapping[str, int],
                              progress: Mapping[str, Mapping[str, Any]]) -> ScanRecord:
        """In ONE transaction: renumber the findings in item order (as a local scan stores
        them) and mark the scan completed with these counters and progress. UnknownScan."""
        ...
