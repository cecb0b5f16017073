"""Message records read by ``rempart text classify``: plain lines, JSON lines or CSV.

Each record is read with a bounded size (``MAX_RECORD_CHARS``): a longer one, a line that is not
JSON, a record without a text, is reported as a :class:`Record` with an ``error`` and the
reading goes on with the next one. ``line`` is the 1-based physical line where a record starts.

Example::

    >>> import io
    >>> [(r.line, r.text) for r in read_records(io.StringIO('{"text": "a\\\\nb"}\\n'), "jsonl")]
    [(1, 'a\\nb')]
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TextIO

FORMATS = ("lines", "jsonl", "csv")
MAX_RECORD_CHARS = 256 * 1024
"""Characters of one input record (a line, a JSON line, a CSV row) read at most."""
_CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class Record:
    """One input message (``text``) or why it could not be read (``error``)."""

    line: int
    text: str | None = None
    error: str | None = None


def _bounded_lines(stream: TextIO, limit: int) -> Iterator[tuple[int, str | None]]:
    """(line number, line) with the line ending kept; ``None`` for a line over ``limit``.

    An overlong line is skipped by chunks, never held whole in memory.
    """
    number = 0
    while True:
        line = stream.readline(limit + 1)
        if not line:
            return
        number += 1
        if len(line) > limit and not line.endswith("\n"):
            while True:
                rest = stream.readline(_CHUNK)
                if not rest or rest.endswith("\n"):
                    break
            yield number, None
            continue
        yield number, line


def _too_long(limit: int) -> str:
    return f"record longer than {limit} characters, skipped"


def _read_lines(stream: TextIO, limit: int) -> Iterator[Record]:
    for number, line in _bounded_lines(stream, limit):
        if line is None:
            yield Record(number, error=_too_long(limit))
        elif line.strip():
            yield Record(number, text=line.rstrip("\r\n"))


def _read_jsonl(stream: TextIO, limit: int, column: str) -> Iterator[Record]:
    for number, line in _bounded_lines(stream, limit):
        if line is None:
            yield Record(number, error=_too_long(limit))
            continue
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError as e:
            yield Record(number, error=f"not JSON: {e}")
            continue
        value = obj.get(column) if isinstance(obj, dict) else None
        if not isinstance(value, str):
            yield Record(number, error=f"no string field {column!r}")
            continue
        yield Record(number, text=value)


def _read_csv(stream: TextIO, limit: int, column: str) -> Iterator[Record]:
    # csv pulls physical lines from this generator (a quoted field may span several); the
    # current row's size is counted so that an unterminated quote cannot swallow the input.
    state = {"line": 0, "size": 0, "over": False}

    def physical() -> Iterator[str]:
        for number, line in _bounded_lines(stream, limit):
            state["line"] = number
            if line is None:
                state["over"] = True
                line = "\n"
            state["size"] += len(line)
            if state["size"] > limit:
                state["over"] = True
                # End the record here: a lone newline closes an unquoted row; for a quoted
                # one the csv module keeps reading, so give it a closing quote.
                line = '"\n'
            yield line

    reader = csv.reader(physical())
    header: list[str] | None = None
    idx = -1
    start = 1
    while True:
        start = state["line"] + 1
        state["size"], state["over"] = 0, False
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            yield Record(start, error=f"bad CSV: {e}")
            continue
        if state["over"]:
            yield Record(start, error=_too_long(limit))
            continue
        if header is None:
            header = row
            if column not in header:
                yield Record(start, error=f"no column {column!r} in the header {header!r}")
                return
            idx = header.index(column)
            continue
        if not row:
            continue
        if idx >= len(row):
            yield Record(start, error=f"row has {len(row)} fields, no {column!r}")
            continue
        if row[idx].strip():
            yield Record(start, text=row[idx])


def read_records(stream: TextIO, fmt: str = "lines", column: str = "text",
                 limit: int = MAX_RECORD_CHARS) -> Iterator[Record]:
    """Records of ``stream`` in format ``fmt`` (``lines``, ``jsonl`` or ``csv``)."""
    if fmt == "lines":
        return _read_lines(stream, limit)
    if fmt == "jsonl":
        return _read_jsonl(stream, limit, column)
    if fmt == "csv":
        return _read_csv(stream, limit, column)
    raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
