"""The Matrix bot's own state in the bot's ``bot_state`` table (no table of its own): the sync
token of each bot account, and the Matrix ids behind the numbers the bot's tables hold (rooms,
users, and the events acted upon). No media, no message text.

Example::

    state = SqlMatrixState(engine)
    state.remember({2305843009213693952 + 5: "!room:example.org"})
    state.name_of(2305843009213693952 + 5)        # '!room:example.org'
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from sqlalchemy import and_, insert, select, update

from rempart.store.bot_models import bot_messages, bot_state
from rempart.store.engine import SqlStore

__all__ = ["SqlMatrixState"]

NAME_PREFIX = "matrix:"
SINCE_PREFIX = "matrix_since:"


class SqlMatrixState(SqlStore):
    """Sync tokens and Matrix ids, as key/value rows of ``bot_state``."""

    def name_of(self, number: int) -> str | None:
        """The Matrix id stored for ``number``, or None."""
        with self._read() as conn:
            value = conn.execute(select(bot_state.c.value).where(
                bot_state.c.key == f"{NAME_PREFIX}{number}")).scalar()
        return None if value is None else str(value)

    def remember(self, names: Mapping[int, str]) -> None:
        """Store the Matrix ids of these numbers (those already stored are kept)."""
        if not names:
            return
        keys = {f"{NAME_PREFIX}{n}": value for n, value in names.items()}
        with self._write() as conn:
            known = set(conn.execute(select(bot_state.c.key).where(
                bot_state.c.key.in_(sorted(keys)))).scalars())
            fresh = [{"key": k, "value": v} for k, v in keys.items() if k not in known]
            if fresh:
                conn.execute(insert(bot_state), fresh)

    def since(self, account: str) -> str | None:
        """The sync token saved for ``account`` (a short digest of the bot's user id)."""
        with self._read() as conn:
            value = conn.execute(select(bot_state.c.value).where(
                bot_state.c.key == f"{SINCE_PREFIX}{account}")).scalar()
        return None if value is None else str(value)

    def save_since(self, account: str, token: str) -> None:
        """Save the sync token once every event before it was handled."""
        key = f"{SINCE_PREFIX}{account}"
        with self._write() as conn:
            if not conn.execute(update(bot_state).where(bot_state.c.key == key)
                                .values(value=token)).rowcount:
                conn.execute(insert(bot_state).values(key=key, value=token))

    def logged(self, chat_id: int, message_ids: Collection[int]) -> set[int]:
        """Which of these messages of a chat the bot logged (it handled them)."""
        if not message_ids:
            return set()
        with self._read() as conn:
            return {int(i) for i in conn.execute(select(bot_messages.c.message_id).where(and_(
                bot_messages.c.chat_id == chat_id,
                bot_messages.c.message_id.in_(sorted(set(message_ids)))))).scalars()}
