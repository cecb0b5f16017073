"""Tables of the shared rate limits and of the console's login lockout (migration 0010).

Registered on ``models.metadata``; change them only together with a migration.

- ``rate_buckets``: one token bucket per key (``notice:ip:203.0.113.7``, ``token:42``…),
  shared by every process of a deployment. ``level`` is the tokens left at ``stamp`` (epoch
  seconds), ``granted`` what the last take got (an upsert's RETURNING sees only the new
  row); a row whose bucket would be full again by ``expires`` carries no information and
  is deleted (no wipe on size: the table holds the keys active within one refill time).
- ``login_failures``: failed sign-ins per existing console account in the current window, and
  the end of a lockout.

The indexes at the end let ``rempart purge`` find what it deletes by date (tombstones, the bot's
message log, closed victim cases) without scanning those tables.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Float, Index, Integer, String, Table

from rempart.store.bot_models import bot_messages
from rempart.store.case_models import victim_cases
from rempart.store.models import bank_entries, metadata, stamp

rate_buckets = Table(
    "rate_buckets",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("level", Float, nullable=False),
    Column("stamp", Float, nullable=False),
    Column("expires", Float, nullable=False, index=True),
    Column("granted", Boolean, nullable=False),  # whether the last take got its tokens
)

login_failures = Table(
    "login_failures",
    metadata,
    Column("username", String(64), primary_key=True),
    Column("failures", Integer, nullable=False),
    stamp("window_start"),
    stamp("locked_until", nullable=True),
    stamp("updated_at", index=True),
)

Index("ix_bank_entries_removed_at", bank_entries.c.removed_at)
Index("ix_bot_messages_at", bot_messages.c.at)
Index("ix_victim_cases_closed_at", victim_cases.c.closed_at)
