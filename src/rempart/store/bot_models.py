"""State of the Telegram bot: chats and their policy, the message log (for purges), strikes,
the update offset and files already checked. Registered on ``models.metadata``; change it only
together with a migration. No media: files are known by Telegram's ``file_unique_id`` and hash.
"""

from __future__ import annotations

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

from rempart.store.models import BigId, Stamp, metadata

bot_chats = Table(
    "bot_chats",
    metadata,
    Column("chat_id", BigInteger, primary_key=True, autoincrement=False),
    Column("title", String(300), nullable=True),
    Column("type", String(32), nullable=False),
    Column("settings", JSON, nullable=False),  # per-chat policy
    Column("rights", JSON, nullable=False),  # the bot's admin rights as last seen
    Column("updated_at", Stamp, nullable=False),
)

bot_messages = Table(
    "bot_messages",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("chat_id", BigInteger, nullable=False),
    Column("message_id", BigInteger, nullable=False),
    Column("user_id", BigInteger, nullable=True),
    Column("sender_chat_id", BigInteger, nullable=True),
    Column("at", Stamp, nullable=False),
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
    Column("last_at", Stamp, nullable=False),
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
    Column("seen_at", Stamp, nullable=False),
)
