"""Matrix events → :class:`MatrixMessage` values (a :class:`BotMessage` the bot service decides
about, with the Matrix ids it came from). Translation only: which files an event shows.

- ``m.image``, ``m.video``, ``m.file`` (``m.room.message``) and ``m.sticker`` events: their
  file (``url``), its thumbnail (``info.thumbnail_url``) as fallback when over the limit; a file
  is checked by its bytes, whatever its ``mimetype`` or name says (an ``m.file`` only when its
  first bytes are an image or video);
- an edit (``m.replace``) is checked for the media it puts in (``m.new_content``), and is removed
  on its own: it is an event of its own;
- an encrypted attachment (``file`` instead of ``url``) is named ``encrypted:<mxc>``; the runner
  decrypts it with the event's keys when the bot is an E2EE device (``e2ee.py``).

Example::

    >>> ev = {"type": "m.room.message", "event_id": "$e", "sender": "@a:hs",
    ...       "origin_server_ts": 0, "content": {"msgtype": "m.image", "body": "x.jpg",
    ...       "url": "mxc://hs/abc", "info": {"size": 10}}}
    >>> m = message_of(ev, "!r:hs", "Room", lambda kind, value: len(value))
    >>> m.media[0].kind, m.media[0].file_id, m.place, m.poster
    ('photo', 'mxc://hs/abc', 'matrix:!r:hs', 'matrix:user:@a:hs')
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from rempart.core.items import Location
from rempart.services.bot_messages import BOT_EXPORT, BotMedia, BotMessage

__all__ = ["ENCRYPTED_PREFIX", "MEDIA_KINDS", "MatrixMessage", "message_of", "reply_to"]

Number = Callable[[str, str], int]
MEDIA_KINDS = {"m.image": "photo", "m.video": "video", "m.file": "document"}
ENCRYPTED_PREFIX = "encrypted:"
TEXT_LIMIT = 4096
_KEY_LIMIT = 120  # bot_seen_files keys hold 128 characters


@dataclass(frozen=True, slots=True)
class MatrixMessage(BotMessage):
    """A Matrix event as the bot's rules see it, with its Matrix ids."""

    room_id: str = ""
    event_id: str = ""
    sender_mxid: str = ""
    reply_to: str | None = None  # the event this one replies to (``!report``)

    @property
    def link(self) -> str | None:
        """A ``matrix.to`` link to the event."""
        return f"https://matrix.to/#/{quote(self.room_id)}/{quote(self.event_id)}"

    @property
    def place(self) -> str:
        """``matrix:<room id>`` for the flood guard."""
        return f"matrix:{self.room_id}"

    @property
    def poster(self) -> str:
        """``matrix:user:<user id>`` for the flood guard."""
        return f"matrix:user:{self.sender_mxid}"

    def where(self) -> Location:
        """Where it was seen, as an item says it: the room and the event by their numbers
        (``chat_id``, ``message_id``), the sender by her Matrix id."""
        return Location(platform="matrix", export=BOT_EXPORT, chat_name=self.chat_title,
                        chat_type=self.chat_type, chat_id=self.chat_id,
                        message_id=self.message_id, date_utc=self.date_utc,
                        sender_id=self.sender_mxid, link=self.link)

    def file_path(self, media: BotMedia) -> str:
        """A file's ``MediaRef.path``: the key its verdict is cached under (its ``mxc://``
        URI, see :func:`file_key`)."""
        return media.file_unique_id

    def location(self) -> dict[str, Any]:
        """Where it was seen, for review items and notices (rooms and events by their Matrix
        ids)."""
        return {"platform": "matrix", "chat": self.room_id, "chat_title": self.chat_title,
                "message": self.event_id, "link": self.link, "sender": self.sender_mxid,
                "sender_chat": None, "date": self.date.isoformat()}


def file_key(url: str) -> str:
    """The key a file's verdict is cached under: its ``mxc://`` URI (hashed when long)."""
    if len(url) <= _KEY_LIMIT:
        return url
    return "mxc#" + hashlib.sha256(url.encode()).hexdigest()


def _size(info: Mapping[str, Any], key: str = "size") -> int | None:
    value = info.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _thumbnail(info: Mapping[str, Any]) -> BotMedia | None:
    url = info.get("thumbnail_url")
    thumb_info = info.get("thumbnail_info")
    if not isinstance(url, str) or not url:
        return None
    size = _size(thumb_info) if isinstance(thumb_info, dict) else None
    return BotMedia(url, file_key(url), "thumbnail", size)


def media_of(event_type: str, content: Mapping[str, Any]) -> tuple[BotMedia, ...]:
    """The file of an event worth checking (none for text and other events)."""
    if event_type == "m.sticker":
        kind = "sticker"
    elif event_type == "m.room.message":
        found = MEDIA_KINDS.get(str(content.get("msgtype")))
        if found is None:
            return ()
        kind = found
    else:
        return ()
    raw_info = content.get("info")
    info: Mapping[str, Any] = raw_info if isinstance(raw_info, dict) else {}
    url = content.get("url")
    encrypted = content.get("file")
    if not isinstance(url, str) and isinstance(encrypted, dict):
        url = ENCRYPTED_PREFIX + str(encrypted.get("url", ""))[:300]
    if not isinstance(url, str) or not url:
        return ()
    return (BotMedia(url, file_key(url), kind, _size(info), _thumbnail(info),
                     sniffed=kind == "document"),)


def _text(content: Mapping[str, Any]) -> str:
    body = content.get("body")
    if not isinstance(body, str):
        return ""
    if content.get("msgtype") in MEDIA_KINDS:
        # A media event's body is its file name unless a separate ``filename`` makes it a caption.
        filename = content.get("filename")
        return body[:TEXT_LIMIT] if isinstance(filename, str) and filename != body else ""
    return body[:TEXT_LIMIT]


def reply_to(content: Mapping[str, Any]) -> str | None:
    """The id of the event this content replies to, if any."""
    relates = content.get("m.relates_to")
    if not isinstance(relates, dict):
        return None
    reply = relates.get("m.in_reply_to")
    event_id = reply.get("event_id") if isinstance(reply, dict) else None
    return event_id if isinstance(event_id, str) and event_id.startswith("$") else None


def message_of(event: Mapping[str, Any], room_id: str, room_name: str | None,
               number: Number) -> MatrixMessage | None:
    """The event as the rules see it, or None (not a message or sticker, malformed)."""
    event_type = event.get("type")
    event_id, sender = event.get("event_id"), event.get("sender")
    content = event.get("content")
    if (event_type not in ("m.room.message", "m.sticker") or not isinstance(event_id, str)
            or not isinstance(sender, str) or not isinstance(content, dict) or not content):
        return None
    relates = content.get("m.relates_to")
    new = content.get("m.new_content")
    if isinstance(relates, dict) and relates.get("rel_type") == "m.replace" and isinstance(
            new, dict):
        content = new
    ts = event.get("origin_server_ts")
    seconds = ts / 1000 if isinstance(ts, int) and 0 <= ts < 2**53 else 0
    event_n = number("event", event_id)
    return MatrixMessage(
        update_id=event_n,
        chat_id=number("room", room_id),
        chat_type="room",
        message_id=event_n,
        date=datetime.fromtimestamp(seconds, UTC),
        text=_text(content),
        media=media_of(str(event_type), content),
        chat_title=(room_name or room_id)[:300],
        user_id=number("user", sender),
        room_id=room_id,
        event_id=event_id,
        sender_mxid=sender,
        reply_to=reply_to(content),
    )
