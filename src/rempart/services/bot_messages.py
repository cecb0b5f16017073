"""What the Telegram bot sees, free of any Bot API library: a message (or edited message, or
channel post) reduced to what the rules need, and its files as Telegram describes them (no
bytes). Checking a file gives a ``core.verdict.Verdict`` keyed by its ``file_unique_id``.

Example::

    >>> m = BotMessage(1, -1001234567890, "supergroup", 42, datetime(2026, 3, 1),
    ...                user_id=7, chat_username="somegroup")
    >>> m.link, m.sender, m.poster, m.sender_id
    ('https://t.me/somegroup/42', 'user', 'telegram:user:7', 7)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from rempart.core.bot_policy import Sender, message_link
from rempart.core.verdict import Verdict

__all__ = ["BotMedia", "BotMessage", "Fetched", "NotFetched", "Prepared"]


@dataclass(frozen=True, slots=True)
class BotMedia:
    """One file of a message, as Telegram describes it (no bytes)."""

    file_id: str
    file_unique_id: str
    kind: str  # photo, video, animation, video_note, sticker, document, thumbnail
    file_size: int | None = None
    thumbnail: BotMedia | None = None
    hashable: bool = True  # False: only the thumbnail can be checked (animated stickers)
    sniffed: bool = False  # True: checked when its first bytes are an image or video (documents)


@dataclass(frozen=True, slots=True)
class BotMessage:
    """A message, edited message or channel post, reduced to what the rules need."""

    update_id: int
    chat_id: int
    chat_type: str
    message_id: int
    date: datetime
    text: str = ""
    media: tuple[BotMedia, ...] = ()
    chat_title: str | None = None
    chat_username: str | None = None
    user_id: int | None = None
    sender_chat_id: int | None = None
    media_group_id: str | None = None
    edited: bool = False
    channel_post: bool = False
    forward_origin: dict[str, Any] | None = None
    # Telegram's copy of a post of the group's linked channel (``is_automatic_forward``).
    automatic_forward: bool = False
    # The message this one replies to, as the update carries it: its id and text (or caption).
    replied: tuple[str, str] | None = None

    @property
    def link(self) -> str | None:
        """A ``t.me`` link to the message when one can exist."""
        return message_link(self.chat_id, self.message_id, self.chat_username)

    @property
    def sender(self) -> Sender:
        """Who posted: a user, a channel identity, the group's anonymous admin, the channel
        (its own post, or the copy of its linked channel's post in a discussion group: removed,
        never the group's own channel banned)."""
        if self.channel_post or self.chat_type == "channel" or self.automatic_forward:
            return "channel_post"
        if self.sender_chat_id is not None:
            return "anonymous_admin" if self.sender_chat_id == self.chat_id else (
                "channel_identity")
        return "user"

    @property
    def place(self) -> str:
        """Where it was posted, for the flood guard (``telegram:<Bot API chat id>``)."""
        return f"telegram:{self.chat_id}"

    @property
    def poster(self) -> str:
        """Who posted it, for the flood guard: ``telegram:user:<id>`` or, for a channel
        identity, the anonymous admin or the channel itself, ``telegram:chat:<id>``."""
        if self.user_id is not None and self.sender == "user":
            return f"telegram:user:{self.user_id}"
        return f"telegram:chat:{self.sender_chat_id or self.chat_id}"

    @property
    def sender_id(self) -> int | None:
        """Whom strikes and report limits count against: the user, or the channel identity
        (or anonymous admin) she posted as; ``None`` for the channel's own post."""
        return self.user_id if self.sender == "user" else self.sender_chat_id

    def location(self) -> dict[str, Any]:
        """Where it was seen, for review items and notices."""
        return {"platform": "telegram", "chat": self.chat_id, "chat_title": self.chat_title,
                "message": self.message_id, "link": self.link, "sender": self.user_id,
                "sender_chat": self.sender_chat_id, "date": self.date.isoformat()}


@dataclass(frozen=True, slots=True)
class NotFetched:
    """Why the adapter has no bytes for a file: not an image or video (``not_media``), over the
    download limit (``too_large``: its thumbnail is checked instead, if any) or a failed
    download (``failed``, with Telegram's or the server's reason)."""

    reason: Literal["not_media", "too_large", "failed"]
    detail: str = ""


Fetched = bytes | NotFetched


@dataclass(frozen=True, slots=True)
class Prepared:
    """What checking a message needs once logged: the verdicts already known (by
    ``file_unique_id``) and the files (or thumbnails) the adapter must download."""

    cached: dict[str, Verdict]
    fetch: tuple[BotMedia, ...]
