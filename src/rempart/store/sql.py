"""The SQLAlchemy store: one implementation of the bank Protocols for SQLite and PostgreSQL.

Example::

    store = open_store("sqlite:///rempart.sqlite3")   # migrates, then serves
    bank = store.create_bank(NewBank("victims", BankKind.VICTIM))
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, Row, bindparam, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from rempart.core import flood
from rempart.core.banks import (
    Bank,
    BankChange,
    BankEntry,
    EntryStatus,
    ImportOutcome,
    NewBank,
    NewEntry,
    SignalRow,
    default_policy,
    lookup_key,
)
from rempart.core.flood import FloodRule, Hit
from rempart.store.bulk import insert_entries
from rempart.store.engine import WRITE_OPTION, make_engine, migrate_engine
from rempart.store.interface import BankNameTaken, UnknownBankId
from rempart.store.models import bank_entries, banks, change_counter, entry_hits
from rempart.store.rows import bank_from_row, entry_from_row, utc, utc_now

# Stay far below SQLite's and PostgreSQL's bound-parameter limits in IN (...) lists.
_CHUNK = 500
_ANALYZE_AFTER = 5000


def open_store(url: str, migrate: bool = True) -> SqlBankStore:
    """A store on ``url``, migrated to the latest schema first unless ``migrate`` is False."""
    engine = make_engine(url)
    if migrate:
        migrate_engine(engine)
    return SqlBankStore(engine)


_Key = TypeVar("_Key", int, str)


def _chunks(values: Collection[_Key]) -> Iterator[list[_Key]]:
    items = sorted(set(values))
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]


@dataclass
class _Tx:
    """A write transaction holding the change-counter lock; ``take(n)`` hands out seqs."""

    conn: Connection
    last: int
    start: int

    def take(self, n: int = 1) -> list[int]:
        first = self.last + 1
        self.last += n
        return list(range(first, self.last + 1))


class SqlBankStore:
    """BankStore, ChangeFeed and HitLog over one SQLAlchemy engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def close(self) -> None:
        """Release the connection pool."""
        self.engine.dispose()

    # --- transactions --------------------------------------------------------------------

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
    def _write(self) -> Iterator[_Tx]:
        # Every writer locks the counter row first and keeps it until commit, so seqs are
        # handed out in commit order: a reader that sees seq N has every seq below N too.
        with self.engine.connect() as conn:
            conn.execution_options(**{WRITE_OPTION: True})
            with conn.begin():
                value = conn.execute(
                    select(change_counter.c.value)
                    .where(change_counter.c.id == 1)
                    .with_for_update()
                ).scalar_one()
                tx = _Tx(conn, value, value)
                yield tx
                if tx.last != tx.start:
                    conn.execute(
                        update(change_counter)
                        .where(change_counter.c.id == 1)
                        .values(value=tx.last)
                    )

    # --- banks ---------------------------------------------------------------------------

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
            with self._write() as tx:
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
        with self._read() as conn:
            row = conn.execute(select(banks).where(banks.c.id == bank_id)).one_or_none()
        return bank_from_row(row) if row is not None else None

    def list_banks(self, include_deleted: bool = False) -> list[Bank]:
        query = select(banks).order_by(banks.c.name, banks.c.id)
        if not include_deleted:
            query = query.where(banks.c.deleted_at.is_(None))
        with self._read() as conn:
            return [bank_from_row(r) for r in conn.execute(query)]

    def update_bank(self, bank: Bank) -> Bank:
        try:
            with self._write() as tx:
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
        with self._write() as tx:
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

    @staticmethod
    def _require_live(conn: Connection, bank_id: int) -> None:
        found = conn.execute(
            select(banks.c.id).where(banks.c.id == bank_id, banks.c.deleted_at.is_(None))
        ).one_or_none()
        if found is None:
            raise UnknownBankId(bank_id)

    # --- entries -------------------------------------------------------------------------

    def add_entries(self, bank_id: int, entries: Sequence[NewEntry]) -> list[int]:
        with self._write() as tx:
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
        with self._write() as tx:
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
            for chunk in _chunks(lookup_keys):
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
    def _insert(tx: _Tx, bank_id: int, entries: Sequence[NewEntry]) -> list[int]:
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

    def get_entry(self, entry_id: int) -> BankEntry | None:
        with self._read() as conn:
            row = conn.execute(
                select(bank_entries).where(bank_entries.c.id == entry_id)
            ).one_or_none()
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
            select(e.id, e.bank_id, e.signal_type, e.value, e.status)
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
                yield from (SignalRow(r[0], r[1], r[2], r[3], EntryStatus(r[4])) for r in rows)
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

    def entries_in_group(self, content_group: str) -> list[BankEntry]:
        query = (
            select(bank_entries)
            .where(bank_entries.c.content_group == content_group)
            .order_by(bank_entries.c.id)
        )
        with self._read() as conn:
            return [entry_from_row(r) for r in conn.execute(query)]

    def remove_entries(self, entry_ids: Collection[int], reason: str | None = None) -> int:
        with self._write() as tx:
            live = self._ids_where(tx.conn, entry_ids, bank_entries.c.status != "removed")
            self._tombstone(tx, live, reason, utc_now())
        return len(live)

    def set_entry_status(self, entry_ids: Collection[int], status: EntryStatus) -> int:
        if status is EntryStatus.REMOVED:
            raise ValueError("use remove_entries to remove entries (it leaves a tombstone)")
        with self._write() as tx:
            ids = self._ids_where(
                tx.conn, entry_ids,
                bank_entries.c.status.notin_([status.value, EntryStatus.REMOVED.value]),
            )
            self._set_status(tx, ids, {"status": status.value, "updated_at": utc_now()})
        return len(ids)

    @staticmethod
    def _ids_where(conn: Connection, entry_ids: Collection[int], condition: Any) -> list[int]:
        found: list[int] = []
        for chunk in _chunks(entry_ids):
            found += conn.execute(
                select(bank_entries.c.id).where(bank_entries.c.id.in_(chunk), condition)
            ).scalars().all()
        return sorted(found)

    def _tombstone(
        self, tx: _Tx, ids: list[int], reason: str | None, now: datetime
    ) -> None:
        values = {"status": EntryStatus.REMOVED.value, "updated_at": now,
                  "removed_at": now, "removed_reason": reason}
        self._set_status(tx, ids, values)

    @staticmethod
    def _set_status(tx: _Tx, ids: list[int], values: dict[str, Any]) -> None:
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

    # --- change feed ---------------------------------------------------------------------

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

    # --- flood guard ---------------------------------------------------------------------

    def record_hits(
        self, hits: Sequence[Hit], rule: FloodRule, now: datetime | None = None
    ) -> list[int]:
        if not hits:
            return []
        now = utc(now) or utc_now()
        start = flood.window_start(now, rule)
        with self._write() as tx:
            tx.conn.execute(
                insert(entry_hits),
                [{"entry_id": h.entry_id, "fingerprint": h.fingerprint, "at": utc(h.at)}
                 for h in hits],
            )
            flooded = []
            for chunk in _chunks({h.entry_id for h in hits}):
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
        with self._write() as tx:
            result = tx.conn.execute(entry_hits.delete().where(entry_hits.c.at < utc(before)))
        return result.rowcount
