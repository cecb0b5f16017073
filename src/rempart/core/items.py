"""What a scanner reads: one message (or one file) with its text, media references and origin.

Pure value types. Readers (``adapters.telegram_export``, the folder reader) produce ``Item``
records, and the bots describe each message as one (``BotMessage.item``); the scan service
hashes the files their ``MediaRef`` records point to and classifies their text. No media bytes
ever live in these records: only paths (or a bot's file ids).

Example::

    >>> loc = Location(platform="telegram", export="/exports/a", chat_name="Demo",
    ...                chat_type="private_supergroup", chat_id=1234567890, message_id=7)
    >>> Item(loc, "hello", (), "message").to_json()["location"]["message_id"]
    7
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from rempart.core.links import Link

MediaRefKind = Literal[
    "photo", "video", "animation", "video_note", "sticker", "document", "voice", "audio",
    "thumbnail", "other",
]
MEDIA_REF_KINDS: tuple[str, ...] = (
    "photo", "video", "animation", "video_note", "sticker", "document", "voice", "audio",
    "thumbnail", "other",
)
# Why a referenced file cannot be read. ``not_included``/``too_large``/``unavailable`` are the
# exporter's own placeholders; ``refused_path`` is a path leaving the export folder.
MediaProblem = Literal[
    "missing", "not_included", "too_large", "unavailable", "refused_path", "not_a_file",
    "empty_path",
]
MEDIA_PROBLEMS: tuple[str, ...] = (
    "missing", "not_included", "too_large", "unavailable", "refused_path", "not_a_file",
    "empty_path",
)


@dataclass(frozen=True, slots=True)
class Location:
    """Where an item was seen.

    ``date_utc`` is ISO-8601 ending in ``Z`` when the source gave a Unix time; old Telegram
    exports only give the exporting machine's local time, kept as written (no ``Z``) with
    ``date_is_local=True``. ``sender_id`` is kept as the export writes it (``user123``,
    ``channel456``; old exports' bare integers become their decimal string). ``link`` is a
    ``t.me`` link to the message when one can exist. ``path`` is the file's path relative to
    the scanned folder for items read from plain folders.
    """

    platform: str
    export: str
    chat_name: str | None = None
    chat_type: str | None = None
    chat_id: int | None = None
    message_id: int | None = None
    date_utc: str | None = None
    date_is_local: bool = False
    sender_name: str | None = None
    sender_id: str | None = None
    forwarded_from: str | None = None
    forwarded_from_id: str | None = None
    saved_from: str | None = None
    via_bot: str | None = None
    reply_to_message_id: int | None = None
    link: str | None = None
    path: str | None = None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {name: getattr(self, name) for name in self.__slots__}


@dataclass(frozen=True, slots=True)
class MediaRef:
    """A media file referenced by an item, never its bytes.

    ``path`` is the path as written in the source (relative to the export folder);
    ``resolved`` the absolute path to read, or ``None`` when ``problem`` says why not. A file
    that a bot downloads by its platform's id has that id as ``path`` (``tg:<file_unique_id>``,
    a Matrix ``mxc://`` URI) and no ``resolved`` path: it is not on disk.
    """

    path: str
    resolved: str | None
    kind: MediaRefKind
    mime_type: str | None = None
    width: int | None = None
    height: int | None = None
    duration: float | None = None
    file_name: str | None = None
    size: int | None = None
    problem: MediaProblem | None = None
    problem_detail: str | None = None

    @property
    def readable(self) -> bool:
        """True when the file can be opened (no problem recorded)."""
        return self.problem is None and self.resolved is not None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {name: getattr(self, name) for name in self.__slots__}


@dataclass(frozen=True, slots=True)
class Item:
    """One message or file to scan: its origin, its full text, its media and links.

    ``raw_type`` is the source's own type (``message``, ``service``, ``unsupported``, ``file``
    for plain folders). ``links`` come from the text and from link targets hidden behind
    text (``text_link`` entities, inline buttons).
    """

    location: Location
    text: str
    media: tuple[MediaRef, ...]
    raw_type: str
    links: tuple[Link, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (the ``--jsonl`` record of a read item)."""
        return {
            "location": self.location.to_json(),
            "text": self.text,
            "media": [m.to_json() for m in self.media],
            "raw_type": self.raw_type,
            "links": [x.to_json() for x in self.links],
        }
