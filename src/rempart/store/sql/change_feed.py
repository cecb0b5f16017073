"""The change feed: every bank and entry change by seq, for index refreshes and replicas.

Example::

    changes, seq = store.changes_since(seq, limit=1000)    # call again with the new seq
"""

from __future__ import annotations

from sqlalchemy import select

from rempart.core.banks import Bank, BankChange, EntryStatus, EntryTrust, SignalChange
from rempart.store.models import bank_entries, banks, change_counter
from rempart.store.rows import bank_from_row, entry_from_row
from rempart.store.sql.transactions import BankStoreBase


class ChangeFeedReads(BankStoreBase):
    """The ChangeFeed Protocol."""

    def current_seq(self) -> int:
        with self._read() as conn:
            value: int = conn.execute(
                select(change_counter.c.value).where(change_counter.c.id == 1)
            ).scalar_one()
        return value

    def changes_since(self, seq: int, limit: int = 1000) -> tuple[list[BankChange], int]:
        with self._read() as conn:
            entry_rows = conn.execute(
                select(bank_entries).where(bank_entries.c.seq > seq)
                .order_by(bank_entries.c.seq).limit(limit)
            ).all()
            bank_rows = conn.execute(
                select(banks).where(banks.c.seq > seq).order_by(banks.c.seq).limit(limit)
            ).all()
            entries = [entry_from_row(r) for r in entry_rows]
            known = {b.id: b for b in map(bank_from_row, bank_rows)}
            missing = {e.bank_id for e in entries} - known.keys()
            if missing:
                known.update(
                    (b.id, b) for b in map(
                        bank_from_row, conn.execute(select(banks).where(banks.c.id.in_(missing)))
                    )
                )
        changes = [BankChange(e.seq, known[e.bank_id], e) for e in entries]
        changes += [BankChange(r.seq, known[r.id]) for r in bank_rows]
        changes.sort(key=lambda c: c.seq)
        changes = changes[:limit]
        return changes, (changes[-1].seq if changes else seq)

    def signal_changes_since(
        self, seq: int, limit: int = 1000
    ) -> tuple[list[SignalChange], list[Bank], int]:
        e = bank_entries.c
        with self._read() as conn:
            entry_rows = conn.execute(
                select(e.seq, e.id, e.bank_id, e.signal_type, e.value, e.status, e.trust)
                .where(e.seq > seq).order_by(e.seq).limit(limit)
            ).all()
            bank_rows = conn.execute(
                select(banks).where(banks.c.seq > seq).order_by(banks.c.seq).limit(limit)
            ).all()
            # One window of at most `limit` changes of either kind, in seq order.
            seqs = sorted([r[0] for r in entry_rows] + [r.seq for r in bank_rows])[:limit]
            if not seqs:
                return [], [], seq
            last = seqs[-1]
            statuses = {s.value: s for s in EntryStatus}
            changes = [SignalChange(r[1], r[2], r[3], r[4], statuses[r[5]], EntryTrust(r[6]),
                                    seq=r[0])
                       for r in entry_rows if r[0] <= last]
            changed = {b.id: b for b in map(bank_from_row, bank_rows) if b.seq <= last}
            missing = {c.bank_id for c in changes} - changed.keys()
            if missing:
                changed.update(
                    (b.id, b) for b in map(
                        bank_from_row, conn.execute(select(banks).where(banks.c.id.in_(missing)))
                    )
                )
        return changes, list(changed.values()), last
