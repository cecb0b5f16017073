"""The bot's durable work: an inbox of updates and an outbox of Bot API calls (SQL).

An update is stored before Telegram is told it arrived and stays ``pending`` until handled;
an action or message is written in the transaction that decided it and stays ``pending`` until
the Bot API accepted it. Failures are retried at ``next_at``; after the last try a row is
``dead`` and waits for a moderator (console page ``/console/bot``). No media: payloads are
the updates' JSON (text and file ids), cleared once handled.

Example::

    store.accept_updates([(7, -100, {"update_id": 7, "message": {...}})], offset=8)
    rows = store.add_actions([NewAction("7:delete", -100, "delete", "action",
                                        {"message_ids": [12]})])
    store.action_done(rows[0].id)
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    Row,
    Table,
    and_,
    delete,
    func,
    insert,
    null,
    or_,
    select,
    update,
)

from rempart.core.bot_queue import InboxRow as InboxRow
from rempart.core.bot_queue import NewAction as NewAction
from rempart.core.bot_queue import OutboxRow as OutboxRow
from rempart.store.audit import AuditEntry
from rempart.store.bot_models import bot_messages, bot_outbox, bot_state, bot_updates
from rempart.store.engine import SqlStore
from rempart.store.notice_models import audit_events
from rempart.store.rows import utc, utc_now

OFFSET_KEY = "update_offset"
PENDING, DONE, DEAD = "pending", "done", "dead"
# Actions whose params hold a secret (the reporter's receipt): cleared once delivered or dead.
SECRET_PURPOSES = frozenset({"receipt"})


def _outbox(row: Row[Any]) -> OutboxRow:
    return OutboxRow(row.id, row.dedup_key, row.chat_id, row.action, row.purpose,
                     dict(row.params) if row.params is not None else None, row.status,
                     row.attempts, utc(row.next_at), row.error, row.update_id,
                     utc(row.created_at), utc(row.updated_at))


def _inbox(row: Row[Any]) -> InboxRow:
    return InboxRow(row.update_id, row.chat_id,
                    dict(row.payload) if row.payload is not None else None, row.status,
                    row.attempts, utc(row.next_at), row.error, utc(row.received_at),
                    utc(row.updated_at))


def insert_actions(conn: Connection, actions: Sequence[NewAction], now: datetime
                   ) -> list[OutboxRow]:
    """Insert the actions whose ``dedup_key`` is new, inside the caller's transaction."""
    if not actions:
        return []
    keys = [a.dedup_key[:200] for a in actions]
    known = set(conn.execute(select(bot_outbox.c.dedup_key)
                             .where(bot_outbox.c.dedup_key.in_(keys))).scalars())
    fresh = []
    for key, a in zip(keys, actions, strict=True):
        if key in known:
            continue
        known.add(key)
        fresh.append({"dedup_key": key, "chat_id": a.chat_id, "action": a.action,
                      "purpose": a.purpose, "params": a.params, "status": PENDING,
                      "attempts": 0, "next_at": now, "error": None, "update_id": a.update_id,
                      "created_at": now, "updated_at": now})
    if not fresh:
        return []
    conn.execute(insert(bot_outbox), fresh)
    rows = conn.execute(select(bot_outbox).where(bot_outbox.c.dedup_key.in_(
        [f["dedup_key"] for f in fresh])).order_by(bot_outbox.c.id)).all()
    return [_outbox(r) for r in rows]


class BotWorkMixin(SqlStore):
    """Inbox and outbox of the bot's store (mixed into :class:`~rempart.store.bot.SqlBotStore`)."""

    # --- inbox ---------------------------------------------------------------------------

    def offset(self) -> int:
        """The next update id to ask ``getUpdates`` for."""
        with self._read() as conn:
            value = conn.execute(select(bot_state.c.value)
                                 .where(bot_state.c.key == OFFSET_KEY)).scalar()
        return int(value) if value is not None else 0

    def accept_updates(self, updates: Sequence[tuple[int, int | None, dict[str, Any]]],
                       offset: int | None = None) -> list[int]:
        """Store ``(update_id, chat_id, payload)`` updates not seen before and move the offset,
        in one transaction; returns the ids stored now (in order)."""
        now = utc_now()
        ids = [u[0] for u in updates]
        with self._write() as conn:
            known = set(conn.execute(select(bot_updates.c.update_id)
                                     .where(bot_updates.c.update_id.in_(ids))).scalars()) \
                if ids else set()
            fresh: list[dict[str, Any]] = []
            for update_id, chat_id, payload in updates:
                if update_id in known:
                    continue
                known.add(update_id)
                fresh.append({"update_id": update_id, "chat_id": chat_id, "payload": payload,
                              "status": PENDING, "attempts": 0, "next_at": now,
                              "error": None, "received_at": now, "updated_at": now})
            if fresh:
                conn.execute(insert(bot_updates), fresh)
            if offset is not None:
                n = conn.execute(update(bot_state).where(bot_state.c.key == OFFSET_KEY)
                                 .values(value=str(offset))).rowcount
                if not n:
                    conn.execute(insert(bot_state).values(key=OFFSET_KEY, value=str(offset)))
        return [int(f["update_id"]) for f in fresh]

    def pending_updates(self, limit: int = 1000, due_before: datetime | None = None,
                        received_before: datetime | None = None) -> list[InboxRow]:
        """Pending updates, oldest first: those due by ``due_before`` when given; with
        ``received_before``, only those received earlier or changed since they were received
        (failed, retried by a moderator) — not the fresh ones a running bot already holds."""
        cond = bot_updates.c.status == PENDING
        if due_before is not None:
            cond = and_(cond, bot_updates.c.next_at <= due_before)
        if received_before is not None:
            cond = and_(cond, or_(bot_updates.c.received_at < received_before,
                                  bot_updates.c.updated_at > bot_updates.c.received_at))
        with self._read() as conn:
            rows = conn.execute(select(bot_updates).where(cond)
                                .order_by(bot_updates.c.update_id).limit(limit)).all()
        return [_inbox(r) for r in rows]

    def get_update(self, update_id: int) -> InboxRow | None:
        """One stored update, or None."""
        row = self._row(bot_updates, bot_updates.c.update_id == update_id)
        return None if row is None else _inbox(row)

    def update_done(self, update_id: int) -> None:
        """The update is handled: its payload is dropped."""
        now = utc_now()
        with self._write() as conn:
            conn.execute(update(bot_updates).where(bot_updates.c.update_id == update_id)
                         .values(status=DONE, payload=null(), error=None, updated_at=now))

    def update_failed(self, update_id: int, error: str, retry_at: datetime | None) -> None:
        """Handling failed: retried at ``retry_at``, or ``dead`` (kept for a moderator)."""
        now = utc_now()
        values: dict[str, Any] = {"attempts": bot_updates.c.attempts + 1, "error": error[:300],
                                  "updated_at": now}
        if retry_at is None:
            values["status"] = DEAD
        else:
            values["next_at"] = retry_at
        with self._write() as conn:
            conn.execute(update(bot_updates).where(and_(
                bot_updates.c.update_id == update_id, bot_updates.c.status == PENDING))
                .values(**values))

    def prune_updates(self, below: int) -> int:
        """Forget handled updates below ``below`` (Telegram will not send them again)."""
        with self._write() as conn:
            return int(conn.execute(delete(bot_updates).where(and_(
                bot_updates.c.update_id < below, bot_updates.c.status == DONE))).rowcount)

    # --- outbox --------------------------------------------------------------------------

    def add_actions(self, actions: Sequence[NewAction]) -> list[OutboxRow]:
        """Store actions (those with a known ``dedup_key`` are skipped); returns the new rows."""
        with self._write() as conn:
            return insert_actions(conn, actions, utc_now())

    def action_keys(self, keys: Collection[str]) -> set[str]:
        """Which of these ``dedup_key``s are stored."""
        if not keys:
            return set()
        with self._read() as conn:
            return set(conn.execute(select(bot_outbox.c.dedup_key).where(
                bot_outbox.c.dedup_key.in_([k[:200] for k in keys]))).scalars())

    def due_actions(self, now: datetime, limit: int = 100, exclude: Collection[int] = (),
                    chats: tuple[int, int] | None = None) -> list[OutboxRow]:
        """Pending actions due by ``now``, oldest first, except those in ``exclude``; with
        ``chats`` (low, high), only those of chats in that range (one platform's,
        :mod:`rempart.core.chat_ids`)."""
        cond = and_(bot_outbox.c.status == PENDING, bot_outbox.c.next_at <= now)
        if chats is not None:
            cond = and_(cond, bot_outbox.c.chat_id >= chats[0], bot_outbox.c.chat_id < chats[1])
        if exclude:
            cond = and_(cond, bot_outbox.c.id.not_in(sorted(exclude)))
        with self._read() as conn:
            rows = conn.execute(select(bot_outbox).where(cond).order_by(bot_outbox.c.id)
                                .limit(limit)).all()
        return [_outbox(r) for r in rows]

    def get_action(self, action_id: int) -> OutboxRow | None:
        """One stored action, or None."""
        row = self._row(bot_outbox, bot_outbox.c.id == action_id)
        return None if row is None else _outbox(row)

    def action_done(self, action_id: int) -> None:
        """The Bot API accepted the call; a deletion marks the logged messages deleted, a
        receipt's text (its secret) is dropped."""
        now = utc_now()
        with self._write() as conn:
            row = conn.execute(select(bot_outbox).where(bot_outbox.c.id == action_id)).first()
            if row is None or row.status == DONE:
                return
            values: dict[str, Any] = {"status": DONE, "error": None, "updated_at": now}
            if row.purpose in SECRET_PURPOSES:
                values["params"] = null()
            conn.execute(update(bot_outbox).where(bot_outbox.c.id == action_id)
                         .values(attempts=bot_outbox.c.attempts + 1, **values))
            ids = (row.params or {}).get("message_ids") if row.action == "delete" else None
            if ids:
                conn.execute(update(bot_messages).where(and_(
                    bot_messages.c.chat_id == row.chat_id,
                    bot_messages.c.message_id.in_(sorted({int(i) for i in ids})),
                    bot_messages.c.deleted == 0)).values(deleted=1))

    def action_failed(self, action_id: int, error: str, retry_at: datetime | None) -> None:
        """The call failed: retried at ``retry_at``, or ``dead`` (a receipt's secret dropped)."""
        now = utc_now()
        values: dict[str, Any] = {"attempts": bot_outbox.c.attempts + 1, "error": error[:300],
                                  "updated_at": now}
        with self._write() as conn:
            row = conn.execute(select(bot_outbox.c.purpose, bot_outbox.c.status)
                               .where(bot_outbox.c.id == action_id)).first()
            if row is None or row.status != PENDING:
                return
            if retry_at is None:
                values["status"] = DEAD
                if row.purpose in SECRET_PURPOSES:
                    values["params"] = null()
            else:
                values["next_at"] = retry_at
            conn.execute(update(bot_outbox).where(bot_outbox.c.id == action_id).values(**values))

    # --- what a moderator sees and retries -----------------------------------------------

    def troubled_actions(self, limit: int = 200) -> list[OutboxRow]:
        """Dead actions and pending ones that failed at least once, newest first."""
        return [_outbox(r) for r in self._troubled(bot_outbox.c.id, limit)]

    def troubled_updates(self, limit: int = 200) -> list[InboxRow]:
        """Dead updates and pending ones that failed at least once, newest first."""
        return [_inbox(r) for r in self._troubled(bot_updates.c.update_id, limit)]

    def _troubled(self, key: Column[Any], limit: int) -> Sequence[Row[Any]]:
        """The dead and the failed pending rows of ``key``'s table, by ``key`` descending."""
        c = key.table.c
        with self._read() as conn:
            return conn.execute(select(key.table).where(or_(
                c.status == DEAD, and_(c.status == PENDING, c.attempts > 0)))
                .order_by(key.desc()).limit(limit)).all()

    def retry_action(self, action_id: int, audit: AuditEntry) -> bool:
        """A dead action (with its params) made pending again, due now; False otherwise."""
        return self._retry(bot_outbox, bot_outbox.c.id == action_id, bot_outbox.c.params, audit)

    def retry_update(self, update_id: int, audit: AuditEntry) -> bool:
        """A dead update made pending again, due now; False otherwise."""
        return self._retry(bot_updates, bot_updates.c.update_id == update_id,
                           bot_updates.c.payload, audit)

    def _retry(self, table: Table, which: ColumnElement[bool], kept: Column[Any],
               audit: AuditEntry) -> bool:
        now = utc_now()
        with self._write() as conn:
            n = conn.execute(update(table).where(and_(
                which, table.c.status == DEAD, kept.is_not(None)))
                .values(status=PENDING, attempts=0, next_at=now, updated_at=now)).rowcount
            if n:
                _audit(conn, audit)
        return bool(n)

    # --- queue mode: one chat's work, albums ------------------------------------------------

    def chat_updates(self, chat_id: int | None, due_before: datetime, limit: int = 100
                     ) -> list[InboxRow]:
        """The chat's pending updates due by ``due_before``, in update order (``None``: the
        updates without a chat)."""
        which = (bot_updates.c.chat_id.is_(None) if chat_id is None
                 else bot_updates.c.chat_id == chat_id)
        with self._read() as conn:
            rows = conn.execute(select(bot_updates).where(and_(
                which, bot_updates.c.status == PENDING, bot_updates.c.next_at <= due_before))
                .order_by(bot_updates.c.update_id).limit(limit)).all()
        return [_inbox(r) for r in rows]

    def stale_chats(self, due_before: datetime, limit: int = 500) -> list[int | None]:
        """Chats with a pending update due since ``due_before`` or earlier: work a worker
        should have done by now (a lost task, a retry that came due)."""
        with self._read() as conn:
            return list(conn.execute(select(bot_updates.c.chat_id).where(and_(
                bot_updates.c.status == PENDING, bot_updates.c.next_at <= due_before))
                .group_by(bot_updates.c.chat_id).limit(limit)).scalars())

    def count_pending(self) -> int:
        """How many updates are pending (waiting, being handled or to be retried)."""
        with self._read() as conn:
            return int(conn.execute(select(func.count()).select_from(bot_updates).where(
                bot_updates.c.status == PENDING)).scalar() or 0)

    def album(self, chat_id: int, group: str) -> dict[str, Any] | None:
        """What is remembered of an album (members, flagged, seen), or None."""
        with self._read() as conn:
            value = conn.execute(select(bot_state.c.value).where(
                bot_state.c.key == _album_key(chat_id, group))).scalar()
        return json.loads(value) if value is not None else None

    def save_album(self, chat_id: int, group: str, value: dict[str, Any]) -> None:
        """Remember an album (see :meth:`album`)."""
        key, data = _album_key(chat_id, group), json.dumps(value)
        with self._write() as conn:
            if not conn.execute(update(bot_state).where(bot_state.c.key == key)
                                .values(value=data)).rowcount:
                conn.execute(insert(bot_state).values(key=key, value=data))

    def prune_albums(self, before: datetime) -> int:
        """Forget albums last seen before ``before``."""
        with self._write() as conn:
            rows = conn.execute(select(bot_state.c.key, bot_state.c.value).where(
                bot_state.c.key.like("album:%"))).all()
            old = [r.key for r in rows
                   if datetime.fromisoformat(json.loads(r.value)["seen"]) < before]
            if old:
                conn.execute(delete(bot_state).where(bot_state.c.key.in_(old)))
        return len(old)


def _album_key(chat_id: int, group: str) -> str:
    return f"album:{chat_id}:{group}"[:64]


def _audit(conn: Connection, e: AuditEntry) -> None:
    conn.execute(insert(audit_events).values(
        at=e.at, actor_type=e.actor_type, actor_id=e.actor_id, action=e.action,
        object_type=e.object_type, object_id=e.object_id, details=e.details))
