"""The scanner's Celery task: ``rempart.scan.batch`` scans one batch of a distributed scan
(``rempart scan --distributed``, coordinated by ``services.scan.distributed``).

A message carries the scan's and the batch's ids only, never media: the worker reads the
exports from the paths it shares with the coordinator, and the scan's options (usernames,
robust matching, banks) from the database. The batch is idempotent (``services.scan.batches``):
a task redelivered after its worker died, or sent again by the coordinator, stores the batch
once. ``REMPART_SCAN_ITEM_PAUSE`` (seconds, tests only) slows every item down.

Example::

    celery.send_task("rempart.scan.batch", args=[scan_id, batch_id])
"""

from __future__ import annotations

import os
from typing import Any

from celery import Celery

from rempart.services.scan.batches import BatchRunner
from rempart.services.scan.inputs import ItemSource

BATCH_TASK = "rempart.scan.batch"
PAUSE_ENV = "REMPART_SCAN_ITEM_PAUSE"

_runners: dict[int, BatchRunner] = {}  # per application of this process


def source_for(options: dict[str, Any]) -> ItemSource:
    """The reader of a scan's inputs, with the scan's chat usernames."""
    from rempart.adapters.cli.scan_cmd import ExportSource

    names = options.get("usernames") or {}
    return ExportSource({int(k): str(v) for k, v in names.items()})


def runner_of(app: Any) -> BatchRunner:
    """This process's batch runner on ``app`` (it keeps export readers open between tasks)."""
    runner = _runners.get(id(app))
    if runner is None:
        _runners.clear()
        runner = _runners[id(app)] = BatchRunner(app.scans, app.matching, source_for)
    return runner


def register(celery: Celery) -> None:
    """Add ``rempart.scan.batch`` to ``celery``."""

    @celery.task(name=BATCH_TASK, shared=False)
    def scan_batch(scan_id: str, batch_id: int) -> bool:
        pause = float(os.environ.get(PAUSE_ENV) or 0)
        return runner_of(celery.rempart.get()).run(batch_id, pause=pause)
