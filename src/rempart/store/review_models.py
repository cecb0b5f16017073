"""The review queue: matches and flagged texts waiting for a human (console), from any source.

Registered on ``models.metadata``; change it only together with a migration. No media, ever:
evidence is bank, entry, signal, distance, labels, location, text excerpt.
"""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Column, ForeignKey, Index, Integer, String, Table, Text

from rempart.store.models import id_column, metadata, stamp, timestamps

review_items = Table(
    "review_items",
    metadata,
    id_column(),
    *timestamps(),
    Column("source", String(16), nullable=False),  # scan, bot, api
    Column("status", String(16), nullable=False),  # open, confirmed, dismissed
    Column("kind", String(16), nullable=False),  # media_match, text_flag
    Column("bank", String(200), nullable=True),
    Column("entry_id", BigInteger, nullable=True),
    Column("content_group", String(64), nullable=True),
    Column("signal", String(16), nullable=True),
    Column("distance", Integer, nullable=True),
    Column("labels", JSON, nullable=False),
    Column("location", JSON, nullable=False),  # platform, chat, message, link, sender, date
    Column("evidence", JSON, nullable=False),  # match detail, text excerpt and spans
    Column("dedup_key", String(200), nullable=False, unique=True),
    # the content seen, as an opaque digest (store.review_groups.group_key), and where
    Column("group_key", String(32), nullable=False),
    Column("place", String(200), nullable=True),
    Column("decided_by", Integer, ForeignKey("users.id"), nullable=True),
    stamp("decided_at", nullable=True),
    Column("decision", String(32), nullable=True),
    Column("decision_reason", Text, nullable=True),
)
Index("ix_review_items_status_created", review_items.c.status, review_items.c.created_at)
Index("ix_review_items_group", review_items.c.group_key, review_items.c.status,
      review_items.c.created_at)
