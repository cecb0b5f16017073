"""Bot API updates → :class:`BotMessage` values: which files of a message are checked.

Every file a message shows is checked, whatever its caption, name or declared type:

- photos: the largest size; videos, animations, video notes: the file, its thumbnail as
  fallback when too large; stickers: static WebP as an image, video stickers as video, animated
  (TGS) stickers only by their thumbnail;
- documents, all of them: by content (the first bytes say whether it is an image or a video,
  see :func:`rempart.core.media.sniff`), never by file name or MIME type;
- paid media (photos and videos behind a paywall) and the media of a quoted message from
  another chat (``external_reply``: Telegram shows it in the group) count as the message's own.

An animation also sets ``document`` (Bot API compatibility): it is checked once.

Link targets hidden behind the text (``text_link`` entities, URL and login buttons) are kept as
an export's reader keeps them, with their place in the text (Bot API offsets count UTF-16 code
units; Python's count characters).
"""

from __future__ import annotations

from typing import Any

from telegram import Message, MessageEntity, PhotoSize, Update

from rempart.core.text.context import CONTEXT_CHARS
from rempart.services.bot_messages import BotMedia, BotMessage


def _thumb(obj: Any) -> BotMedia | None:
    thumb: PhotoSize | None = getattr(obj, "thumbnail", None)
    if thumb is None:
        return None
    return BotMedia(thumb.file_id, thumb.file_unique_id, "thumbnail", thumb.file_size)


def _largest(sizes: tuple[PhotoSize, ...]) -> BotMedia:
    largest = max(sizes, key=lambda p: (p.width * p.height, p.file_size or 0))
    return BotMedia(largest.file_id, largest.file_unique_id, "photo", largest.file_size)


def _files(holder: Any) -> list[BotMedia]:
    """The files of a Message or an ExternalReplyInfo (same attribute names)."""
    out: list[BotMedia] = []
    if getattr(holder, "photo", None):
        out.append(_largest(holder.photo))
    for kind in ("video", "animation", "video_note"):
        obj = getattr(holder, kind, None)
        if obj is not None:
            out.append(BotMedia(obj.file_id, obj.file_unique_id, kind, obj.file_size,
                                _thumb(obj)))
    sticker = getattr(holder, "sticker", None)
    if sticker is not None:
        out.append(BotMedia(sticker.file_id, sticker.file_unique_id, "sticker",
                            sticker.file_size, _thumb(sticker),
                            hashable=not sticker.is_animated))
    doc = getattr(holder, "document", None)
    if doc is not None and getattr(holder, "animation", None) is None:
        out.append(BotMedia(doc.file_id, doc.file_unique_id, "document", doc.file_size,
                            _thumb(doc), sniffed=True))
    paid = getattr(holder, "paid_media", None)
    for item in getattr(paid, "paid_media", None) or ():
        if getattr(item, "photo", None):
            out.append(_largest(item.photo))
        video = getattr(item, "video", None)
        if video is not None:
            out.append(BotMedia(video.file_id, video.file_unique_id, "video", video.file_size,
                                _thumb(video)))
    return out


def media_of(message: Message) -> tuple[BotMedia, ...]:
    """The files of a message worth checking (its own, then a quoted one's), once each."""
    out: dict[str, BotMedia] = {}
    for media in [*_files(message), *_files(message.external_reply)]:
        out.setdefault(media.file_unique_id, media)
    return tuple(out.values())


def _origin(message: Message) -> dict[str, Any] | None:
    origin = message.forward_origin
    if origin is None:
        return None
    data: dict[str, Any] = {"type": origin.type}
    for name in ("sender_user", "sender_chat", "chat"):
        obj = getattr(origin, name, None)
        if obj is not None:
            data[name] = obj.id
    for name in ("message_id", "sender_user_name", "author_signature"):
        value = getattr(origin, name, None)
        if value is not None:
            data[name] = value
    return data


def raw_message(update: Update) -> Message | None:
    """The update's message (new, edited, channel post or edited post), or None."""
    return (update.message or update.edited_message or update.channel_post
            or update.edited_channel_post)


def message_of(update: Update) -> BotMessage | None:
    """The update's message as the rules see it, or None."""
    message = raw_message(update)
    if message is None:
        return None
    chat = message.chat
    text = message.text or message.caption or ""
    return BotMessage(
        update_id=update.update_id,
        chat_id=chat.id,
        chat_type=chat.type,
        message_id=message.message_id,
        date=message.edit_date or message.date,
        text=text,
        media=media_of(message),
        chat_title=chat.title,
        chat_username=chat.username,
        user_id=message.from_user.id if message.from_user else None,
        sender_chat_id=message.sender_chat.id if message.sender_chat else None,
        media_group_id=message.media_group_id,
        edited=update.edited_message is not None or update.edited_channel_post is not None,
        channel_post=update.channel_post is not None or update.edited_channel_post is not None,
        forward_origin=_origin(message),
        automatic_forward=bool(message.is_automatic_forward),
        replied=_replied(message),
        hidden_links=hidden_links(message, text),
    )


def _replied(message: Message) -> tuple[str, str] | None:
    """The replied-to message's id and the end of its text, when the update carries them."""
    target = message.reply_to_message
    if target is None:
        return None
    text = target.text or target.caption or ""
    return (str(target.message_id), text[-CONTEXT_CHARS:]) if text else None


def hidden_links(message: Message, text: str) -> tuple[tuple[str, int, int], ...]:
    """The link targets ``text`` (the message's text or caption) hides: ``(url, start, end)``
    of each ``text_link`` entity, and of each URL or login button (placed at the text's end).
    """
    entities = message.entities if message.text else message.caption_entities
    units = text.encode("utf-16-le")

    def index(offset: int) -> int:
        return len(units[:2 * offset].decode("utf-16-le", errors="ignore"))

    found = [(e.url, index(e.offset), index(e.offset + e.length)) for e in entities or ()
             if e.type == MessageEntity.TEXT_LINK and e.url]
    keyboard = getattr(message.reply_markup, "inline_keyboard", None) or ()
    for row in keyboard:
        for button in row:
            url = button.url or (button.login_url.url if button.login_url else None)
            if url:
                found.append((url, len(text), len(text)))
    return tuple(found)
