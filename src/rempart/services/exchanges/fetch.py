"""One fetch of one exchange: pages from the checkpoint into the exchange's bank.

Each page's live signals become entries (provenance: the exchange's name and the signal's id
at the source) and its withdrawn ones tombstone theirs, in the transaction that saves the
checkpoint after the page. A record that cannot be read is reported and skipped; the rest of
the page goes on. A fetch stops at ``FetchLimits.max_pages`` or ``max_seconds`` (the next one
goes on from the checkpoint), or at the first page the server cannot give.

Example::

    report = fetch_exchange(store, exchange, source, FetchLimits())
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterable

from rempart.core.banks import (
    EntryTrust,
    NewEntry,
    Provenance,
    canonical_signal_type,
    new_content_group,
    normalize_signal,
)
from rempart.core.exchanges import Exchange, FetchedSignal, FetchLimits, FetchReport
from rempart.services.exchanges.errors import ExchangeSourceError
from rempart.services.exchanges.ports import ExchangeSource, ExchangeStore

log = logging.getLogger(__name__)
_SHOWN_CHARS = 80  # of a bad value, in an error line
_LABELS, _LABEL_CHARS = 10, 64  # what a server may attach to one signal, at most


def fetch_exchange(
    store: ExchangeStore, exchange: Exchange, source: ExchangeSource, limits: FetchLimits,
    clock: Callable[[], float] = time.monotonic,
) -> FetchReport:
    """Fetch ``exchange`` from its checkpoint; never raises for the source's faults (they end
    the fetch and are kept in ``report.failed`` and the exchange's ``last_error``)."""
    report = FetchReport(exchange.name)
    bank = store.get_bank_by_id(exchange.bank_id)
    if bank is None or bank.deleted_at is not None:
        report.failed = f"bank {exchange.bank!r} was removed: remove the exchange or add it again"
        store.record_failure(exchange.id, report.failed)
        return report
    deadline = clock() + limits.max_seconds
    pages = source.pages(exchange.checkpoint, limits, deadline)
    try:
        for page in pages:
            entries, removals = _translate(exchange, page.signals, report, limits)
            outcome = store.apply_page(exchange.id, exchange.bank_id, entries, removals,
                                       page.checkpoint,
                                       removed_sources=[i[:200] for i in page.withdrawn_ids])
            report.pages += 1
            report.added += len(outcome.added)
            report.withdrawn += outcome.removed
            report.skipped += page.skipped
            for error in page.errors:
                _error(report, error, limits)
            if not page.more:
                break
            if report.pages >= limits.max_pages or clock() >= deadline:
                report.more = True
                break
    except ExchangeSourceError as e:
        report.failed = str(e)
        log.warning("exchange %s: fetch stopped: %s", exchange.name, e)
        store.record_failure(exchange.id, str(e))
    finally:
        close = getattr(pages, "close", None)
        if close is not None:
            close()
    return report


def _translate(
    exchange: Exchange, signals: Iterable[FetchedSignal], report: FetchReport,
    limits: FetchLimits,
) -> tuple[list[NewEntry], list[tuple[str, str]]]:
    latest: dict[tuple[str, str], FetchedSignal] = {}  # the last word on each signal wins
    for signal in signals:
        try:
            kind = canonical_signal_type(signal.signal_type)
            value = normalize_signal(kind, signal.value)
        except ValueError as e:
            shown = signal.source_id[:_SHOWN_CHARS]
            _error(report, f"record {shown!r}: {e}", limits)
            continue
        key = (kind, value)
        latest.pop(key, None)
        latest[key] = signal
    entries: list[NewEntry] = []
    removals: list[tuple[str, str]] = []
    for (kind, value), signal in latest.items():
        if not signal.live:
            removals.append((kind, value))
            continue
        provenance = Provenance(
            source=exchange.name, external_id=signal.source_id[:200],
            labels=tuple(label[:_LABEL_CHARS] for label in signal.labels[:_LABELS]),
            metadata={"exchange": exchange.name, "exchange_kind": exchange.kind.value})
        trust = EntryTrust.UNCONFIRMED if signal.unconfirmed else EntryTrust.BANK
        entries.append(NewEntry(kind, value, _group(exchange, signal.group), None, provenance,
                                trust))
    return entries, removals


def _group(exchange: Exchange, group: str | None) -> str:
    """The content group of a source's item here: its own per exchange, never one of ours."""
    if not group:
        return new_content_group()
    return hashlib.sha256(f"{exchange.id}/{group}".encode()).hexdigest()[:32]


def _error(report: FetchReport, error: str, limits: FetchLimits) -> None:
    report.error_count += 1
    if len(report.errors) < limits.max_errors_kept:
        report.errors.append(error)
        log.warning("exchange %s: %s", report.exchange, error)
