"""The flood guard's hit log: an entry matched by too many distinct senders goes on hold.

Example::

    held = store.record_hits([Hit(entry_id, fingerprint, now)], rule)   # ids put on hold
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, insert, select

from rempart.core import flood
from rempart.core.banks import EntryStatus
from rempart.core.flood import FloodRule, Hit
from rempart.store.models import bank_entries, entry_hits
from rempart.store.rows import utc, utc_now
from rempart.store.sql.transactions import BankStoreBase, chunks


class HitLog(BankStoreBase):
    """The HitLog Protocol."""

    def record_hits(
        self, hits: Sequence[Hit], rule: FloodRule, now: datetime | None = None
    ) -> list[int]:
        if not hits:
            return []
        now = utc(now) or utc_now()
        start = flood.window_start(now, rule)
        with self._sequenced() as tx:
            tx.conn.execute(
                insert(entry_hits),
                [{"entry_id": h.entry_id, "fingerprint": h.fingerprint, "at": utc(h.at)}
                 for h in hits],
            )
            flooded = []
            for chunk in chunks({h.entry_id for h in hits}):
                counts = tx.conn.execute(
                    select(entry_hits.c.entry_id, func.count(entry_hits.c.fingerprint.distinct()))
                    .where(entry_hits.c.entry_id.in_(chunk), entry_hits.c.at >= start,
                           entry_hits.c.at <= now)
                    .group_by(entry_hits.c.entry_id)
                )
                flooded += [eid for eid, n in counts if flood.is_flooded(n, rule)]
            held = self._ids_where(tx.conn, flooded, bank_entries.c.status == "active")
            self._set_status(tx, held, {"status": EntryStatus.ON_HOLD.value, "updated_at": now})
        return held

    def prune_hits(self, before: datetime) -> int:
        with self._sequenced() as tx:
            result = tx.conn.execute(entry_hits.delete().where(entry_hits.c.at < utc(before)))
        return result.rowcount
