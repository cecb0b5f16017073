"""Bot API updates → :class:`BotMessage` values: which files of a message are checked.

Photos: the largest size. Videos, animations, video notes: the file, its thumbnail as fallback
when too large. Stickers: static WebP as an image, video stickers as video, animated (TGS)
stickers only by their thumbnail. Documents: only image or video mime types. An animation also
sets ``document`` (Bot API compatibility): it is checked once.
"""

from __future__ import annotations

from typing import Any

from telegram import Message, PhotoSize, Update

from rempart.services.bot import BotMedia, BotMessage


def _thumb(obj: Any) -> BotMedia | None:
    thumb: PhotoSize | None = getattr(obj, "thumbnail", None)
    if thumb is None:
        return None
    return BotMedia(thumb.file_id, thumb.file_unique_id, "thumbnail", thumb.file_size)


def media_of(message: Message) -> tuple[BotMedia, ...]:
    """The files of a message worth checking."""
    out: list[BotMedia] = []
    if message.photo:
        largest = max(message.photo, key=lambda p: (p.width * p.height, p.file_size or 0))
        out.append(BotMedia(largest.file_id, largest.file_unique_id, "photo", largest.file_size))
    for kind in ("video", "animation", "video_note"):
        obj = getattr(message, kind, None)
        if obj is not None:
            out.append(BotMedia(obj.file_id, obj.file_unique_id, kind, obj.file_size,
                                _thumb(obj)))
    sticker = message.sticker
    if sticker is not None:
        out.append(BotMedia(sticker.file_id, sticker.file_unique_id, "sticker",
                            sticker.file_size, _thumb(sticker),
                            hashable=not sticker.is_animated))
    doc = message.document
    if doc is not None and message.animation is None:
        mime = (doc.mime_type or "").lower()
        if mime.startswith(("image/", "video/")):
            out.append(BotMedia(doc.file_id, doc.file_unique_id, "document", doc.file_size,
                                _thumb(doc)))
    return tuple(out)


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


def message_of(update: Update) -> BotMessage | None:
    """The update's message (new, edited, channel post or edited post), or None."""
    message = (update.message or update.edited_message or update.channel_post
               or update.edited_channel_post)
    if message is None:
        return None
    chat = message.chat
    return BotMessage(
        update_id=update.update_id,
        chat_id=chat.id,
        chat_type=chat.type,
        message_id=message.message_id,
        date=message.edit_date or message.date,
        text=message.text or message.caption or "",
        media=media_of(message),
        chat_title=chat.title,
        chat_username=chat.username,
        user_id=message.from_user.id if message.from_user else None,
        sender_chat_id=message.sender_chat.id if message.sender_chat else None,
        media_group_id=message.media_group_id,
        edited=update.edited_message is not None or update.edited_channel_post is not None,
        channel_post=update.channel_post is not None or update.edited_channel_post is not None,
        forward_origin=_origin(message),
    )
