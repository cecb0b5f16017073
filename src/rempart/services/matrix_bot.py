"""The Matrix bot on the Telegram bot's rules: :class:`~rempart.services.bot.BotService` decides
(banks, chat policy, strikes, review items, alerts), this adds what Matrix needs around it.

The bot's tables key chats, messages and senders by 64-bit integers; Matrix names them by text
(``!room:server``, ``$event``, ``@user:server``). :func:`matrix_number` maps each Matrix id to a
stable number in ``[2**61, 2**62)``, a range no Telegram id reaches, and the ids behind the
numbers the bot acts upon are remembered so that a stored action (a redaction to retry after a
restart) can be carried out. The sync token is saved once a sync's events are handled.

Example::

    >>> n = matrix_number("room", "!abc:example.org")
    >>> MATRIX_BASE <= n < 2 * MATRIX_BASE, n == matrix_number("room", "!abc:example.org")
    (True, True)
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence

from rempart.core.bot_policy import MediaHit, decide
from rempart.core.chat_ids import MATRIX_BASE
from rempart.core.verdict import Verdict
from rempart.services.bot import BotService
from rempart.services.bot_messages import BotMessage
from rempart.store.matrix_state import SqlMatrixState

__all__ = ["MATRIX_BASE", "MatrixBotService", "is_matrix_number", "matrix_number"]

_NAMES_KEPT = 50_000


def matrix_number(kind: str, value: str) -> int:
    """The stable number standing for a Matrix id of ``kind`` (room, user, event)."""
    digest = hashlib.sha256(f"{kind}\0{value}".encode()).digest()
    return MATRIX_BASE + int.from_bytes(digest[:8], "big") % MATRIX_BASE


def is_matrix_number(n: int) -> bool:
    """Whether ``n`` is in the range of :func:`matrix_number`.

    >>> is_matrix_number(-1001234567890), is_matrix_number(matrix_number("user", "@a:b"))
    (False, True)
    """
    return MATRIX_BASE <= n < 2 * MATRIX_BASE


def account_key(user_id: str) -> str:
    """A short key for a bot account's saved state."""
    return hashlib.sha256(user_id.encode()).hexdigest()[:32]


class MatrixBotService:
    """The bot service, the numbers of Matrix ids and the sync token of one bot account."""

    def __init__(self, bot: BotService, state: SqlMatrixState) -> None:
        self.bot = bot
        self.state = state
        self._names: OrderedDict[int, str] = OrderedDict()
        self._stored: set[int] = set()
        self._lock = threading.Lock()

    def number(self, kind: str, value: str) -> int:
        """The number of a Matrix id (kept in memory; stored by :meth:`remember`)."""
        n = matrix_number(kind, value)
        with self._lock:
            self._names[n] = value
            self._names.move_to_end(n)
            while len(self._names) > _NAMES_KEPT:
                self._names.popitem(last=False)
        return n

    def remember(self, numbers: list[int]) -> None:
        """Store the Matrix ids behind these numbers (before an action on them is sent)."""
        with self._lock:
            fresh = {n: self._names[n] for n in numbers
                     if n in self._names and n not in self._stored}
        if fresh:
            self.state.remember(fresh)
            with self._lock:
                self._stored.update(fresh)

    def name_of(self, n: int) -> str | None:
        """The Matrix id behind a number, or None when it was never remembered."""
        with self._lock:
            known = self._names.get(n)
        return known if known is not None else self.state.name_of(n)

    def names(self, numbers: list[int]) -> Mapping[int, str]:
        """The known Matrix ids of these numbers."""
        out = {}
        for n in numbers:
            name = self.name_of(n)
            if name is not None:
                out[n] = name
        return out

    def refusal(self, message: BotMessage, verdicts: Sequence[Verdict]) -> str | None:
        """Why an event must not reach its room — the room's policy would remove it at once
        (a ``block`` match) — or None. Review and alert matches pass: review never removes
        by itself, and the bot raises their review items once the event is in the room."""
        policy = self.bot.policy(message.chat_id)
        hits = [MediaHit(m.bank, m.action, m.distance, m.labels)
                for v in verdicts for m in v.matches
                if policy.banks is None or m.bank in policy.banks]
        decision = decide(hits, (), policy, strikes_before=0, sender=message.sender)
        return "; ".join(decision.reasons) if decision.delete else None

    def handled(self, room_id: str, event_ids: list[str]) -> set[str]:
        """Which of these events of a room were handled before (logged by the bot)."""
        numbers = {matrix_number("event", e): e for e in event_ids}
        logged = self.state.logged(matrix_number("room", room_id), list(numbers))
        return {numbers[n] for n in logged}

    def since(self, user_id: str) -> str | None:
        """The saved sync token of the bot account, or None (first start)."""
        return self.state.since(account_key(user_id))

    def save_since(self, user_id: str, token: str) -> None:
        """Save the sync token once every event before it was handled."""
        self.state.save_since(account_key(user_id), token)
