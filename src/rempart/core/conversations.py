"""The last messages of each chat, so that a message is read with the ones it follows.

A message's context is the message it replies to when that one is remembered, otherwise its
sender's own messages of the last ``SENDER_SECONDS`` just before it. Memory is bounded: the
last ``PER_CHAT`` texts of each chat, for the ``CHATS`` chats seen most recently.

Example::

    >>> talk = Conversations()
    >>> first = Location("telegram", "e", chat_id=1, message_id=7, sender_id="user5",
    ...                  date_utc="2024-01-01T10:00:00Z")
    >>> talk.add(first, "qui a le dossier de Zorbina ?")
    >>> later = Location("telegram", "e", chat_id=1, message_id=8, sender_id="user5",
    ...                  date_utc="2024-01-01T10:01:00Z")
    >>> [e.ref for e in talk.context(later)]
    ['7']
    >>> talk.read(Item(later, "envoie en pv stp", (), "message")).context
    ('7',)

A source that carries a message's context itself (the bot: the replied-to message, as the update
gives it) reads its items with :func:`read_item`, the rule ``Conversations.read`` applies.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from rempart.core.items import Item, Location
from rempart.core.text import TextVerdict, classify
from rempart.core.text.context import CONTEXT_CHARS, CONTEXT_MESSAGES, Earlier, classify_in_context

PER_CHAT = 30
CHATS = 300  # at most 30 × 300 × CONTEXT_CHARS characters held
SENDER_SECONDS = 600.0


@dataclass(frozen=True, slots=True)
class _Said:
    message_id: int | None
    sender: str | None
    at: float | None
    text: str
    signal: bool


def read_item(item: Item, earlier: Sequence[Earlier] = ()) -> TextVerdict | None:
    """``item``'s text classified (None when empty): a message's with the ``earlier`` messages
    it follows, another item's (a service message, a file) alone.

    >>> here = Location("telegram", "bot", chat_id=-100, message_id=8)
    >>> read_item(Item(here, "envoie en pv stp", (), "message"),
    ...           [Earlier("7", "qui a le dossier de Zorbina ?")]).labels
    ('ncii_request',)
    """
    if not item.text.strip():
        return None
    if item.raw_type != "message":
        return classify(item.text)
    return classify_in_context(item.text, earlier)


def _seconds(date_utc: str | None) -> float | None:
    if not date_utc:
        return None
    try:
        return datetime.fromisoformat(date_utc).timestamp()
    except ValueError:
        return None


class Conversations:
    """Recent texts per chat (bounded); ``context`` then ``add`` for each message, in order."""

    def __init__(self, per_chat: int = PER_CHAT, chats: int = CHATS) -> None:
        self._per_chat = per_chat
        self._chats = chats
        self._recent: OrderedDict[object, deque[_Said]] = OrderedDict()

    def _key(self, where: Location) -> object:
        return (where.platform, where.export, where.chat_id)

    def context(self, where: Location) -> list[Earlier]:
        """The earlier messages ``where``'s message is read with (oldest first)."""
        recent = self._recent.get(self._key(where))
        if not recent:
            return []
        if where.reply_to_message_id is not None:
            for said in reversed(recent):
                if said.message_id == where.reply_to_message_id:
                    return [Earlier(str(said.message_id), said.text, said.signal)]
        at = _seconds(where.date_utc)
        if where.sender_id is None or at is None:
            return []
        found: list[Earlier] = []
        for said in reversed(recent):
            if said.sender != where.sender_id:
                continue
            if said.at is None or not 0 <= at - said.at <= SENDER_SECONDS:
                break
            found.append(Earlier(str(said.message_id), said.text, said.signal))
            if len(found) == CONTEXT_MESSAGES:
                break
        return found[::-1]

    def add(self, where: Location, text: str, signal: bool = True) -> None:
        """Remember ``where``'s message (its text's last ``CONTEXT_CHARS`` characters);
        ``signal=False`` when its reading found no suspicious word."""
        if not text.strip():
            return
        key = self._key(where)
        recent = self._recent.get(key)
        if recent is None:
            recent = self._recent[key] = deque(maxlen=self._per_chat)
            if len(self._recent) > self._chats:
                self._recent.popitem(last=False)
        else:
            self._recent.move_to_end(key)
        recent.append(_Said(where.message_id, where.sender_id, _seconds(where.date_utc),
                            text[-CONTEXT_CHARS:], signal))

    def read(self, item: Item) -> TextVerdict | None:
        """``item``'s text classified (None when empty): a message's in its context, then
        remembered; another item's (a service message, a file) alone."""
        if item.raw_type != "message" or not item.text.strip():
            return read_item(item)
        verdict = read_item(item, self.context(item.location))
        if verdict is not None:
            self.add(item.location, item.text,
                     any(score > 0 for score in verdict.scores.values()))
        return verdict

    def skip(self, item: Item) -> None:
        """Remember a message read before (a resumed scan) without classifying it."""
        if item.raw_type == "message":
            self.add(item.location, item.text)
