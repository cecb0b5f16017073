"""Entry reads: by id, by value, by content group, counts, and paged iteration for indexes.

Example::

    for row in store.iter_signals({"pdq"}):      # active entries of live banks, by id
        index.add(row.value, row.entry_id)
"""

from __future__ import annotations

from collections.abc import Collection, Iterator

from sqlalchemy import func, select

from rempart.core.banks import BankEntry, EntryStatus, EntryTrust, SignalRow, lookup_key
from rempart.store.models import bank_entries, banks
from rempart.store.rows import entry_from_row
from rempart.store.sql.transactions import BankStoreBase


class EntryReads(BankStoreBase):
    """The entry-reading part of the BankStore Protocol."""

    def get_entry(self, entry_id: int) -> BankEntry | None:
        row = self._row(bank_entries, bank_entries.c.id == entry_id)
        return entry_from_row(row) if row is not None else None

    def iter_entries(
        self,
        bank_id: int | None = None,
        statuses: Collection[EntryStatus] = (EntryStatus.ACTIVE,),
        batch_size: int = 5000,
    ) -> Iterator[BankEntry]:
        last = 0
        wanted = [s.value for s in statuses]
        while True:
            query = (
                select(bank_entries)
                .where(bank_entries.c.id > last, bank_entries.c.status.in_(wanted))
                .order_by(bank_entries.c.id)
                .limit(batch_size)
            )
            if bank_id is not None:
                query = query.where(bank_entries.c.bank_id == bank_id)
            with self._read() as conn:
                batch = [entry_from_row(r) for r in conn.execute(query)]
            yield from batch
            if len(batch) < batch_size:
                return
            last = batch[-1].id

    def iter_signals(
        self,
        signal_types: Collection[str] | None = None,
        statuses: Collection[EntryStatus] = (EntryStatus.ACTIVE,),
        batch_size: int = 20000,
    ) -> Iterator[SignalRow]:
        e = bank_entries.c
        base = (
            select(e.id, e.bank_id, e.signal_type, e.value, e.status, e.trust)
            .join(banks, banks.c.id == e.bank_id)
            .where(e.status.in_([s.value for s in statuses]), banks.c.deleted_at.is_(None))
            .order_by(e.id)
            .limit(batch_size)
        )
        if signal_types is None:
            queries = [base]
        else:  # one pass per type: (signal_type, id) index range scans, no sorting
            queries = [base.where(e.signal_type == t) for t in sorted(set(signal_types))]
        for query in queries:
            last = 0
            while True:
                with self._read() as conn:
                    rows = conn.execute(query.where(e.id > last)).all()
                yield from (SignalRow(r[0], r[1], r[2], r[3], EntryStatus(r[4]),
                                      EntryTrust(r[5])) for r in rows)
                if len(rows) < batch_size:
                    break
                last = rows[-1][0]

    def count_entries(self, bank_id: int) -> dict[EntryStatus, int]:
        counts = dict.fromkeys(EntryStatus, 0)
        with self._read() as conn:
            for status, n in conn.execute(
                select(bank_entries.c.status, func.count())
                .where(bank_entries.c.bank_id == bank_id)
                .group_by(bank_entries.c.status)
            ):
                counts[EntryStatus(status)] = n
        return counts

    def find_entries(
        self,
        signal_type: str,
        value: str,
        statuses: Collection[EntryStatus] = (EntryStatus.ACTIVE,),
    ) -> list[BankEntry]:
        query = (
            select(bank_entries)
            .join(banks, banks.c.id == bank_entries.c.bank_id)
            .where(
                bank_entries.c.signal_type == signal_type,
                bank_entries.c.lookup_key == lookup_key(value),
                bank_entries.c.value == value,
                bank_entries.c.status.in_([s.value for s in statuses]),
                banks.c.deleted_at.is_(None),
            )
            .order_by(bank_entries.c.id)
        )
        with self._read() as conn:
            return [entry_from_row(r) for r in conn.execute(query)]

    def case_entries(self, case_id: str) -> list[BankEntry]:
        query = select(bank_entries).where(bank_entries.c.case_id == case_id).order_by(
            bank_entries.c.id)
        with self._read() as conn:
            return [entry_from_row(r) for r in conn.execute(query)]

    def entries_in_group(self, content_group: str) -> list[BankEntry]:
        query = (
            select(bank_entries)
            .where(bank_entries.c.content_group == content_group)
            .order_by(bank_entries.c.id)
        )
        with self._read() as conn:
            return [entry_from_row(r) for r in conn.execute(query)]
