"""Exchanges and their checkpoints, bank feed tokens, and one bank's change feed (SQL).

A fetched page is applied with :meth:`SqlExchangeStore.apply_page`: its entries, its
withdrawals and the checkpoint after it commit together, so a fetch interrupted at any point
resumes after the last page stored and never skips one.

Example::

    store = SqlExchangeStore(engine)
    exchange = store.create_exchange("stopncii", "stopncii", bank.id, None)
    store.apply_page(exchange.id, bank.id, entries, removals, {"update_time": 10})
"""

from __future__ import annotations

import secrets
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from rempart.core.banks import (
    MODERATOR_WITHDRAWAL,
    BankEntry,
    EntryStatus,
    ImportOutcome,
    NewEntry,
    lookup_key,
)
from rempart.core.exchanges import Exchange, ExchangeKind, FeedbackItem
from rempart.core.tokens import secret_digest
from rempart.store.exchange_models import bank_feed_tokens, exchange_feedback, exchanges
from rempart.store.models import bank_entries, banks
from rempart.store.review_models import review_items
from rempart.store.rows import entry_from_row, utc_now
from rempart.store.sql import SqlBankStore
from rempart.store.sql.transactions import chunks

ERROR_CHARS = 2000


class SqlExchangeStore(SqlBankStore):
    """The ExchangeStore Protocol of ``services.exchanges`` (a bank store with exchanges)
    over one SQLAlchemy engine."""

    # --- exchanges ----------------------------------------------------------------------

    def create_exchange(self, name: str, kind: str, bank_id: int, url: str | None) -> Exchange:
        with self._write() as conn:
            conn.execute(insert(exchanges).values(
                name=name, kind=kind, bank_id=bank_id, url=url, checkpoint=None,
                created_at=utc_now(), added=0, withdrawn=0))
        found = self.get_exchange(name)
        assert found is not None
        return found

    def get_exchange(self, name: str) -> Exchange | None:
        found = self._exchanges(exchanges.c.name == name)
        return found[0] if found else None

    def exchange_for_bank(self, bank_id: int) -> Exchange | None:
        found = self._exchanges(exchanges.c.bank_id == bank_id)
        return found[0] if found else None

    def list_exchanges(self) -> list[Exchange]:
        return self._exchanges(None)

    def delete_exchange(self, name: str) -> bool:
        with self._write() as conn:
            return conn.execute(delete(exchanges).where(exchanges.c.name == name)).rowcount > 0

    def _exchanges(self, condition: Any) -> list[Exchange]:
        query = (select(exchanges, banks.c.name.label("bank_name"))
                 .join(banks, banks.c.id == exchanges.c.bank_id).order_by(exchanges.c.name))
        if condition is not None:
            query = query.where(condition)
        with self._read() as conn:
            rows = conn.execute(query).all()
        return [Exchange(r.id, r.name, ExchangeKind(r.kind), r.bank_id, r.bank_name, r.url,
                         r.checkpoint, r.created_at, r.fetched_at, r.last_error, r.added,
                         r.withdrawn) for r in rows]

    def apply_page(
        self, exchange_id: int, bank_id: int, entries: Sequence[NewEntry],
        removals: Collection[tuple[str, str]], checkpoint: Mapping[str, Any],
        reason: str = "withdrawn at the source", removed_sources: Collection[str] = (),
    ) -> ImportOutcome:
        """Store a page's entries and withdrawals (by signal, or by ``external_id`` for
        ``removed_sources``) and the checkpoint after it, atomically."""
        now = utc_now()
        with self._sequenced() as tx:
            self._require_live(tx.conn, bank_id)
            wanted = {(e.signal_type, e.value) for e in entries} | set(removals)
            present = self._present(tx.conn, bank_id, wanted)
            removed = {i for key in set(removals) for i in present.pop(key, [])}
            removed |= self._by_source(tx.conn, bank_id, removed_sources)
            removed_ids = sorted(removed)
            self._tombstone(tx, removed_ids, reason, now)
            fresh: list[NewEntry] = []
            # Present, or rejected here by a moderator: a later fetch never brings it back.
            seen: set[tuple[str, str]] = set(present) | self._rejected(
                tx.conn, bank_id, {(e.signal_type, e.value) for e in entries} - set(present))
            for e in entries:
                if (e.signal_type, e.value) not in seen:
                    seen.add((e.signal_type, e.value))
                    fresh.append(e)
            ids = self._insert(tx, bank_id, fresh)
            c = exchanges.c
            tx.conn.execute(update(exchanges).where(c.id == exchange_id).values(
                checkpoint=dict(checkpoint), fetched_at=now, last_error=None,
                added=c.added + len(ids), withdrawn=c.withdrawn + len(removed_ids)))
        self._after_bulk(len(ids))
        return ImportOutcome(tuple(ids), len(entries) - len(fresh), len(removed_ids))

    @staticmethod
    def _rejected(conn: Connection, bank_id: int,
                  keys: set[tuple[str, str]]) -> set[tuple[str, str]]:
        """The (signal type, value) of ``keys`` a moderator withdrew from the bank."""
        e = bank_entries.c
        found: set[tuple[str, str]] = set()
        by_type: dict[str, set[str]] = {}
        for signal_type, value in keys:
            by_type.setdefault(signal_type, set()).add(lookup_key(value))
        for signal_type, lookups in by_type.items():
            for chunk in chunks(lookups):
                found.update((signal_type, v) for v in conn.execute(select(e.value).where(
                    e.bank_id == bank_id, e.signal_type == signal_type,
                    e.lookup_key.in_(chunk), e.status == EntryStatus.REMOVED.value,
                    e.removed_reason.startswith(MODERATOR_WITHDRAWAL))).scalars())
        return found & keys

    @staticmethod
    def _by_source(conn: Connection, bank_id: int, sources: Collection[str]) -> set[int]:
        e = bank_entries.c
        found: set[int] = set()
        for chunk in chunks(sources):
            found.update(conn.execute(select(e.id).where(
                e.bank_id == bank_id, e.external_id.in_(chunk),
                e.status != EntryStatus.REMOVED.value)).scalars())
        return found

    def record_failure(self, exchange_id: int, error: str) -> None:
        """Keep why the last fetch stopped (the checkpoint stays where it was)."""
        with self._write() as conn:
            conn.execute(update(exchanges).where(exchanges.c.id == exchange_id).values(
                fetched_at=utc_now(), last_error=error[:ERROR_CHARS]))

    # --- feedback to the exchange ---------------------------------------------------------

    def decided_without_feedback(self, exchange_id: int, bank_id: int,
                                 limit: int) -> list[tuple[int, str, str, str]]:
        """(review item id, status, signal type, value) of decided review items of the bank's
        entries that have no feedback row yet, oldest decision first."""
        r, e, f = review_items.c, bank_entries.c, exchange_feedback.c
        done = select(f.review_item_id).where(f.exchange_id == exchange_id)
        query = (select(r.id, r.status, e.signal_type, e.value)
                 .join(bank_entries, e.id == r.entry_id)
                 .where(e.bank_id == bank_id, r.status != "open", r.id.not_in(done))
                 .order_by(r.decided_at, r.id).limit(limit))
        with self._read() as conn:
            return [(int(i), str(st), str(t), str(v)) for i, st, t, v in conn.execute(query)]

    def add_feedback(self, exchange_id: int,
                     rows: Sequence[tuple[int, str, str, str, Sequence[str]]]) -> int:
        """Queue (review item id, signal type, value, opinion, tags) rows; returns how many."""
        if not rows:
            return 0
        now = utc_now()
        with self._write() as conn:
            conn.execute(insert(exchange_feedback), [
                {"exchange_id": exchange_id, "review_item_id": item, "signal_type": kind,
                 "value": value, "opinion": opinion, "tags": list(tags), "created_at": now,
                 "attempts": 0} for item, kind, value, opinion, tags in rows])
        return len(rows)

    def pending_feedback(self, exchange_id: int, limit: int,
                         max_attempts: int) -> list[FeedbackItem]:
        f = exchange_feedback.c
        with self._read() as conn:
            rows = conn.execute(select(exchange_feedback).where(
                f.exchange_id == exchange_id, f.sent_at.is_(None),
                f.attempts < max_attempts).order_by(f.id).limit(limit)).all()
        return [FeedbackItem(r.id, r.signal_type, r.value, r.opinion, tuple(r.tags))
                for r in rows]

    def mark_feedback(self, ids: Collection[int], error: str | None) -> None:
        """Sent (``error`` None) or failed once more."""
        f = exchange_feedback.c
        values: dict[str, Any] = {"attempts": f.attempts + 1, "error": error}
        if error is None:
            values["sent_at"] = utc_now()
        else:
            values["error"] = error[:ERROR_CHARS]
        with self._write() as conn:
            for chunk in chunks(ids):
                conn.execute(update(exchange_feedback).where(f.id.in_(chunk)).values(values))

    def feedback_outbox(self, exchange_id: int) -> dict[str, int]:
        """Counts of the outbox: sent, pending, failed (attempted, not sent)."""
        f = exchange_feedback.c
        with self._read() as conn:
            rows = conn.execute(select(f.sent_at.is_not(None), f.attempts > 0, func.count())
                                .where(f.exchange_id == exchange_id)
                                .group_by(f.sent_at.is_not(None), f.attempts > 0)).all()
        out = {"sent": 0, "pending": 0, "failed": 0}
        for sent, tried, n in rows:
            out["sent" if sent else "failed" if tried else "pending"] += int(n)
        return out

    # --- one bank's change feed, for the Rempart instances that follow it ----------------

    def bank_changes(self, bank_id: int, since: int, limit: int) -> list[BankEntry]:
        """The bank's entries changed after seq ``since``, in seq order, ``limit`` at most."""
        e = bank_entries.c
        with self._read() as conn:
            rows = conn.execute(select(bank_entries).where(e.bank_id == bank_id, e.seq > since)
                                .order_by(e.seq).limit(limit)).all()
        return [entry_from_row(r) for r in rows]

    def create_feed_token(self, name: str, bank_id: int) -> tuple[int, str]:
        """A new token following bank ``bank_id`` only: its id and secret (shown once)."""
        secret = "rfeed_" + secrets.token_urlsafe(32)
        with self._write() as conn:
            token_id = conn.execute(insert(bank_feed_tokens).values(
                name=name, bank_id=bank_id, digest=secret_digest(secret),
                created_at=utc_now()).returning(bank_feed_tokens.c.id)).scalar_one()
        return int(token_id), secret

    def find_feed_token(self, secret: str) -> int | None:
        """The bank a live token follows, or None."""
        t = bank_feed_tokens.c
        with self._read() as conn:
            bank_id = conn.execute(select(t.bank_id).where(
                t.digest == secret_digest(secret), t.revoked_at.is_(None))).scalar()
        return None if bank_id is None else int(bank_id)

    def list_feed_tokens(self) -> list[dict[str, Any]]:
        t = bank_feed_tokens.c
        with self._read() as conn:
            rows = conn.execute(select(t.id, t.name, banks.c.name.label("bank"), t.created_at,
                                       t.revoked_at)
                                .join(banks, banks.c.id == t.bank_id).order_by(t.id)).all()
        return [{"id": r.id, "name": r.name, "bank": r.bank,
                 "created_at": r.created_at.isoformat(),
                 "revoked_at": r.revoked_at.isoformat() if r.revoked_at else None}
                for r in rows]

    def revoke_feed_token(self, token_id: int) -> bool:
        t = bank_feed_tokens.c
        with self._write() as conn:
            return conn.execute(update(bank_feed_tokens).where(
                t.id == token_id, t.revoked_at.is_(None)).values(
                revoked_at=utc_now())).rowcount > 0
