"""Rules of the bot's durable work: when a failed update or Bot API call is tried again, when it
is given up (``dead``), what a moderator sees of it and who may send it again.

The bot (``adapters.telegram_bot``) reports each outcome here; the console page
``/console/bot`` lists what failed and retries on a moderator's click. A receipt's text (it
holds the reporter's secret) is never shown, and is gone once delivered or given up.

Example::

    work = BotWork(SqlBotStore(engine), max_attempts=8)
    work.action_failed(row, "Forbidden: bot was kicked", retry_after=None)  # retried later
    work.retry("action", row.id, moderator)                                 # after it died
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from rempart.core.workflow import DECIDING_ROLES
from rempart.services.errors import InvalidArgument
from rempart.services.notices import NotAllowed
from rempart.services.users import Actor
from rempart.store.bot import SqlBotStore
from rempart.store.bot_work import DEAD, InboxRow, OutboxRow
from rempart.store.chat_locks import ChatLocks, HeldLock
from rempart.store.rows import utc_now
from rempart.store.users import UserRecord

RETRY_BASE_SECONDS = 5.0
RETRY_MAX_SECONDS = 3600.0
WorkKind = Literal["action", "update"]


def retry_delay(attempt: int, retry_after: float | None = None) -> float:
    """Seconds to wait after failed try number ``attempt`` (1, 2, …): doubling from 5 s, at
    most an hour, never less than Telegram's ``retry_after``.

    >>> [retry_delay(n) for n in (1, 2, 3)], retry_delay(1, retry_after=30)
    ([5.0, 10.0, 20.0], 30.0)
    """
    delay = min(RETRY_BASE_SECONDS * 2.0 ** max(0, attempt - 1), RETRY_MAX_SECONDS)
    return float(max(delay, retry_after or 0.0))


@dataclass(frozen=True, slots=True)
class WorkItem:
    """A failed or dead piece of work as the console shows it (never a message's text)."""

    kind: WorkKind
    id: int
    status: str
    what: str
    chat_id: int | None
    attempts: int
    error: str | None
    created_at: datetime
    next_at: datetime
    retryable: bool


def describe(row: OutboxRow) -> str:
    """What an action does, in a few words (no message text, no secret).

    >>> from datetime import UTC, datetime as dt
    >>> t = dt(2026, 1, 1, tzinfo=UTC)
    >>> describe(OutboxRow(1, "k", -100, "delete", "action", {"message_ids": [5, 6]},
    ...                    "dead", 8, t, None, 3, t, t))
    'delete messages 5, 6'
    """
    params = row.params or {}
    if row.action == "delete":
        ids = [str(i) for i in params.get("message_ids", [])][:10]
        return "delete messages " + ", ".join(ids)
    if row.action in ("restrict", "ban"):
        return f"{row.action} user {params.get('user_id')}"
    if row.action == "ban_sender_chat":
        return f"ban channel identity {params.get('sender_chat_id')}"
    return f"send {row.purpose}"


class BotWork:
    """Outcomes of the bot's updates and calls, and a moderator's retries."""

    def __init__(self, store: SqlBotStore, max_attempts: int = 8,
                 clock: Callable[[], datetime] = utc_now) -> None:
        self.store = store
        self.max_attempts = max(1, max_attempts)
        self.clock = clock
        self._locks = ChatLocks(store.engine)

    def chat_lock(self, chat_id: int | None) -> HeldLock | None:
        """Hold the chat's updates (queue mode: one worker at a time per chat, in order), or
        None when another worker does."""
        return self._locks.try_lock("chat", 0 if chat_id is None else chat_id)

    def sender_lock(self) -> HeldLock | None:
        """Become the one bot receiver that sends the outbox, or None when another is."""
        return self._locks.try_lock("sender", 0)

    def _retry_at(self, attempt: int, retry_after: float | None) -> datetime | None:
        if attempt >= self.max_attempts:
            return None
        return self.clock() + timedelta(seconds=retry_delay(attempt, retry_after))

    def action_failed(self, row: OutboxRow, error: str, retry_after: float | None) -> None:
        """A call failed once more: due again after the backoff, or ``dead``."""
        self.store.action_failed(row.id, error, self._retry_at(row.attempts + 1, retry_after))

    def update_failed(self, row: InboxRow, error: str, final: bool = False) -> None:
        """Handling an update failed: due again after the backoff, or ``dead`` (at once when
        ``final``: a timeout would only burn the same time again)."""
        retry_at = None if final else self._retry_at(row.attempts + 1, None)
        self.store.update_failed(row.update_id, error, retry_at)

    def troubled(self, limit: int = 200) -> list[WorkItem]:
        """Failed (still retried) and dead work, newest first: actions, then updates."""
        items = [WorkItem("action", r.id, r.status, f"{describe(r)} ({r.purpose})", r.chat_id,
                          r.attempts, r.error, r.created_at, r.next_at,
                          r.status == DEAD and r.params is not None)
                 for r in self.store.troubled_actions(limit)]
        items += [WorkItem("update", r.update_id, r.status, "handle update", r.chat_id,
                           r.attempts, r.error, r.received_at, r.next_at,
                           r.status == DEAD and r.payload is not None)
                  for r in self.store.troubled_updates(limit)]
        return items

    def retry(self, kind: str, item_id: int, user: UserRecord) -> bool:
        """Send a dead action, or handle a dead update, again (moderators and admins; audited).
        False when it is not dead (done meanwhile, or already pending)."""
        if user.disabled or user.role not in DECIDING_ROLES:
            raise NotAllowed(f"{user.username!r} may not retry the bot's work")
        if kind not in ("action", "update"):
            raise InvalidArgument("kind is action or update")
        audit = Actor("user", user.username).entry(self.clock(), f"bot.retry_{kind}",
                                                   f"bot_{kind}", str(item_id))
        if kind == "action":
            return self.store.retry_action(item_id, audit)
        return self.store.retry_update(item_id, audit)
