"""Errors raised by the pure core; adapters translate them once (exit code, HTTP status, reply)."""

from __future__ import annotations


class MediaError(ValueError):
    """A media file could not be hashed: corrupt, truncated, unsupported or over a limit.

    ``code`` is a stable machine-readable reason (``empty``, ``too_large``, ``too_many_pixels``,
    ``corrupt``, ``truncated``, ``unsupported``, ``too_long``, ``too_many_frames``, ``no_frames``).
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code

    def __str__(self) -> str:
        return f"{self.code}: {self.args[0]}"
