"""Telegram Desktop export → stream of ``Item`` records (and plain media folders, too).

Reads the JSON ("machine-readable") export of Telegram Desktop, 2018–2025 formats: a
single-chat export (``result.json`` is the chat) or a full-account export (``chats.list`` and
``left_chats.list``). The file is streamed, never loaded whole; media are only referenced by
path, resolved inside the export folder.

Example::

    stats = ReadStats()
    for item in read_items("ChatExport_2024-05-01/", stats=stats):
        for media in item.media:
            if media.readable:
                print(item.location.link, media.kind, media.resolved)
    print(stats.messages, stats.problems)
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path

from rempart.adapters.telegram_export.folder import read_folder_items
from rempart.adapters.telegram_export.messages import (
    ChatContext,
    ReadStats,
    chat_context,
    normalise_chat_id,
    to_item,
)
from rempart.adapters.telegram_export.paths import MediaResolver
from rempart.adapters.telegram_export.stream import CHUNK_SIZE, ExportError, iter_messages
from rempart.adapters.telegram_export.stream import count_messages as _count_messages
from rempart.core.items import Item

__all__ = [
    "ExportError", "ReadStats", "count_messages", "find_result_json", "is_telegram_export",
    "normalise_chat_id", "read_folder_items", "read_items",
]


def find_result_json(path: str | os.PathLike[str]) -> Path:
    """The export's JSON file: ``path`` itself, ``path/result.json``, or the only ``*.json``
    file in the folder ``path``. Raises ``ExportError`` when there is none."""
    p = Path(path)
    if p.is_file():
        return p
    if not p.is_dir():
        raise ExportError("no such file or folder", path=p)
    candidate = p / "result.json"
    if candidate.is_file():
        return candidate
    others = sorted(x for x in p.glob("*.json") if x.is_file())
    if len(others) == 1:
        return others[0]
    if (p / "messages.html").is_file() or (p / "export_results.html").is_file():
        raise ExportError("this is an HTML export: export again from Telegram Desktop with the "
                          "format 'Machine-readable JSON'", path=p)
    raise ExportError("no result.json in this folder: export the chat from Telegram Desktop "
                      "with the format 'Machine-readable JSON'", path=p)


def is_telegram_export(path: str | os.PathLike[str]) -> bool:
    """True when ``path`` is (or holds) a JSON file starting like a Telegram Desktop export."""
    try:
        json_path = find_result_json(path)
        with json_path.open("rb") as f:
            head = f.read(4096)
    except (ExportError, OSError):
        return False
    return head.lstrip().startswith(b"{") and (b'"messages"' in head or b'"about"' in head
                                               or b'"type"' in head)


def read_items(path: str | os.PathLike[str], *, usernames: Mapping[int, str] | None = None,
               stats: ReadStats | None = None, chunk_size: int = CHUNK_SIZE) -> Iterator[Item]:
    """Every message of the export at ``path`` (its folder or its ``result.json``) as an Item.

    ``usernames`` maps chat ids to public usernames for ``t.me/<username>/<id>`` links (the
    export does not record them); other supergroups and channels get ``t.me/c/<id>/<id>``.
    Malformed JSON: the items read before the error are yielded, then ``ExportError`` (with
    byte offset and line) is raised.
    """
    json_path = find_result_json(path)
    resolver = MediaResolver(json_path.parent)
    export = str(resolver.root)
    contexts: dict[tuple[str, int], ChatContext] = {}
    for header, message in iter_messages(json_path, chunk_size=chunk_size):
        key = (header.section, header.index)
        chat = contexts.get(key)
        if chat is None:
            contexts.clear()  # chats come one after the other: keep only the current one
            chat = contexts[key] = chat_context(header, export, usernames)
            if stats is not None:
                stats.chats += 1
        yield to_item(message, chat, resolver, stats)


def count_messages(path: str | os.PathLike[str]) -> int:
    """The number of messages in the export at ``path``, counted without parsing (for
    progress bars: exact for Telegram Desktop's own output)."""
    return _count_messages(find_result_json(path))
