"""Decode a big JSON request body in short steps, so that lookups keep their latency.

``json.loads`` of a 10 MB bulk body, or pydantic's validation of 100,000 items in one call,
holds the GIL for tens of milliseconds, and every lookup waiting for it stalls. Here the
top-level object is read member by member and the members that are arrays item by item
(``json.JSONDecoder.raw_decode``: one short C call each), so the interpreter can switch to
other threads between items. The result is exactly ``json.loads``'s for an object.

Example::

    >>> decode_object('{"signals": [{"a": 1}, {"a": 2}], "source": "x"}')
    {'signals': [{'a': 1}, {'a': 2}], 'source': 'x'}
"""

from __future__ import annotations

import json
import re
from typing import Any

_DECODER = json.JSONDecoder()
_SPACE = re.compile(r"[ \t\n\r]*")


def _skip(text: str, pos: int) -> int:
    match = _SPACE.match(text, pos)
    assert match is not None  # the pattern matches the empty string
    return match.end()


def _expect(text: str, pos: int, char: str) -> int:
    pos = _skip(text, pos)
    if text[pos:pos + 1] != char:
        raise ValueError(f"expected {char!r} at character {pos}")
    return pos + 1


def _array(text: str, pos: int) -> tuple[list[Any], int]:
    """The array starting at ``pos`` (its ``[``), decoded item by item; and the end."""
    items: list[Any] = []
    pos = _skip(text, pos + 1)
    if text[pos:pos + 1] == "]":
        return items, pos + 1
    while True:
        item, pos = _DECODER.raw_decode(text, _skip(text, pos))
        items.append(item)
        pos = _skip(text, pos)
        if text[pos:pos + 1] == "]":
            return items, pos + 1
        pos = _expect(text, pos, ",")


def decode_object(text: str) -> dict[str, Any]:
    """``json.loads(text)`` when ``text`` is an object; ValueError otherwise."""
    out: dict[str, Any] = {}
    pos = _expect(text, 0, "{")
    pos = _skip(text, pos)
    if text[pos:pos + 1] == "}":
        return _end(text, pos + 1, out)
    while True:
        key, pos = _DECODER.raw_decode(text, _skip(text, pos))
        if not isinstance(key, str):
            raise ValueError(f"an object key must be a string (character {pos})")
        pos = _skip(text, _expect(text, pos, ":"))
        if text[pos:pos + 1] == "[":
            out[key], pos = _array(text, pos)
        else:
            out[key], pos = _DECODER.raw_decode(text, pos)
        pos = _skip(text, pos)
        if text[pos:pos + 1] == "}":
            return _end(text, pos + 1, out)
        pos = _expect(text, pos, ",")


def _end(text: str, pos: int, out: dict[str, Any]) -> dict[str, Any]:
    if _skip(text, pos) != len(text):
        raise ValueError(f"extra data after the object at character {pos}")
    return out
