"""The bank store's base: reads on one snapshot, writes that hand out change seqs in order.

Every write to ``banks`` or ``bank_entries`` goes through ``_sequenced()``: it locks the change
counter row until commit, so seqs are handed out in commit order and a reader of the change feed
that sees seq N has every seq below N too.

Example::

    with store._sequenced() as tx:
        (seq,) = tx.take()
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, bindparam, select, update

from rempart.core.banks import EntryStatus
from rempart.store.engine import WRITE_OPTION, SqlStore
from rempart.store.interface import UnknownBankId
from rempart.store.models import bank_entries, banks, change_counter

# Stay far below SQLite's and PostgreSQL's bound-parameter limits in IN (...) lists.
CHUNK = 500

_Key = TypeVar("_Key", int, str)


def chunks(values: Collection[_Key]) -> Iterator[list[_Key]]:
    """``values`` sorted, without repeats, in lists of at most ``CHUNK``."""
    items = sorted(set(values))
    for i in range(0, len(items), CHUNK):
        yield items[i : i + CHUNK]


@dataclass
class SeqTx:
    """A write transaction holding the change-counter lock; ``take(n)`` hands out seqs."""

    conn: Connection
    last: int
    start: int

    def take(self, n: int = 1) -> list[int]:
        first = self.last + 1
        self.last += n
        return list(range(first, self.last + 1))


class BankStoreBase(SqlStore):
    """Transactions and the row updates that several parts of the bank store share."""

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                # One snapshot for every statement: changes_since reads two tables and must
                # not see a bank change committed after the entries it read.
                conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                yield conn

    @contextmanager
    def _sequenced(self) -> Iterator[SeqTx]:
        with self.engine.connect() as conn:
            conn.execution_options(**{WRITE_OPTION: True})
            with conn.begin():
                value = conn.execute(
                    select(change_counter.c.value)
                    .where(change_counter.c.id == 1)
                    .with_for_update()
                ).scalar_one()
                tx = SeqTx(conn, value, value)
                yield tx
                if tx.last != tx.start:
                    conn.execute(
                        update(change_counter)
                        .where(change_counter.c.id == 1)
                        .values(value=tx.last)
                    )

    @staticmethod
    def _require_live(conn: Connection, bank_id: int) -> None:
        found = conn.execute(
            select(banks.c.id).where(banks.c.id == bank_id, banks.c.deleted_at.is_(None))
        ).one_or_none()
        if found is None:
            raise UnknownBankId(bank_id)

    @staticmethod
    def _ids_where(conn: Connection, entry_ids: Collection[int], condition: Any) -> list[int]:
        found: list[int] = []
        for chunk in chunks(entry_ids):
            found += conn.execute(
                select(bank_entries.c.id).where(bank_entries.c.id.in_(chunk), condition)
            ).scalars().all()
        return sorted(found)

    def _tombstone(
        self, tx: SeqTx, ids: list[int], reason: str | None, now: datetime
    ) -> None:
        values = {"status": EntryStatus.REMOVED.value, "updated_at": now,
                  "removed_at": now, "removed_reason": reason}
        self._set_status(tx, ids, values)

    @staticmethod
    def _set_status(tx: SeqTx, ids: list[int], values: dict[str, Any]) -> None:
        if not ids:
            return
        # One seq per row keeps the feed's "seq > N" paging exact.
        params = [{"eid": i, "new_seq": s} for i, s in zip(ids, tx.take(len(ids)), strict=True)]
        tx.conn.execute(
            update(bank_entries)
            .where(bank_entries.c.id == bindparam("eid"))
            .values(**values, seq=bindparam("new_seq")),
            params,
        )
