"""The Telegram bot's state over SQLAlchemy (SQLite and PostgreSQL): chats and their settings,
the log of message ids (for purges), strikes, files already checked, the review items the bot
raises (inserted as every review item is, ``store.reviews.insert_items``), and
(``store.bot_work``) its inbox of updates and outbox of Bot API calls. No media: files are known
by ``file_unique_id`` and sha256.

Example::

    bot = SqlBotStore(open_store("sqlite:///rempart.sqlite3").engine)
    bot.accept_updates([(42, -100, {"update_id": 42})], offset=43)
    bot.offset()        # 43
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, and_, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from rempart.store.bot_models import bot_chats, bot_messages, bot_seen_files, bot_strikes
from rempart.store.bot_work import BotWorkMixin, NewAction, OutboxRow, insert_actions
from rempart.store.review_models import review_items
from rempart.store.reviews import NewReviewItem, insert_items
from rempart.store.rows import utc, utc_now

__all__ = ["BotChat", "NewAction", "OutboxRow", "Recorded", "SqlBotStore"]


@dataclass(frozen=True, slots=True)
class BotChat:
    """A chat the bot is in: its settings (JSON) and its admin rights as last seen."""

    chat_id: int
    title: str | None
    type: str
    settings: dict[str, Any]
    rights: dict[str, Any]
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Recorded:
    """What :meth:`SqlBotStore.record_outcome` did: whether a finding was new, the sender's
    removals after it, and the actions stored now (to send at once)."""

    new: bool
    strikes: int
    actions: list[OutboxRow]


class SqlBotStore(BotWorkMixin):
    """The bot's tables over one engine (shared with the bank store)."""

    # --- chats ---------------------------------------------------------------------------

    def get_chat(self, chat_id: int) -> BotChat | None:
        """A chat's row, or None."""
        row = self._row(bot_chats, bot_chats.c.chat_id == chat_id)
        return None if row is None else _chat(row)

    def save_chat(self, chat_id: int, type_: str, title: str | None = None, *,
                  settings: Mapping[str, Any] | None = None,
                  rights: Mapping[str, Any] | None = None) -> BotChat:
        """Create or update a chat; ``None`` keeps the stored settings or rights."""
        now = utc_now()
        with self._write() as conn:
            row = conn.execute(select(bot_chats).where(bot_chats.c.chat_id == chat_id)).first()
            values: dict[str, Any] = {"type": type_, "updated_at": now}
            if title is not None:
                values["title"] = title[:300]
            if settings is not None:
                values["settings"] = dict(settings)
            if rights is not None:
                values["rights"] = dict(rights)
            if row is None:
                values.setdefault("settings", {})
                values.setdefault("rights", {})
                values.setdefault("title", None)
                conn.execute(insert(bot_chats).values(chat_id=chat_id, **values))
            else:
                conn.execute(update(bot_chats).where(bot_chats.c.chat_id == chat_id)
                             .values(**values))
        chat = self.get_chat(chat_id)
        assert chat is not None
        return chat

    def list_chats(self) -> list[BotChat]:
        """Every chat the bot has seen."""
        with self._read() as conn:
            rows = conn.execute(select(bot_chats).order_by(bot_chats.c.chat_id)).all()
        return [_chat(r) for r in rows]

    # --- message log ---------------------------------------------------------------------

    def log_message(self, chat_id: int, message_id: int, user_id: int | None,
                    sender_chat_id: int | None, at: datetime) -> bool:
        """Log a message id (for purges); False when it was already logged."""
        try:
            with self._write() as conn:
                conn.execute(insert(bot_messages).values(
                    chat_id=chat_id, message_id=message_id, user_id=user_id,
                    sender_chat_id=sender_chat_id, at=at, deleted=0))
        except IntegrityError:
            return False
        return True

    def mark_deleted(self, chat_id: int, message_ids: Collection[int]) -> int:
        """Mark logged messages deleted; returns how many changed."""
        if not message_ids:
            return 0
        with self._write() as conn:
            return int(conn.execute(
                update(bot_messages)
                .where(and_(bot_messages.c.chat_id == chat_id,
                            bot_messages.c.message_id.in_(sorted(set(message_ids))),
                            bot_messages.c.deleted == 0))
                .values(deleted=1)).rowcount)

    def messages_since(self, chat_id: int, user_id: int, since: datetime) -> list[int]:
        """Ids of a user's messages in a chat since ``since`` that are not deleted yet."""
        with self._read() as conn:
            return [int(i) for i in conn.execute(
                select(bot_messages.c.message_id)
                .where(and_(bot_messages.c.chat_id == chat_id,
                            bot_messages.c.user_id == user_id,
                            bot_messages.c.at >= since,
                            bot_messages.c.deleted == 0))
                .order_by(bot_messages.c.message_id)).scalars()]

    def is_deleted(self, chat_id: int, message_id: int) -> bool:
        """True when the logged message was deleted by the bot."""
        with self._read() as conn:
            value = conn.execute(select(bot_messages.c.deleted).where(and_(
                bot_messages.c.chat_id == chat_id,
                bot_messages.c.message_id == message_id))).scalar()
        return bool(value)

    def prune_messages(self, before: datetime) -> int:
        """Forget message ids older than ``before`` (they can no longer be deleted anyway)."""
        with self._write() as conn:
            return int(conn.execute(delete(bot_messages).where(bot_messages.c.at < before))
                       .rowcount)

    # --- strikes -------------------------------------------------------------------------

    def strikes(self, chat_id: int, user_id: int) -> int:
        """How many times this sender's media was removed in this chat."""
        with self._read() as conn:
            value = conn.execute(select(bot_strikes.c.count).where(and_(
                bot_strikes.c.chat_id == chat_id, bot_strikes.c.user_id == user_id))).scalar()
        return int(value or 0)

    def add_strike(self, chat_id: int, user_id: int, at: datetime | None = None) -> int:
        """Count one more removal; returns the new count."""
        with self._write() as conn:
            return _strike(conn, chat_id, user_id, at or utc_now())

    # --- files already checked -----------------------------------------------------------

    def seen_file(self, file_unique_id: str) -> dict[str, Any] | None:
        """The stored verdict for a Telegram file, or None."""
        with self._read() as conn:
            value = conn.execute(select(bot_seen_files.c.verdict).where(
                bot_seen_files.c.file_unique_id == file_unique_id)).scalar()
        return None if value is None else dict(value)

    def remember_file(self, file_unique_id: str, sha256: str | None,
                      verdict: Mapping[str, Any]) -> None:
        """Store (or replace) the verdict for a Telegram file."""
        now = utc_now()
        with self._write() as conn:
            n = conn.execute(update(bot_seen_files)
                             .where(bot_seen_files.c.file_unique_id == file_unique_id)
                             .values(sha256=sha256, verdict=dict(verdict), seen_at=now)).rowcount
            if not n:
                conn.execute(insert(bot_seen_files).values(
                    file_unique_id=file_unique_id, sha256=sha256, verdict=dict(verdict),
                    seen_at=now))

    # --- review items --------------------------------------------------------------------

    def add_review_item(self, item: NewReviewItem) -> bool:
        """Insert a review item unless its ``dedup_key`` exists; True when it is new."""
        with self._write() as conn:
            return bool(insert_items(conn, [item]))

    def record_outcome(self, items: Sequence[NewReviewItem], strike: tuple[int, int] | None,
                       always: Sequence[NewAction], if_new: Sequence[NewAction]) -> Recorded:
        """In one transaction: the findings (those with a new ``dedup_key``, stored at this
        moment); when any is new, one strike against ``strike`` (chat, sender) and the
        ``if_new`` actions (punishment, alert); the ``always`` actions (deletion) in any case.
        A crash leaves all or nothing."""
        now = utc_now()
        with self._write() as conn:
            fresh = insert_items(conn, items, at=now)
            strikes = 0
            if fresh and strike is not None:
                strikes = _strike(conn, strike[0], strike[1], now)
            actions = insert_actions(conn, [*always, *(if_new if fresh else ())], now)
        return Recorded(bool(fresh), strikes, actions)

    def review_items(self) -> list[dict[str, Any]]:
        """Review items raised by the bot (tests and status)."""
        with self._read() as conn:
            rows = conn.execute(select(review_items).where(review_items.c.source == "bot")
                                .order_by(review_items.c.id)).mappings().all()
        return [dict(r) for r in rows]


def _strike(conn: Connection, chat_id: int, user_id: int, at: datetime) -> int:
    n = conn.execute(
        update(bot_strikes)
        .where(and_(bot_strikes.c.chat_id == chat_id, bot_strikes.c.user_id == user_id))
        .values(count=bot_strikes.c.count + 1, last_at=at)).rowcount
    if not n:
        conn.execute(insert(bot_strikes).values(chat_id=chat_id, user_id=user_id, count=1,
                                                last_at=at))
    return int(conn.execute(select(bot_strikes.c.count).where(and_(
        bot_strikes.c.chat_id == chat_id, bot_strikes.c.user_id == user_id))).scalar_one())


def _chat(row: Row[Any]) -> BotChat:
    return BotChat(row.chat_id, row.title, row.type, dict(row.settings or {}),
                   dict(row.rights or {}), utc(row.updated_at))
