"""Atheris harness: the streaming reader of Telegram Desktop exports (``adapters/telegram_export``).

Raw bytes, or an export-shaped document whose messages hold fuzzed keys and values (numbers
of any size, nested lists and objects, ``\\xHH`` and surrogate escapes, hostile paths), read
in chunks of any size. The reader either yields items or raises ``ExportError``, never
anything else; every text it yields is valid UTF-8 (it goes to the database and to reports);
the items do not depend on the chunk size; no media path leads out of the export folder.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import atheris

with atheris.instrument_imports(include=["rempart.adapters.telegram_export"]):
    from rempart.adapters.telegram_export import ExportError, count_messages, read_items
    from rempart.core.items import Item

_KEYS = ("id", "type", "date", "date_unixtime", "from", "from_id", "actor", "actor_id",
         "action", "text", "text_entities", "photo", "photo_file_size", "file", "file_size",
         "file_name", "thumbnail", "media_type", "mime_type", "width", "height",
         "duration_seconds", "forwarded_from", "forwarded_from_id", "saved_from", "via_bot",
         "reply_to_message_id", "poll", "todo_list", "place_name", "address", "members",
         "inline_bot_buttons", "invoice_information", "title", "href", "question", "answers",
         "data")
_STRINGS = ("message", "service", "2024-05-01T10:00:00", "photos/a.jpg", "../../etc/passwd",
            "/etc/shadow", "C:\\x", "(File not included. Change data exporting settings to "
            "download.)", "https://t.me/x/1", "user123", "channel-100123", "video_file", "",
            "a\\b", "\x00", "\ud800", "\udfff", "\U0001f600", "é" * 3, "x" * 300)
_ROOT = Path(tempfile.mkdtemp(prefix="rempart-fuzz-export-"))
_EXPORT = _ROOT / "result.json"
(_ROOT / "photos").mkdir()
(_ROOT / "photos" / "a.jpg").write_bytes(b"\xff\xd8\xff")
os.symlink("/etc", _ROOT / "out")


def _value(fdp: atheris.FuzzedDataProvider, depth: int) -> Any:
    kind = fdp.ConsumeIntInRange(0, 9 if depth < 4 else 6)
    if kind == 0:
        return None
    if kind == 1:
        return fdp.ConsumeBool()
    if kind == 2:
        return fdp.ConsumeInt(fdp.ConsumeIntInRange(1, 200))  # up to 1,600-bit integers
    if kind == 3:
        return fdp.ConsumeRegularFloat()
    if kind == 4:
        return _STRINGS[fdp.ConsumeIntInRange(0, len(_STRINGS) - 1)]
    if kind in (5, 6):
        return fdp.ConsumeUnicode(fdp.ConsumeIntInRange(0, 40))
    if kind in (7, 8):
        return [_value(fdp, depth + 1) for _ in range(fdp.ConsumeIntInRange(0, 4))]
    return _object(fdp, depth + 1)


def _object(fdp: atheris.FuzzedDataProvider, depth: int) -> dict[str, Any]:
    return {_KEYS[fdp.ConsumeIntInRange(0, len(_KEYS) - 1)]: _value(fdp, depth)
            for _ in range(fdp.ConsumeIntInRange(0, 8))}


def _document(fdp: atheris.FuzzedDataProvider) -> bytes:
    messages = [_object(fdp, 0) for _ in range(fdp.ConsumeIntInRange(0, 6))]
    chat = {"name": _value(fdp, 3), "type": "private_supergroup", "id": _value(fdp, 3),
            "messages": messages}
    doc: Any = chat if fdp.ConsumeBool() else {"about": "x", "chats": {"list": [chat, chat]}}
    text = json.dumps(doc, ensure_ascii=fdp.ConsumeBool())
    if fdp.ConsumeBool():  # Telegram Desktop's own non-JSON escapes
        text = text.replace("\\u00", "\\x")
    return text.encode("utf-8", "surrogatepass")


def _read(chunk_size: int) -> tuple[list[Item], str | None]:
    items: list[Item] = []
    try:
        for item in read_items(_ROOT, chunk_size=chunk_size):
            items.append(item)
    except ExportError as exc:
        return items, type(exc).__name__
    return items, None


def _check(item: Item) -> None:
    texts = [item.text, item.location.chat_name, item.location.sender_name,
             item.location.forwarded_from, item.location.date_utc, item.location.link,
             *(m.path for m in item.media), *(m.file_name for m in item.media)]
    for text in texts:
        if text is not None:
            text.encode("utf-8")  # UnicodeEncodeError: a lone surrogate reached the item
    root = str(_ROOT.resolve()) + os.sep
    for media in item.media:
        assert media.resolved is None or media.resolved.startswith(root), media.resolved


def one_input(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    chunk_size = fdp.ConsumeIntInRange(1, 2048)
    body = _document(fdp) if fdp.ConsumeBool() else fdp.ConsumeBytes(fdp.remaining_bytes())
    _EXPORT.write_bytes(body)
    small, error = _read(chunk_size)
    for item in small:
        _check(item)
    large, large_error = _read(1 << 20)
    assert small == large and error == large_error, (chunk_size, error, large_error)
    assert count_messages(_EXPORT) >= 0


if __name__ == "__main__":
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
