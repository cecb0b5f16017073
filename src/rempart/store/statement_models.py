"""The outbox of statements of reasons sent to the EU Transparency Database (migration 0016).
Registered on ``models.metadata``.

``tdb_submissions``: one row per decision carrying a statement, made when the statement is
first queued. ``puid`` is the platform unique id the database knows it by (a keyed digest of
the decision's id: stable, unique, revealing nothing); ``status`` is ``pending`` until the
database accepted it (``submitted``, with its ``uuid``) or answered that the puid was already
there (``submitted``, no uuid). A failed try keeps its one-line ``error`` and is tried again
by the next run, ``attempts`` counting. No token, no statement body: both come at send time.
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table

from rempart.store.models import id_column, metadata, stamp

tdb_submissions = Table(
    "tdb_submissions",
    metadata,
    id_column(),
    Column("decision_id", Integer, ForeignKey("decisions.id"), nullable=False, unique=True),
    Column("puid", String(64), nullable=False, unique=True),
    Column("status", String(16), nullable=False),  # pending, submitted
    stamp("created_at"),
    stamp("submitted_at", nullable=True),
    Column("uuid", String(64), nullable=True),
    Column("attempts", Integer, nullable=False),
    Column("error", String(2000), nullable=True),
    Index("ix_tdb_submissions_status_attempts", "status", "attempts"),
)
