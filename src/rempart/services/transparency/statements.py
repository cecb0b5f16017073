"""Statements of reasons to the EU Transparency Database (DSA art. 24(5)): every decision
carrying a statement is queued once in an outbox, under a stable ``puid``, then sent in
batches of up to 100; what the database accepted is recorded with its uuid, what it refused is
kept with its error and tried again on a later run, ``MAX_ATTEMPTS`` times at most.

The database's batch endpoint is all or nothing: when it refuses some statements of a batch
(422, errors indexed by position), the sink reports them and the rest of the batch is sent
again at once. A statement whose ``puid`` the database already holds counts as submitted.

Example::

    report = service.submit(TdbClient(url, token), limit=1000)
    for batch in report.batches: print(batch.accepted, batch.refused, batch.error)
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from rempart.services.errors import RempartError
from rempart.services.transparency.tdb_mapping import (
    InvalidTdbStatement,
    puid_for,
    tdb_statement,
)
from rempart.store.statement_outbox import PendingStatement, StatementOutbox

log = logging.getLogger(__name__)
BATCH = 100  # the database's most per call
MAX_ATTEMPTS = 5
QUEUE_LIMIT = 10_000  # decisions queued per run at most (the next run takes the rest)
ALREADY_THERE = "already in the Transparency Database (same puid)"


class TdbUnavailable(RempartError):
    """The database could not take a batch (token refused, server error, timeout, unreadable
    answer); one line, never carrying the token."""


@dataclass(frozen=True, slots=True)
class BatchAnswer:
    """The database's answer to a batch: accepted puids (with their uuid), refused puids
    (with the reason), puids it already held. None accepted when any was refused."""

    accepted: Mapping[str, str | None] = field(default_factory=dict)
    refused: Mapping[str, str] = field(default_factory=dict)
    duplicates: frozenset[str] = frozenset()


class StatementSink(Protocol):
    """Sends one batch (at most ``BATCH`` statements, each a TDB JSON object); raises
    TdbUnavailable when the whole batch could not be sent."""

    def send(self, statements: Sequence[Mapping[str, Any]]) -> BatchAnswer: ...


@dataclass(slots=True)
class BatchReport:
    number: int
    size: int
    accepted: int = 0
    duplicates: int = 0
    refused: int = 0
    unsent: int = 0  # not sent because of ``error`` (tried again on the next run)
    error: str | None = None
    refusals: list[str] = field(default_factory=list)  # "puid: reason", one line each


@dataclass(slots=True)
class SubmitReport:
    queued: int = 0
    batches: list[BatchReport] = field(default_factory=list)
    outbox: dict[str, int] = field(default_factory=dict)

    @property
    def accepted(self) -> int:
        return sum(b.accepted + b.duplicates for b in self.batches)

    @property
    def failed(self) -> int:
        return sum(b.refused + b.unsent for b in self.batches)

    def to_json(self) -> dict[str, Any]:
        return {"queued": self.queued, "accepted": self.accepted, "failed": self.failed,
                "batches": [asdict(b) for b in self.batches], "outbox": self.outbox}


class StatementService:
    """The Transparency Database outbox over a store; ``puid_key`` gives the key puids are
    derived with (a deployment secret, read when first needed)."""

    def __init__(self, outbox: StatementOutbox, puid_key: Callable[[], bytes]) -> None:
        self.outbox = outbox
        self._puid_key = puid_key

    def queue(self, limit: int) -> int:
        """Queue decisions whose statement is not in the outbox yet (``limit`` at most)."""
        key = self._puid_key()
        return self.outbox.queue_new(lambda decision_id: puid_for(key, decision_id), limit)

    def submit(self, sink: StatementSink, limit: int = 10_000,
               batch_size: int = BATCH) -> SubmitReport:
        """Queue new statements, then send up to ``limit`` pending ones in batches."""
        if not 1 <= batch_size <= BATCH or limit < 1:
            raise RempartError(f"a batch holds 1 to {BATCH} statements; limit is at least 1")
        report = SubmitReport(queued=self.queue(QUEUE_LIMIT))
        done: set[int] = set()  # tried in this run: each statement once per run
        while len(done) < limit:
            pending = [p for p in self.outbox.pending(limit, MAX_ATTEMPTS) if p.id not in done]
            if not pending:
                break
            batch = pending[:min(batch_size, limit - len(done))]
            done.update(p.id for p in batch)
            batch_report = BatchReport(len(report.batches) + 1, len(batch))
            report.batches.append(batch_report)
            if not self._send(sink, batch, batch_report):
                break  # the database is unreachable or refuses us: the next run goes on
        report.outbox = self.outbox.counts(MAX_ATTEMPTS)
        return report

    def outbox_state(self, limit: int = 50) -> dict[str, Any]:
        """Counts and the failed statements still waiting, with their errors."""
        return {"counts": self.outbox.counts(MAX_ATTEMPTS),
                "failures": self.outbox.failures(limit)}

    def _send(self, sink: StatementSink, batch: list[PendingStatement],
              report: BatchReport) -> bool:
        bodies: dict[str, tuple[PendingStatement, dict[str, Any]]] = {}
        local: dict[int, str] = {}
        for item in batch:
            try:
                bodies[item.puid] = (item, tdb_statement(item.statement, item.action,
                                                         item.puid, item.private))
            except InvalidTdbStatement as e:
                local[item.id] = f"not sent: {e}"
                report.refusals.append(f"{item.puid}: not sent: {e}")
        self.outbox.mark_failed(local)
        report.refused += len(local)
        # A refusal makes the database drop the whole batch: send the rest again (each
        # round removes at least one statement, so this ends).
        while bodies:
            try:
                answer = sink.send([body for _, body in bodies.values()])
            except TdbUnavailable as e:
                report.error = str(e)
                report.unsent = len(bodies)
                self.outbox.mark_failed({item.id: str(e) for item, _ in bodies.values()})
                log.warning("transparency database: batch %d not sent: %s", report.number, e)
                return False
            accepted = {bodies[p][0].id: uuid for p, uuid in answer.accepted.items()
                        if p in bodies}
            self.outbox.mark_submitted(accepted)
            report.accepted += len(accepted)
            dup = {bodies[p][0].id: None for p in answer.duplicates if p in bodies}
            self.outbox.mark_submitted(dup, ALREADY_THERE)
            report.duplicates += len(dup)
            refused = {p: reason for p, reason in answer.refused.items() if p in bodies}
            self.outbox.mark_failed({bodies[p][0].id: f"refused: {r}"
                                     for p, r in refused.items()})
            report.refused += len(refused)
            report.refusals.extend(f"{p}: {r}" for p, r in refused.items())
            settled = set(answer.accepted) | answer.duplicates | set(refused)
            if not settled & set(bodies):
                report.error = "the database answered without settling any statement"
                report.unsent = len(bodies)
                self.outbox.mark_failed({item.id: report.error for item, _ in bodies.values()})
                return False
            bodies = {p: v for p, v in bodies.items() if p not in settled}
        return True
