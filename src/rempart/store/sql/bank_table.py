"""Banks themselves: create, read, list, update and delete (entries tombstoned with the bank).

Example::

    bank = store.create_bank(NewBank("victims", BankKind.VICTIM))
    store.delete_bank(bank.id, reason="closed")      # how many entries were tombstoned
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, insert, select, update
from sqlalchemy.exc import IntegrityError

from rempart.core.banks import Bank, EntryStatus, NewBank, default_policy
from rempart.store.interface import BankNameTaken, UnknownBankId
from rempart.store.models import bank_entries, banks
from rempart.store.rows import bank_from_row, utc_now
from rempart.store.sql.transactions import BankStoreBase


class BankTable(BankStoreBase):
    """The ``banks`` part of the BankStore Protocol."""

    def create_bank(self, new: NewBank) -> Bank:
        now = utc_now()
        values = {
            "name": new.name, "kind": new.kind.value,
            "policy": (new.policy or default_policy(new.kind)).value,
            "pdq_threshold": new.pdq_threshold, "vpdq_threshold": new.vpdq_threshold,
            "vpdq_query_match_percent": new.vpdq_query_match_percent,
            "vpdq_index_match_percent": new.vpdq_index_match_percent,
            "enabled": new.enabled, "description": new.description,
            "created_at": now, "updated_at": now, "deleted_at": None,
        }
        try:
            with self._sequenced() as tx:
                if self._live_bank_row(tx.conn, new.name) is not None:
                    raise BankNameTaken(new.name)
                (seq,) = tx.take()
                row = tx.conn.execute(
                    insert(banks).values(**values, seq=seq).returning(*banks.c)
                ).one()
        except IntegrityError as e:  # a concurrent create won the race
            raise BankNameTaken(new.name) from e
        return bank_from_row(row)

    @staticmethod
    def _live_bank_row(conn: Connection, name: str) -> Row[Any] | None:
        return conn.execute(
            select(banks).where(banks.c.name == name, banks.c.deleted_at.is_(None))
        ).one_or_none()

    def get_bank(self, name: str) -> Bank | None:
        with self._read() as conn:
            row = self._live_bank_row(conn, name)
        return bank_from_row(row) if row is not None else None

    def get_bank_by_id(self, bank_id: int) -> Bank | None:
        row = self._row(banks, banks.c.id == bank_id)
        return bank_from_row(row) if row is not None else None

    def list_banks(self, include_deleted: bool = False) -> list[Bank]:
        query = select(banks).order_by(banks.c.name, banks.c.id)
        if not include_deleted:
            query = query.where(banks.c.deleted_at.is_(None))
        with self._read() as conn:
            return [bank_from_row(r) for r in conn.execute(query)]

    def update_bank(self, bank: Bank) -> Bank:
        try:
            with self._sequenced() as tx:
                (seq,) = tx.take()
                row = tx.conn.execute(
                    update(banks)
                    .where(banks.c.id == bank.id, banks.c.deleted_at.is_(None))
                    .values(
                        name=bank.name, kind=bank.kind.value, policy=bank.policy.value,
                        pdq_threshold=bank.pdq_threshold, vpdq_threshold=bank.vpdq_threshold,
                        vpdq_query_match_percent=bank.vpdq_query_match_percent,
                        vpdq_index_match_percent=bank.vpdq_index_match_percent,
                        enabled=bank.enabled, description=bank.description,
                        updated_at=utc_now(), seq=seq,
                    )
                    .returning(*banks.c)
                ).one_or_none()
                if row is None:
                    raise UnknownBankId(bank.id)
        except IntegrityError as e:
            raise BankNameTaken(bank.name) from e
        return bank_from_row(row)

    def delete_bank(self, bank_id: int, reason: str | None = None) -> int:
        with self._sequenced() as tx:
            self._require_live(tx.conn, bank_id)
            ids = tx.conn.execute(
                select(bank_entries.c.id).where(
                    bank_entries.c.bank_id == bank_id,
                    bank_entries.c.status != EntryStatus.REMOVED.value,
                )
            ).scalars().all()
            now = utc_now()
            self._tombstone(tx, list(ids), reason, now)
            (seq,) = tx.take()
            tx.conn.execute(
                update(banks).where(banks.c.id == bank_id)
                .values(deleted_at=now, updated_at=now, enabled=False, seq=seq)
            )
        return len(ids)
