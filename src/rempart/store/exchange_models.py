"""The tables of hash exchanges (migration 0015). Registered on ``models.metadata``.

- ``exchanges``: one row per configured exchange (StopNCII, NCMEC, ThreatExchange, another
  Rempart), the bank it fills and its checkpoint, saved in the transaction of the entries it
  covers. No credentials: they come from the environment.
- ``exchange_feedback``: the outbox of opinions sent back to an exchange (StopNCII: blocked /
  not blocked) after a moderator decided a review item of one of its entries; one row per
  exchange and review item, kept once sent (``sent_at``) or failed (``error``).
- ``bank_feed_tokens``: the tokens other Rempart instances follow one bank's change feed with
  (the sha256 of each secret, never the secret), each good for its one bank only.
"""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Column, Integer, String, Table, UniqueConstraint

from rempart.store.models import id_column, metadata, parent, stamp

exchanges = Table(
    "exchanges",
    metadata,
    id_column(Integer),
    Column("name", String(63), nullable=False, unique=True),
    Column("kind", String(32), nullable=False),
    parent("bank_id", "banks", Integer, unique=True),
    Column("url", String(2000), nullable=True),
    Column("checkpoint", JSON, nullable=True),
    stamp("created_at"),
    stamp("fetched_at", nullable=True),
    Column("last_error", String(2000), nullable=True),
    Column("added", Integer, nullable=False),
    Column("withdrawn", Integer, nullable=False),
)

exchange_feedback = Table(
    "exchange_feedback",
    metadata,
    id_column(),
    parent("exchange_id", "exchanges", Integer),
    Column("review_item_id", BigInteger, nullable=False),
    Column("signal_type", String(32), nullable=False),
    Column("value", String(64), nullable=False),
    Column("opinion", String(32), nullable=False),
    Column("tags", JSON, nullable=False),
    stamp("created_at"),
    stamp("sent_at", nullable=True),
    Column("attempts", Integer, nullable=False),
    Column("error", String(2000), nullable=True),
    UniqueConstraint("exchange_id", "review_item_id"),
)

bank_feed_tokens = Table(
    "bank_feed_tokens",
    metadata,
    id_column(Integer),
    Column("name", String(63), nullable=False),
    parent("bank_id", "banks", Integer, index=True),
    Column("digest", String(64), nullable=False, unique=True),
    stamp("created_at"),
    stamp("revoked_at", nullable=True),
)
