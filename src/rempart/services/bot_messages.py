"""What the Telegram bot sees, free of any Bot API library: a message (or edited message, or
channel post) reduced to what the rules need, and its files as Telegram describes them (no
bytes). Checking a file gives a ``core.verdict.Verdict`` keyed by its ``file_unique_id``.

A message is also the record the export scanner reads, a ``core.items.Item``
(:meth:`BotMessage.item`): its place as a ``Location`` (the sender spelled as an export spells
it), its text, its files as references (``tg:<file_unique_id>``, not on disk) and its links, so
that one piece of code reads and describes both (``core.conversations.read_item``,
``services.sightings.place_keys``).

Example::

    >>> m = BotMessage(1, -1001234567890, "supergroup", 42, datetime(2026, 3, 1),
    ...                user_id=7, chat_username="somegroup")
    >>> m.link, m.sender, m.poster, m.sender_id
    ('https://t.me/somegroup/42', 'user', 'telegram:user:7', 7)
    >>> m.item().location.sender_id, m.item().location.date_utc
    ('user7', '2026-03-01T00:00:00Z')
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, cast

from rempart.core.bot_policy import Sender, message_link
from rempart.core.items import MEDIA_REF_KINDS, Item, Location, MediaRef, MediaRefKind
from rempart.core.links import extract_links
from rempart.core.text.context import Earlier
from rempart.core.verdict import Verdict
from rempart.services.sightings import place_keys

__all__ = ["BOT_EXPORT", "TEXT_LIMIT", "BotMedia", "BotMessage", "Fetched", "NotFetched",
           "Prepared", "export_peer"]

BOT_EXPORT = "bot"
"""The ``export`` of a bot's items (an export's is its folder)."""
TEXT_LIMIT = 4096
"""Characters of a message's text the bot reads (Telegram's own limit; captions: 1024)."""
_CHANNEL_SHIFT = 10**12  # Bot API ids of supergroups and channels: -(10**12 + id)


def export_peer(chat_id: int) -> str:
    """A Bot API chat id as a Telegram export spells a peer (``from_id``).

    >>> export_peer(-1001234567890), export_peer(-77), export_peer(5)
    ('channel1234567890', 'chat77', 'user5')
    """
    if chat_id <= -_CHANNEL_SHIFT:
        return f"channel{-chat_id - _CHANNEL_SHIFT}"
    return f"chat{-chat_id}" if chat_id < 0 else f"user{chat_id}"


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
    # Link targets the text hides (``text_link`` entities, URL buttons): (url, start, end).
    hidden_links: tuple[tuple[str, int, int], ...] = ()

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
        kind, number = self._posted_as()
        return f"telegram:{kind}:{number}"

    def _posted_as(self) -> tuple[Literal["user", "chat"], int]:
        if self.user_id is not None and self.sender == "user":
            return "user", self.user_id
        return "chat", self.sender_chat_id or self.chat_id

    @property
    def sender_id(self) -> int | None:
        """Whom strikes and report limits count against: the user, or the channel identity
        (or anonymous admin) she posted as; ``None`` for the channel's own post."""
        return self.user_id if self.sender == "user" else self.sender_chat_id

    @property
    def date_utc(self) -> str:
        """Its date in UTC as an export writes it, ending in ``Z`` (a naive date is UTC)."""
        date = self.date.astimezone(UTC) if self.date.tzinfo is not None else self.date
        return date.strftime("%Y-%m-%dT%H:%M:%SZ")

    def earlier(self) -> tuple[Earlier, ...]:
        """The messages its text is read with: the one it replies to, as the update carries
        it."""
        return (Earlier(*self.replied),) if self.replied else ()

    def where(self) -> Location:
        """Where it was seen, as an export's item says it: the Bot API's chat id and type,
        the sender the flood guard counts (:attr:`poster`) spelled as an export spells it
        (``user7``, ``channel1234567890``), the original sender of a forward."""
        kind, number = self._posted_as()
        poster = f"user{number}" if kind == "user" else export_peer(number)
        forwarded_from, forwarded_from_id = _forwarded(self.forward_origin or {})
        replied = self.replied[0] if self.replied else ""
        return Location(
            platform="telegram", export=BOT_EXPORT, chat_name=self.chat_title,
            chat_type=self.chat_type, chat_id=self.chat_id, message_id=self.message_id,
            date_utc=self.date_utc, sender_id=poster, forwarded_from=forwarded_from,
            forwarded_from_id=forwarded_from_id,
            reply_to_message_id=int(replied) if replied.isdigit() else None, link=self.link)

    def file_path(self, media: BotMedia) -> str:
        """A file's ``MediaRef.path``: ``tg:<file_unique_id>``."""
        return f"tg:{media.file_unique_id}"

    def item(self) -> Item:
        """The message as the scanner reads one: :meth:`where`, its text (at most
        ``TEXT_LIMIT`` characters), its files in ``media`` order (``item.media[i]`` is
        ``media[i]``, its thumbnail a fallback checked in its place) and its links, found as
        an export's are (the text and :attr:`hidden_links`)."""
        text = self.text[:TEXT_LIMIT]
        refs = tuple(MediaRef(self.file_path(m), None, _kind(m.kind), size=m.file_size)
                     for m in self.media)
        links = extract_links(text, hrefs=self.hidden_links) if (
            text or self.hidden_links) else ()
        return Item(self.where(), text, refs, "message", links)

    def location(self) -> dict[str, Any]:
        """Where it was seen, for review items and notices: the place keys of every source's
        items (from :meth:`where`), the Bot API's sender ids and the date as Telegram gave
        it."""
        return {**place_keys(self.where()), "sender": self.user_id,
                "sender_chat": self.sender_chat_id, "date": self.date.isoformat()}


def _forwarded(origin: dict[str, Any]) -> tuple[str | None, str | None]:
    """A forward's original sender as an export names it (``forwarded_from``, ``…_id``): a
    hidden user by her name only, a user, chat or channel by its id."""
    name, user = origin.get("sender_user_name"), origin.get("sender_user")
    chat = origin.get("sender_chat", origin.get("chat"))
    return (name if isinstance(name, str) else None,
            f"user{user}" if isinstance(user, int) else
            export_peer(chat) if isinstance(chat, int) else None)


def _kind(kind: str) -> MediaRefKind:
    return cast(MediaRefKind, kind if kind in MEDIA_REF_KINDS else "other")


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
