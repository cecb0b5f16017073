"""Tables of scans: one row per scan (arguments, status, counters, progress cursor per input),
its findings (JSON, never media) and the banked contents each finding matched (for lookups).

Registered on ``models.metadata``; change them only together with a migration.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    String,
    Table,
    UniqueConstraint,
)

from rempart.store.models import id_column, metadata, parent, stamp, timestamps

scans = Table(
    "scans",
    metadata,
    Column("id", String(36), primary_key=True),
    *timestamps(),
    stamp("finished_at", nullable=True),
    # sha256 of the sorted resolved inputs, the banks and the options: same arguments, same scan.
    Column("fingerprint", String(64), nullable=False, index=True),
    Column("inputs", JSON, nullable=False),
    Column("banks", JSON, nullable=True),
    Column("options", JSON, nullable=False),
    Column("status", String(16), nullable=False),
    Column("counters", JSON, nullable=False),
    # {resolved input: {"position": items committed, "done": bool, "error": str | None, ...}}
    Column("progress", JSON, nullable=False),
)

scan_findings = Table(
    "scan_findings",
    metadata,
    id_column(),
    parent("scan_id", "scans", String(36)),
    Column("seq", Integer, nullable=False),
    # sha256 of (input, chat id, message id, media path): re-processing never duplicates.
    Column("key", String(64), nullable=False),
    Column("input", String(4000), nullable=False),
    Column("chat_id", BigInteger, nullable=True, index=True),
    Column("message_id", BigInteger, nullable=True),
    Column("date_utc", String(40), nullable=True),
    Column("finding", JSON, nullable=False),
    UniqueConstraint("scan_id", "key"),
    Index("ix_scan_findings_scan_id_seq", "scan_id", "seq"),
)

scan_finding_contents = Table(
    "scan_finding_contents",
    metadata,
    id_column(),
    parent("finding_id", "scan_findings", index=True),
    Column("scan_id", String(36), nullable=False),
    Column("bank", String(200), nullable=False),
    Column("content_group", String(64), nullable=False, index=True),
)

# A distributed scan's work: one row per range of an input's items, done by one task. ``done``
# is set in the transaction that stores the batch's findings; ``seq_from``/``seq_to`` are the
# stored seqs of those findings until the scan completes (then renumbered in item order).
scan_batches = Table(
    "scan_batches",
    metadata,
    id_column(),
    parent("scan_id", "scans", String(36), index=True),
    Column("input", String(4000), nullable=False),
    Column("input_index", Integer, nullable=False),
    Column("start", Integer, nullable=False),
    Column("stop", Integer, nullable=True),  # None: to the input's end
    Column("done", Boolean, nullable=False),
    stamp("sent_at", nullable=True),
    stamp("touched_at", nullable=True),  # last sign of life of a task running it
    Column("attempts", Integer, nullable=False),
    Column("items", Integer, nullable=False),
    Column("counters", JSON, nullable=False),
    Column("error", String(4000), nullable=True),
    Column("seq_from", Integer, nullable=True),
    Column("seq_to", Integer, nullable=True),
    UniqueConstraint("scan_id", "input_index", "start"),
)
