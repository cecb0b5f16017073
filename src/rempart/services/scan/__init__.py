"""The scan: Telegram exports and media folders → findings (matches, text labels, links, media
problems) stored with a scan id, resumable after any interruption.

Example::

    from rempart.services.scan import ScanService
    result = ScanService(store, scans, matcher, settings, source=source).scan([Path("export")])
    print(result.counters["findings"], [i.error for i in result.errors])

The same scan on task workers: ``DistributedScan`` (the coordinator) and ``BatchRunner`` (a
worker's side).
"""

from rempart.services.scan.batches import BatchRunner
from rempart.services.scan.distributed import DistributedScan
from rempart.services.scan.findings import message_findings
from rempart.services.scan.inputs import ItemSource, ScanInputError, fingerprint
from rempart.services.scan.service import (
    InputOutcome,
    ScanError,
    ScanProgress,
    ScanResult,
    ScanService,
)

__all__ = [
    "BatchRunner", "DistributedScan", "InputOutcome", "ItemSource", "ScanError",
    "ScanInputError", "ScanProgress", "ScanResult", "ScanService", "fingerprint",
    "message_findings",
]
