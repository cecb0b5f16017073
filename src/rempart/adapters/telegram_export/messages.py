"""One Telegram Desktop export message (a parsed JSON object) → ``Item``.

Field meanings follow Telegram Desktop's JSON writer (``export_output_json.cpp``) across the
format's generations: integer ``from_id`` (until 2020) or ``"user123"``/``"channel456"``; text
as a string or a list of strings and entity objects, plus ``text_entities`` (2021+);
``date_unixtime`` (2021+) beside the local-time ``date``; ``forwarded_from_id`` (2025+).
Unknown fields are ignored and unknown types kept as ``raw_type``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from rempart.adapters.telegram_export.paths import MediaResolver
from rempart.adapters.telegram_export.stream import ChatHeader
from rempart.core.items import Item, Location, MediaRef, MediaRefKind
from rempart.core.links import bare_channel_id, extract_links

# Chats whose messages have t.me links; basic groups and private chats have none.
CHANNEL_TYPES = frozenset({"private_supergroup", "public_supergroup", "private_channel",
                           "public_channel"})
GROUP_TYPES = CHANNEL_TYPES | {"private_group"}
_MEDIA_TYPES: dict[str, MediaRefKind] = {
    "sticker": "sticker", "video_message": "video_note", "voice_message": "voice",
    "animation": "animation", "video_file": "video", "audio_file": "audio",
}
# Old Telegram Desktop versions wrote peer ids with the peer type in bits 32+.
_USER_SHIFT = 1 << 32
_CHAT_SHIFT = 2 << 32
_EXTRA_KEYS = frozenset({"poll", "todo_list", "place_name", "address", "game_title",
                         "game_description", "invoice_information"})
# Service-message fields worth putting in the item's text (names and titles can carry links).
_SERVICE_FIELDS = ("title", "new_title", "information_text", "inviter", "reason_domain",
                   "reason_app_name", "emoticon", "gift_code", "gift_text")


@dataclass
class ReadStats:
    """Counters filled while reading; pass one to ``read_items`` to get a summary."""

    chats: int = 0
    messages: int = 0
    service: int = 0
    unsupported: int = 0
    media: int = 0
    problems: dict[str, int] = field(default_factory=dict)
    refused: list[tuple[int | None, str, str]] = field(default_factory=list)
    max_refused_listed: int = 1000

    def count_problem(self, problem: str, message_id: int | None, raw: str,
                      detail: str | None) -> None:
        self.problems[problem] = self.problems.get(problem, 0) + 1
        if problem == "refused_path" and len(self.refused) < self.max_refused_listed:
            self.refused.append((message_id, raw, detail or ""))


@dataclass(frozen=True, slots=True)
class ChatContext:
    """What every item of one chat shares."""

    export: str
    name: str | None
    type: str | None
    id: int | None
    link_base: str | None


def chat_context(header: ChatHeader, export: str,
                 usernames: Mapping[int, str] | None) -> ChatContext:
    """The normalised chat id and the ``t.me`` link prefix of a chat."""
    chat_id = normalise_chat_id(header.id, header.type)
    link_base = None
    if header.type in CHANNEL_TYPES and chat_id is not None and chat_id > 0:
        username = header.username or (usernames or {}).get(chat_id)
        if username:
            link_base = f"https://t.me/{username.lstrip('@')}/"
        else:
            link_base = f"https://t.me/c/{chat_id}/"
    return ChatContext(export, header.name, header.type, chat_id, link_base)


def normalise_chat_id(raw: Any, chat_type: str | None) -> int | None:
    """The chat's bare id: ``-100`` prefixes and old peer-type bits removed.

    >>> normalise_chat_id(-1001234567890, "private_channel"), normalise_chat_id(
    ...     (2 << 32) + 77, "private_supergroup")
    (1234567890, 77)
    """
    if isinstance(raw, str):
        try:
            raw = int(raw.strip())
        except ValueError:
            return None
    if not isinstance(raw, int) or isinstance(raw, bool):
        return None
    if raw < 0:
        return bare_channel_id(raw) if chat_type in CHANNEL_TYPES else -raw
    if chat_type in GROUP_TYPES and _CHAT_SHIFT <= raw < _CHAT_SHIFT + (1 << 32):
        return raw - _CHAT_SHIFT
    return raw


def sender_id(raw: Any) -> str | None:
    """``from_id`` as the export spells it; old integer ids as decimal strings (with the old
    peer-type bits decoded to a ``user``/``chat`` prefix)."""
    if raw is None or isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        if _USER_SHIFT <= raw < _CHAT_SHIFT:
            return f"user{raw - _USER_SHIFT}"
        if _CHAT_SHIFT <= raw < _CHAT_SHIFT + (1 << 32):
            return f"chat{raw - _CHAT_SHIFT}"
        return str(raw)
    return str(raw)


def to_item(message: dict[str, Any], chat: ChatContext, resolver: MediaResolver,
            stats: ReadStats | None) -> Item:
    """The ``Item`` for one message object."""
    raw_type = message.get("type")
    raw_type = raw_type if isinstance(raw_type, str) else "unknown"
    message_id = _int(message.get("id"))
    date_utc, is_local = _date(message)
    text, hrefs = _text(message.get("text_entities"), message.get("text"))
    if raw_type == "service":
        head = _service_head(message)
        hrefs = [(url, start + len(head) + 1, end + len(head) + 1) for url, start, end in hrefs]
        text = f"{head}\n{text}" if text else head
        sender_key, name_key = "actor_id", "actor"
    else:
        text = _extra_text(message, text)
        sender_key, name_key = "from_id", "from"
    hrefs.extend(_button_urls(message.get("inline_bot_buttons"), len(text)))
    link = None
    if chat.link_base is not None and message_id is not None and message_id > 0:
        link = f"{chat.link_base}{message_id}"
    location = Location(
        platform="telegram", export=chat.export, chat_name=chat.name, chat_type=chat.type,
        chat_id=chat.id, message_id=message_id, date_utc=date_utc, date_is_local=is_local,
        sender_name=_str(message.get(name_key)), sender_id=sender_id(message.get(sender_key)),
        forwarded_from=_str(message.get("forwarded_from")),
        forwarded_from_id=sender_id(message.get("forwarded_from_id")),
        saved_from=_str(message.get("saved_from")), via_bot=_str(message.get("via_bot")),
        reply_to_message_id=_int(message.get("reply_to_message_id")), link=link,
    )
    media = _media(message, resolver, stats, message_id)
    if stats is not None:
        stats.messages += 1
        stats.service += raw_type == "service"
        stats.unsupported += raw_type == "unsupported"
        stats.media += len(media)
    links = extract_links(text, hrefs=hrefs) if (text or hrefs) else ()
    return Item(location, text, media, raw_type, links)


def _media(message: dict[str, Any], resolver: MediaResolver, stats: ReadStats | None,
           message_id: int | None) -> tuple[MediaRef, ...]:
    out: list[MediaRef] = []
    photo = message.get("photo")
    if isinstance(photo, str):
        out.append(_ref(photo, "photo", message, resolver, stats, message_id,
                        size=_int(message.get("photo_file_size"))))
    file = message.get("file")
    if isinstance(file, str):
        media_type = message.get("media_type")
        kind = _MEDIA_TYPES.get(media_type, "other") if isinstance(media_type, str) \
            else "document"
        out.append(_ref(file, kind, message, resolver, stats, message_id,
                        size=_int(message.get("file_size")),
                        mime=_str(message.get("mime_type")),
                        file_name=_str(message.get("file_name"))))
    thumbnail = message.get("thumbnail")
    if isinstance(thumbnail, str):
        out.append(_ref(thumbnail, "thumbnail", {}, resolver, stats, message_id,
                        size=_int(message.get("thumbnail_file_size"))))
    return tuple(out)


def _ref(raw: str, kind: MediaRefKind, message: dict[str, Any], resolver: MediaResolver,
         stats: ReadStats | None, message_id: int | None, *, size: int | None,
         mime: str | None = None, file_name: str | None = None) -> MediaRef:
    resolved, problem, detail = resolver.resolve(raw)
    if problem is not None and stats is not None:
        stats.count_problem(problem, message_id, raw, detail)
    duration = message.get("duration_seconds")
    return MediaRef(
        path=raw, resolved=resolved, kind=kind, mime_type=mime,
        width=_int(message.get("width")), height=_int(message.get("height")),
        duration=float(duration) if isinstance(duration, (int, float)) and not isinstance(
            duration, bool) else None,
        file_name=file_name, size=size if size else None, problem=problem,
        problem_detail=detail,
    )


def _text(entities: Any, text: Any) -> tuple[str, list[tuple[str, int, int]]]:
    """Plain text and the hidden link targets (``text_link`` hrefs) with their spans."""
    # Both spell the same text when both are present; an empty entity list next to a
    # non-empty text (hand-made files) must not hide the text.
    source = entities if isinstance(entities, list) and (entities or not text) else text
    if isinstance(source, str):
        return source, []
    hrefs: list[tuple[str, int, int]] = []
    if not isinstance(source, list):
        return "", hrefs
    parts: list[str] = []
    pos = 0
    for part in source:
        if isinstance(part, str):
            piece = part
        elif isinstance(part, dict):
            value = part.get("text")
            piece = value if isinstance(value, str) else ""
            href = part.get("href")
            if isinstance(href, str) and href:
                hrefs.append((href, pos, pos + len(piece)))
        else:
            continue
        parts.append(piece)
        pos += len(piece)
    return "".join(parts), hrefs


def _extra_text(message: dict[str, Any], text: str) -> str:
    """Append the other text a message shows: polls, to-do lists, venues, games, invoices."""
    if _EXTRA_KEYS.isdisjoint(message):
        return text
    extra: list[str] = []
    poll = message.get("poll")
    if isinstance(poll, dict):
        extra.append(_plain(poll.get("question")))
        extra.extend(_plain(a.get("text")) for a in _list(poll.get("answers"))
                     if isinstance(a, dict))
    todo = message.get("todo_list")
    if isinstance(todo, dict):
        extra.append(_plain(todo.get("title")))
        extra.extend(_plain(a.get("text")) for a in _list(todo.get("answers"))
                     if isinstance(a, dict))
    for key in ("place_name", "address", "game_title", "game_description"):
        extra.append(_plain(message.get(key)))
    invoice = message.get("invoice_information")
    if isinstance(invoice, dict):
        extra.extend((_plain(invoice.get("title")), _plain(invoice.get("description"))))
    extra = [e for e in extra if e]
    if not extra:
        return text
    return "\n".join([text, *extra]) if text else "\n".join(extra)


def _service_head(message: dict[str, Any]) -> str:
    """A readable description of a service message, e.g. ``invite_members: Ann, Bob``."""
    action = _str(message.get("action")) or "service"
    details = [_plain(message.get(key)) for key in _SERVICE_FIELDS]
    members = message.get("members")
    if isinstance(members, list):
        details.append(", ".join(m for m in members if isinstance(m, str)))
    details = [d for d in details if d]
    return f"{action}: {'; '.join(details)}" if details else action


def _button_urls(rows: Any, end: int) -> list[tuple[str, int, int]]:
    """URLs behind inline keyboard buttons (``url`` and ``auth`` buttons carry them)."""
    out: list[tuple[str, int, int]] = []
    if not isinstance(rows, list):
        return out
    for row in rows:
        for button in row if isinstance(row, list) else ():
            if isinstance(button, dict):
                data = button.get("data")
                if isinstance(data, str) and ("://" in data or data.startswith("t.me/")):
                    out.append((data, end, end))
    return out


def _plain(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):  # poll questions may be entity lists in newer versions
        return _text(value, None)[0]
    return ""


def _date(message: dict[str, Any]) -> tuple[str | None, bool]:
    unix = message.get("date_unixtime")
    if unix is not None:
        try:
            return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(unix))), False
        except (TypeError, ValueError, OverflowError, OSError):
            pass
    date = message.get("date")
    return (date, True) if isinstance(date, str) else (None, False)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return None
    return None


def _str(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)
