"""The flood guard's hit log: an entry whose matches spread too far goes on hold, and a review
item tells the moderators why (in the same transaction). The review items a sighting raises
(an unconfirmed entry matched by a scan or an API call) are written with its hits, once per
``dedup_key``: a crash loses neither, a repeat adds neither.

Example::

    held = store.record_hits([Hit(entry_id, fingerprint, now, "telegram:-100123")], rule)
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select

from rempart.core import flood
from rempart.core.banks import EntryStatus, EntryTrust
from rempart.core.flood import FloodRule, Hit, Spread
from rempart.store.models import bank_entries, banks, entry_hits
from rempart.store.reviews import NewReviewItem, insert_items
from rempart.store.rows import utc, utc_now
from rempart.store.sql.transactions import BankStoreBase, chunks

_FIELD = 128


class HitLog(BankStoreBase):
    """The HitLog Protocol."""

    def record_hits(
        self, hits: Sequence[Hit], rule: FloodRule, now: datetime | None = None,
        items: Sequence[NewReviewItem] = (),
    ) -> list[int]:
        """Store ``hits`` and the review ``items`` they raise (those whose ``dedup_key`` is
        known are skipped); hold the entries that now flood. Returns the held ids."""
        if not hits and not items:
            return []
        now = utc(now) or utc_now()
        start = flood.window_start(now, rule)
        h = entry_hits.c
        with self._sequenced() as tx:
            insert_items(tx.conn, items)
            if not hits:
                return []
            tx.conn.execute(
                insert(entry_hits),
                [{"entry_id": x.entry_id, "fingerprint": x.fingerprint[:_FIELD],
                  "place": x.place[:_FIELD] if x.place else None,
                  "sender": x.sender[:_FIELD] if x.sender else None, "at": utc(x.at)}
                 for x in hits],
            )
            spread: dict[int, Spread] = {}
            for chunk in chunks({x.entry_id for x in hits}):
                counts = tx.conn.execute(
                    select(h.entry_id, func.count(h.fingerprint.distinct()),
                           func.count(h.place.distinct()), func.count(h.sender.distinct()))
                    .where(h.entry_id.in_(chunk), h.at >= start, h.at <= now)
                    .group_by(h.entry_id)
                )
                spread.update((eid, Spread(u, p, s)) for eid, u, p, s in counts)
            flooded = [eid for eid, s in spread.items() if flood.is_flooded(s, rule)]
            e = bank_entries.c
            rows: list[Any] = []
            for chunk in chunks(flooded):
                rows += tx.conn.execute(
                    select(e.id, e.content_group, banks.c.name)
                    .join(banks, banks.c.id == e.bank_id)
                    .where(e.id.in_(chunk), e.status == EntryStatus.ACTIVE.value,
                           e.trust != EntryTrust.CONFIRMED.value)
                ).all()
            held = sorted(r[0] for r in rows)
            self._set_status(tx, held, {"status": EntryStatus.ON_HOLD.value, "updated_at": now})
            if rows:  # the moderators are told why, once per hold
                insert_items(tx.conn, [NewReviewItem(
                    "flood_guard", "entry_hold", f"hold:{eid}:{now.isoformat()}", now,
                    bank=bank, entry_id=eid, content_group=group,
                    evidence={"uploads": spread[eid].uploads, "places": spread[eid].places,
                              "senders": spread[eid].senders,
                              "window_seconds": int(rule.window.total_seconds())},
                ) for eid, group, bank in rows])
        return held

    def prune_hits(self, before: datetime) -> int:
        with self._sequenced() as tx:
            result = tx.conn.execute(entry_hits.delete().where(entry_hits.c.at < utc(before)))
        return result.rowcount
