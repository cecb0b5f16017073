"""State of the Telegram bot: chats and their policy, the message log (for purges), strikes,
the update offset, files already checked, the inbox of updates and the outbox of Bot API calls.
Registered on ``models.metadata``; change it only together with a migration. No media: files
are known by Telegram's ``file_unique_id`` and hash.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from rempart.store.models import id_column, metadata, stamp, timestamps


def _delivery_state() -> tuple[Column[Any], ...]:
    """Where a queued row stands: ``pending``, ``done`` or ``dead``, tries, next try, last error."""
    return (
        Column("status", String(16), nullable=False),
        Column("attempts", Integer, nullable=False),
        stamp("next_at"),
        Column("error", String(300), nullable=True),
    )


bot_chats = Table(
    "bot_chats",
    metadata,
    Column("chat_id", BigInteger, primary_key=True, autoincrement=False),
    Column("title", String(300), nullable=True),
    Column("type", String(32), nullable=False),
    Column("settings", JSON, nullable=False),  # per-chat policy
    Column("rights", JSON, nullable=False),  # the bot's admin rights as last seen
    stamp("updated_at"),
)

bot_messages = Table(
    "bot_messages",
    metadata,
    id_column(),
    Column("chat_id", BigInteger, nullable=False),
    Column("message_id", BigInteger, nullable=False),
    Column("user_id", BigInteger, nullable=True),
    Column("sender_chat_id", BigInteger, nullable=True),
    stamp("at"),
    Column("deleted", Integer, nullable=False),
    UniqueConstraint("chat_id", "message_id", name="uq_bot_messages_chat_message"),
)
Index(
    "ix_bot_messages_chat_user_at",
    bot_messages.c.chat_id,
    bot_messages.c.user_id,
    bot_messages.c.at,
)

bot_strikes = Table(
    "bot_strikes",
    metadata,
    Column("chat_id", BigInteger, nullable=False),
    Column("user_id", BigInteger, nullable=False),
    Column("count", Integer, nullable=False),
    stamp("last_at"),
    PrimaryKeyConstraint("chat_id", "user_id", name="pk_bot_strikes"),
)

bot_state = Table(
    "bot_state",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

bot_seen_files = Table(
    "bot_seen_files",
    metadata,
    Column("file_unique_id", String(128), primary_key=True),
    Column("sha256", String(64), nullable=True),
    Column("verdict", JSON, nullable=False),
    stamp("seen_at"),
)

# Inbox: every update received, stored before Telegram is told it arrived (getUpdates offset or
# the webhook's 200), done only once handled; ``payload`` (the update's JSON) is cleared then.
bot_updates = Table(
    "bot_updates",
    metadata,
    Column("update_id", BigInteger, primary_key=True, autoincrement=False),
    Column("chat_id", BigInteger, nullable=True),
    Column("payload", JSON(none_as_null=True), nullable=True),
    *_delivery_state(),
    stamp("received_at"),
    stamp("updated_at"),
)
Index("ix_bot_updates_status_next_at", bot_updates.c.status, bot_updates.c.next_at)

# Outbox: every Bot API action decided (delete, restrict, ban, ban_sender_chat) and every
# message owed (alerts, receipts), written in the transaction that decided it, sent after
# commit, retried with backoff, ``dead`` after the last try. A receipt's ``params`` (its text
# holds the reporter's secret) are cleared once it is delivered or given up.
bot_outbox = Table(
    "bot_outbox",
    metadata,
    id_column(),
    Column("dedup_key", String(200), nullable=False, unique=True),
    Column("chat_id", BigInteger, nullable=False),
    Column("action", String(32), nullable=False),
    Column("purpose", String(16), nullable=False),  # action, alert, receipt, notice
    Column("params", JSON(none_as_null=True), nullable=True),
    *_delivery_state(),
    Column("update_id", BigInteger, nullable=True),
    *timestamps(),
)
Index("ix_bot_outbox_status_next_at", bot_outbox.c.status, bot_outbox.c.next_at)
