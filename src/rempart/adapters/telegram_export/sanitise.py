"""Byte-level fixes and limits applied to an export before the JSON parser sees it."""

from __future__ import annotations

import re

import numpy as np

MAX_DEPTH = 64  # Telegram Desktop's own output nests about 10 levels deep


class NestingTooDeep(ValueError):
    """The input nests arrays/objects deeper than ``MAX_DEPTH``."""


class EscapeFixer:
    r"""Rewrites ``\xHH`` (an odd run of backslashes then ``x``) to ``\u00HH``, across chunks."""

    _PATTERN = re.compile(rb"(?<!\\)((?:\\\\)*)\\x")

    def __init__(self) -> None:
        self.carry = b""
        self.replaced = 0

    def feed(self, chunk: bytes) -> bytes:
        data = self.carry + chunk
        # Hold back a trailing run of backslashes: the next chunk decides what they escape.
        cut = len(data.rstrip(b"\\"))
        data, self.carry = data[:cut], data[cut:]
        if b"\\x" not in data:
            return data
        data, n = self._PATTERN.subn(rb"\1\\u00", data)
        self.replaced += n
        return data

    def flush(self) -> bytes:
        data, self.carry = self.carry, b""
        return data


class DepthGuard:
    """Tracks how deep arrays and objects nest, outside strings, across chunks.

    ijson keeps one prefix string per open level, so a hostile file nesting 200,000 levels
    would take it tens of gigabytes; this refuses anything deeper than ``max_depth`` first.
    Vectorised with numpy (a few hundred MB/s). Chunks must not end inside an escape
    (``EscapeFixer`` holds trailing backslashes back).
    """

    _KEEP = bytes(b for b in range(256) if b not in b'"[]{}')
    _STEP = np.zeros(256, dtype=np.int32)
    _STEP[list(b"[{")] = 1
    _STEP[list(b"]}")] = -1

    def __init__(self, max_depth: int = MAX_DEPTH) -> None:
        self.max_depth = max_depth
        self.depth = 0
        self.in_string = False

    def check(self, data: bytes) -> None:
        """Raise ``NestingTooDeep`` when ``data`` goes deeper than allowed."""
        # Escaped backslashes, then escaped quotes, carry no structure: drop them, then keep
        # only quotes and brackets (all C-speed bytes operations).
        compact = data.replace(b"\\\\", b"").replace(b'\\"', b"").translate(None, self._KEEP)
        if not compact:
            return
        codes = np.frombuffer(compact, dtype=np.uint8)
        quotes = codes == 0x22
        parity = (np.cumsum(quotes, dtype=np.int64) + int(self.in_string)) & 1
        self.in_string = bool(parity[-1])
        steps = self._STEP[codes[(parity == 0) & ~quotes]]
        if steps.size:
            levels = np.cumsum(steps) + self.depth
            if int(levels.max()) > self.max_depth:
                raise NestingTooDeep(f"JSON nested deeper than {self.max_depth} levels")
            self.depth = int(levels[-1])
