"""Rows to domain values, for the store's modules.

Times are stored in UTC; SQLite hands them back naive, so every read goes through ``utc``
(``rempart.core.clock``, re-exported here for the store's modules).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row

from rempart.core.banks import (
    Bank,
    BankEntry,
    BankKind,
    BankPolicy,
    EntryStatus,
    EntryTrust,
    Provenance,
    Tombstone,
)
from rempart.core.clock import utc as utc
from rempart.core.clock import utc_now as utc_now


def bank_from_row(row: Row[Any]) -> Bank:
    """A ``banks`` row as a Bank."""
    m = row._mapping
    return Bank(
        id=m["id"], name=m["name"], kind=BankKind(m["kind"]), policy=BankPolicy(m["policy"]),
        pdq_threshold=m["pdq_threshold"], vpdq_threshold=m["vpdq_threshold"],
        vpdq_query_match_percent=float(m["vpdq_query_match_percent"]),
        vpdq_index_match_percent=float(m["vpdq_index_match_percent"]), enabled=bool(m["enabled"]),
        description=m["description"], created_at=utc(m["created_at"]),
        updated_at=utc(m["updated_at"]),
        deleted_at=utc(m["deleted_at"]), seq=m["seq"],
    )


def entry_from_row(row: Row[Any]) -> BankEntry:
    """A ``bank_entries`` row as a BankEntry (with its tombstone, if removed)."""
    m = row._mapping
    removed_at = utc(m["removed_at"])
    return BankEntry(
        id=m["id"], bank_id=m["bank_id"], signal_type=m["signal_type"], value=m["value"],
        content_group=m["content_group"], quality=m["quality"],
        provenance=Provenance(
            source=m["source"], submitted_at=utc(m["submitted_at"]),
            external_id=m["external_id"], case_id=m["case_id"], labels=tuple(m["labels"]),
            metadata=m["meta"],
        ),
        status=EntryStatus(m["status"]), created_at=utc(m["created_at"]),
        updated_at=utc(m["updated_at"]), seq=m["seq"],
        tombstone=Tombstone(removed_at, m["removed_reason"]) if removed_at else None,
        trust=EntryTrust(m["trust"]),
    )


