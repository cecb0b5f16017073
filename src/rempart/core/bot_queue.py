"""The bot's queued work as every layer sees it: a Bot API call to make durable, a stored call
(``OutboxRow``) and a stored update (``InboxRow``) with how their handling went so far.

Example::

    >>> NewAction("alert:1", -100, "message", "alert", {"text": "hello"}).update_id is None
    True
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class NewAction:
    """A Bot API call to make durable: ``action`` on ``chat_id`` with ``params``.

    ``action`` is ``delete`` (``message_ids``), ``restrict``/``ban`` (``user_id``),
    ``ban_sender_chat`` (``sender_chat_id``) or ``message`` (``text``); ``purpose`` says why
    (``action``, ``alert``, ``receipt``, ``notice``). ``dedup_key`` makes a retried update add
    it once."""

    dedup_key: str
    chat_id: int
    action: str
    purpose: str
    params: dict[str, Any]
    update_id: int | None = None


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """One stored call and how it went so far."""

    id: int
    dedup_key: str
    chat_id: int
    action: str
    purpose: str
    params: dict[str, Any] | None
    status: str
    attempts: int
    next_at: datetime
    error: str | None
    update_id: int | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class InboxRow:
    """One stored update and how its handling went so far."""

    update_id: int
    chat_id: int | None
    payload: dict[str, Any] | None
    status: str
    attempts: int
    next_at: datetime
    error: str | None
    received_at: datetime
    updated_at: datetime
