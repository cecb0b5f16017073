"""Stream the messages of a Telegram Desktop ``result.json`` without loading it whole.

ijson's C parser (yajl2_c) builds the document through a root mapping of ours: it keeps only
the chat sections and, after each chunk of input, hands over the messages that are complete
and removes them from the lists the parser is still filling. Memory stays bounded by one
chunk's worth of messages, while every byte is parsed in C (about 5x faster than walking
parser events in Python).

Telegram Desktop writes control characters in strings as ``\\xHH``, which is not JSON; those
escapes are rewritten to ``\\u00HH`` on the fly.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import ijson

from rempart.adapters.telegram_export.sanitise import DepthGuard, EscapeFixer, NestingTooDeep

CHUNK_SIZE = 256 * 1024
SECTIONS = ("chats", "left_chats")
_PARSE_ERRORS = (ijson.JSONError, UnicodeDecodeError)  # malformed JSON, or not UTF-8


class ExportError(Exception):
    """The export cannot be read (or could only be read up to ``offset``).

    ``offset`` is a byte offset and ``line``/``column`` are 1-based, when known.
    """

    def __init__(self, message: str, *, path: Path | None = None, offset: int | None = None,
                 line: int | None = None, column: int | None = None) -> None:
        where = ""
        if path is not None:
            where = f"{path}"
            if line is not None:
                where += f":{line}:{column}"
            if offset is not None:
                where += f" (byte {offset})"
            where += ": "
        super().__init__(where + message)
        self.path = path
        self.offset = offset
        self.line = line
        self.column = column


@dataclass(frozen=True, slots=True)
class ChatHeader:
    """A chat's own fields, as written: ``section`` is ``chat`` (single-chat export),
    ``chats`` or ``left_chats``; ``index`` counts chats from 0 in file order."""

    section: str
    index: int
    name: str | None
    type: str | None
    id: Any
    username: str | None


class _Root(dict[str, Any]):
    """The document's top-level object; drops sections a scanner never reads (contacts,
    sessions, profile pictures...) so the parser builds and frees them without keeping them."""

    KEEP = frozenset({"name", "type", "id", "username", "messages", *SECTIONS})

    def __setitem__(self, key: str, value: Any) -> None:
        self.order.append(key)
        if key in self.KEEP or not isinstance(value, (dict, list)):
            dict.__setitem__(self, key, value)

    def __init__(self) -> None:
        super().__init__()
        self.order: list[str] = []


class _Factory:
    """``map_type`` for ijson: the first mapping built is the root, the others plain dicts."""

    def __init__(self) -> None:
        self.root: _Root | None = None

    def __call__(self) -> dict[str, Any]:
        if self.root is None:
            self.root = _Root()
            return self.root
        return {}


def _open(path: Path) -> BinaryIO:
    try:
        return path.open("rb")
    except OSError as exc:
        raise ExportError(f"cannot be opened: {exc.strerror}", path=path) from None


def _check_start(path: Path, chunk: bytes) -> bytes:
    """The first chunk without a UTF-8 byte order mark; the top level must be an object."""
    chunk = chunk.removeprefix(codecs.BOM_UTF8)
    head = chunk.lstrip()
    if head and not head.startswith(b"{"):
        raise ExportError("the top level is not a JSON object: not a Telegram Desktop export",
                          path=path)
    return chunk


def _parser_backend() -> Any:
    try:
        return ijson.get_backend("yajl2_c")
    except ImportError:  # pragma: no cover - wheels ship the C backend on common platforms
        return ijson


def iter_messages(path: Path, *,
                  chunk_size: int = CHUNK_SIZE) -> Iterator[tuple[ChatHeader, dict[str, Any]]]:
    """``(chat, message)`` pairs in file order. Raises ``ExportError`` after yielding what was
    read when the JSON is malformed or is not a Telegram Desktop export."""
    backend = _parser_backend()
    factory = _Factory()
    sink = ijson.sendable_list()
    coro = backend.items_coro(sink, "", map_type=factory, use_float=True)
    fixer = EscapeFixer()
    guard = DepthGuard()
    drain = _Drain()
    fed = 0
    with _open(path) as f:
        try:
            first = True
            while chunk := f.read(max(chunk_size, 64) if first else chunk_size):
                if first:
                    chunk = _check_start(path, chunk)
                    first = False
                data = fixer.feed(chunk)
                if data:  # an empty chunk would tell the parser the input ended
                    guard.check(data)  # before the parser: deep nesting costs it O(depth²)
                    coro.send(data)
                    fed += len(data)
                if factory.root is not None:
                    yield from drain.run(factory.root, at_end=False)
            if tail := fixer.flush():
                coro.send(tail)
            coro.close()
        except NestingTooDeep as exc:
            if factory.root is not None:
                yield from drain.run(factory.root, at_end=True)
            raise ExportError(f"{exc}: not a Telegram Desktop export; the messages before it "
                              "were read", path=path, offset=fed) from None
        except _PARSE_ERRORS as exc:
            if factory.root is not None:
                yield from drain.run(factory.root, at_end=True)
            raise _located(path, exc, fixer.replaced) from None
    if factory.root is None:
        raise ExportError("the top level is not a JSON object: not a Telegram Desktop export",
                          path=path)
    yield from drain.run(factory.root, at_end=True)
    if not drain.seen_chats:
        raise ExportError("no 'messages' nor 'chats' section: not a Telegram Desktop chat "
                          "export", path=path)


class _Drain:
    """Takes complete messages out of the lists the parser is filling."""

    def __init__(self) -> None:
        self.chat_count = 0
        self.headers: dict[int, ChatHeader] = {}
        self.seen_chats = False

    def run(self, root: _Root, *, at_end: bool) -> Iterator[tuple[ChatHeader, dict[str, Any]]]:
        last_key = root.order[-1] if root.order else None
        if "messages" in root:
            self.seen_chats = True
            yield from self._chat(root, "chat", complete=at_end,
                                  list_done=at_end or last_key != "messages")
        for section in SECTIONS:
            holder = root.get(section)
            if not isinstance(holder, dict):
                continue
            self.seen_chats = True
            chats = holder.get("list")
            if not isinstance(chats, list):
                continue
            section_done = at_end or last_key != section or _closed(holder, "list")
            for i, chat in enumerate(chats):
                if isinstance(chat, dict):
                    complete = section_done or i < len(chats) - 1
                    yield from self._chat(chat, section, complete=complete,
                                          list_done=complete or _closed(chat))
            keep = 0 if section_done else 1
            for chat in chats[: len(chats) - keep]:
                self.headers.pop(id(chat), None)
            del chats[: len(chats) - keep]

    def _chat(self, chat: dict[str, Any], section: str, *, complete: bool,
              list_done: bool) -> Iterator[tuple[ChatHeader, dict[str, Any]]]:
        """Hand over the chat's complete messages; ``complete`` says no key can follow."""
        messages = chat.get("messages")
        if not isinstance(messages, list):
            return
        if not complete and not _fields_first(chat):
            return  # an unusual key order: keep the messages until the chat's fields are known
        header = self.headers.get(id(chat))
        if header is None or complete:
            header = self._header(chat, section, header)
        # While the list is being filled, its last element may still be incomplete.
        count = len(messages) if list_done else len(messages) - 1
        if count <= 0:
            return
        batch = messages[:count]
        del messages[:count]
        for message in batch:
            if isinstance(message, dict):
                yield header, message

    def _header(self, chat: dict[str, Any], section: str,
                previous: ChatHeader | None) -> ChatHeader:
        index = previous.index if previous is not None else self.chat_count
        if previous is None:
            self.chat_count += 1
        name = chat.get("name")
        kind = chat.get("type")
        username = chat.get("username")
        header = ChatHeader(section, index, name if isinstance(name, str) else None,
                            kind if isinstance(kind, str) else None, chat.get("id"),
                            username if isinstance(username, str) else None)
        self.headers[id(chat)] = header
        return header


def _closed(container: dict[str, Any], key: str = "messages") -> bool:
    """True when another key follows ``key`` in ``container``: that value is then complete."""
    return bool(container) and next(reversed(container)) != key


def _fields_first(chat: dict[str, Any]) -> bool:
    """True when ``type`` and ``id`` came before ``messages`` (Telegram Desktop's order)."""
    seen = 0
    for key in chat.order if isinstance(chat, _Root) else chat:
        if key == "messages":
            return seen == 2
        if key in ("type", "id"):
            seen += 1
    return False


def _located(path: Path, exc: Exception, replaced: int) -> ExportError:
    """An ``ExportError`` naming the byte offset, line and column of a JSON error."""
    reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    reason = reason.removeprefix("b'").removeprefix('b"')
    offset = _error_offset(path)
    if offset is not None:
        with path.open("rb") as f:
            offset += len(codecs.BOM_UTF8) if f.read(3) == codecs.BOM_UTF8 else 0
    line = column = None
    if offset is not None:
        line, column = _line_column(path, offset)
        if replaced:  # \xHH escapes were widened by 2 bytes each before the error
            reason += " (offset approximate: the file has \\xHH escapes)"
    return ExportError(f"malformed JSON: {reason}; the messages before it were read",
                       path=path, offset=offset, line=line, column=column)


def _error_offset(path: Path) -> int | None:
    """Re-parse to find the byte where the parser fails (only on the error path): a first pass
    finds the failing chunk, a second replays the bytes before it and feeds that chunk byte by
    byte. Offsets count the bytes given to the parser (after ``\\xHH`` rewriting)."""
    chunks = _fixed_chunks(path)
    coro = _parser_backend().basic_parse_coro(_NullSink())
    start = 0
    failing: bytes | None = None
    for data in chunks:
        try:
            if data:
                coro.send(data)
        except _PARSE_ERRORS:
            failing = data
            break
        start += len(data)
    else:
        try:
            coro.close()
        except _PARSE_ERRORS:
            return start
        return None
    replay = _parser_backend().basic_parse_coro(_NullSink())
    fed = 0
    for data in _fixed_chunks(path):
        if fed + len(data) > start:
            data = data[: start - fed]
        if data:
            replay.send(data)
        fed += len(data)
        if fed >= start:
            break
    for i in range(len(failing)):
        try:
            replay.send(failing[i:i + 1])
        except _PARSE_ERRORS:
            return start + i
    return start + len(failing)


def _fixed_chunks(path: Path) -> Iterator[bytes]:
    fixer = EscapeFixer()
    with path.open("rb") as f:
        first = True
        while chunk := f.read(CHUNK_SIZE):
            if first:
                chunk, first = chunk.removeprefix(codecs.BOM_UTF8), False
            yield fixer.feed(chunk)
    if tail := fixer.flush():
        yield tail


class _NullSink:
    def send(self, value: object) -> None:
        pass


def _line_column(path: Path, offset: int) -> tuple[int, int]:
    line, last_newline, pos = 1, -1, 0
    with path.open("rb") as f:
        while pos < offset:
            chunk = f.read(min(CHUNK_SIZE, offset - pos))
            if not chunk:
                break
            count = chunk.count(b"\n")
            if count:
                line += count
                last_newline = pos + chunk.rfind(b"\n")
            pos += len(chunk)
    return line, offset - last_newline


def count_messages(path: Path) -> int:
    """Count messages without parsing: exact for Telegram Desktop's output, an estimate for
    hand-edited files (it counts ``"type": "message"``, ``"service"`` and ``"unsupported"``
    key/value pairs; quotes inside strings are escaped, so message text cannot fake one)."""
    pattern = re.compile(rb'"type"\s*:\s*"(?:message|service|unsupported)"')
    overlap = 64
    total = 0
    tail = b""
    with path.open("rb") as f:
        while chunk := f.read(4 * 1024 * 1024):
            data = tail + chunk
            # Count matches that end in the new data only, so the overlap is not counted twice.
            total += sum(1 for m in pattern.finditer(data) if m.end() > len(tail))
            tail = data[-overlap:]
    return total
