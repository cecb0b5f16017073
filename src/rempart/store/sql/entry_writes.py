"""Entry writes: add, import (skipping live duplicates, applying tombstone rows), remove, status.

Example::

    ids = store.add_entries(bank.id, [NewEntry("pdq", value, group, 100, Provenance())])
    store.remove_entries(ids, reason="withdrawn")
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import Connection, select, text

from rempart.core.banks import EntryStatus, EntryTrust, ImportOutcome, NewEntry, lookup_key
from rempart.store.bulk import insert_entries
from rempart.store.models import bank_entries
from rempart.store.rows import utc_now
from rempart.store.sql.transactions import BankStoreBase, SeqTx, chunks

_ANALYZE_AFTER = 5000


class EntryWrites(BankStoreBase):
    """The entry-writing part of the BankStore Protocol."""

    def add_entries(self, bank_id: int, entries: Sequence[NewEntry]) -> list[int]:
        with self._sequenced() as tx:
            self._require_live(tx.conn, bank_id)
            ids = self._insert(tx, bank_id, entries)
        self._after_bulk(len(ids))
        return ids

    def import_entries(
        self,
        bank_id: int,
        entries: Sequence[NewEntry],
        removals: Collection[tuple[str, str]] = (),
        reason: str | None = None,
    ) -> ImportOutcome:
        with self._sequenced() as tx:
            self._require_live(tx.conn, bank_id)
            wanted = {(e.signal_type, e.value) for e in entries} | set(removals)
            present = self._present(tx.conn, bank_id, wanted)
            removed_ids = sorted(i for key in set(removals) for i in present.pop(key, []))
            self._tombstone(tx, removed_ids, reason, utc_now())
            fresh: list[NewEntry] = []
            seen: set[tuple[str, str]] = set(present)
            for e in entries:
                if (e.signal_type, e.value) not in seen:
                    seen.add((e.signal_type, e.value))
                    fresh.append(e)
            ids = self._insert(tx, bank_id, fresh)
        self._after_bulk(len(ids))
        return ImportOutcome(tuple(ids), len(entries) - len(fresh), len(removed_ids))

    def _after_bulk(self, inserted: int) -> None:
        # PostgreSQL plans with stale statistics right after a bulk load (autovacuum lags),
        # turning the per-key lookups of the next import into scans of the whole bank.
        if inserted >= _ANALYZE_AFTER and self.engine.dialect.name == "postgresql":
            with self.engine.connect() as conn:
                conn.execute(text(f"ANALYZE {bank_entries.name}"))
                conn.commit()

    @staticmethod
    def _present(
        conn: Connection, bank_id: int, keys: set[tuple[str, str]]
    ) -> dict[tuple[str, str], list[int]]:
        """Ids of the bank's live (not removed) entries having each (signal_type, value)."""
        found: dict[tuple[str, str], list[int]] = {}
        by_type: dict[str, set[str]] = {}
        for signal_type, value in keys:
            by_type.setdefault(signal_type, set()).add(lookup_key(value))
        for signal_type, lookup_keys in by_type.items():
            for chunk in chunks(lookup_keys):
                rows = conn.execute(
                    select(bank_entries.c.id, bank_entries.c.value)
                    .where(bank_entries.c.signal_type == signal_type,
                           bank_entries.c.lookup_key.in_(chunk),
                           bank_entries.c.bank_id == bank_id,
                           bank_entries.c.status != EntryStatus.REMOVED.value)
                )
                for entry_id, value in rows:
                    if (signal_type, value) in keys:
                        found.setdefault((signal_type, value), []).append(entry_id)
        return found

    @staticmethod
    def _insert(tx: SeqTx, bank_id: int, entries: Sequence[NewEntry]) -> list[int]:
        if not entries:
            return []
        seqs = tx.take(len(entries))
        insert_entries(tx.conn, bank_id, entries, seqs, utc_now())
        # Writers are serialized by the counter lock and seqs follow input order.
        ids = tx.conn.execute(
            select(bank_entries.c.id)
            .where(bank_entries.c.seq.between(seqs[0], seqs[-1]))
            .order_by(bank_entries.c.seq)
        ).scalars().all()
        return list(ids)

    def remove_entries(self, entry_ids: Collection[int], reason: str | None = None) -> int:
        with self._sequenced() as tx:
            live = self._ids_where(tx.conn, entry_ids, bank_entries.c.status != "removed")
            self._tombstone(tx, live, reason, utc_now())
        return len(live)

    def set_entry_trust(self, entry_ids: Collection[int], trust: EntryTrust) -> int:
        with self._sequenced() as tx:
            ids = self._ids_where(
                tx.conn, entry_ids,
                (bank_entries.c.trust != trust.value)
                & (bank_entries.c.status != EntryStatus.REMOVED.value),
            )
            self._set_status(tx, ids, {"trust": trust.value, "updated_at": utc_now()})
        return len(ids)

    def set_entry_status(self, entry_ids: Collection[int], status: EntryStatus) -> int:
        if status is EntryStatus.REMOVED:
            raise ValueError("use remove_entries to remove entries (it leaves a tombstone)")
        with self._sequenced() as tx:
            ids = self._ids_where(
                tx.conn, entry_ids,
                bank_entries.c.status.notin_([status.value, EntryStatus.REMOVED.value]),
            )
            self._set_status(tx, ids, {"status": status.value, "updated_at": utc_now()})
        return len(ids)
