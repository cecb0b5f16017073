"""Victim cases of the protection portal (``/protect``): a case per registration, its items
(the bank entries of one image each) and the spent proof-of-work challenges.

Registered on ``models.metadata``; change it only together with a migration. No media, ever:
an item is a content group and the ids of its bank entries (the signals live in the bank).
"""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Index, Integer, String, Table

from rempart.store.models import id_column, metadata, parent, stamp, timestamps

victim_cases = Table(
    "victim_cases",
    metadata,
    id_column(),
    Column("case_number", String(32), nullable=False, unique=True),  # VIC-2026-000123
    Column("secret_sha256", String(64), nullable=False),
    *timestamps(),
    Column("status", String(16), nullable=False),  # open, closed
    Column("minor", Boolean, nullable=False),
    Column("contact", String(320), nullable=True),
    Column("item_count", Integer, nullable=False),
    stamp("closed_at", nullable=True),
)

case_items = Table(
    "case_items",
    metadata,
    id_column(),
    parent("case_id", "victim_cases"),
    Column("content_group", String(64), nullable=False),
    Column("bank", String(200), nullable=False),
    Column("entry_ids", JSON, nullable=False),
    stamp("created_at"),
    stamp("withdrawn_at", nullable=True),
)
Index("ix_case_items_case", case_items.c.case_id)

# One use per proof-of-work challenge: a spent challenge is kept until it would have expired.
case_challenges = Table(
    "case_challenges",
    metadata,
    Column("id", String(64), primary_key=True),
    stamp("expires_at", index=True),
)
