"""The JSON the victim portal posts (``/protect/register``, ``/protect/add``): signals only,
validated strictly, and the body size they can need.

An image item carries its SHA-256 (and MD5), its PDQ with the 7 rotations/mirrors, and the
robust PDQs (borders trimmed, regions); a video item its SHA-256, MD5, the first frame's PDQ,
its vPDQ frames and the vPDQ of their views (``centre``, ``trim``: one hash per frame each).
The body limit follows from that: a fixed head plus, per item, ``ITEM_BYTES`` and, per video
frame of any track, ``FRAME_BYTES``. The body is read up to the ceiling the
caps allow (``body_ceiling``) and, once parsed, must not exceed what its items need
(``body_need``): a request cannot smuggle anything else, such as image bytes.

Example::

    >>> item = ItemIn(sha256="0" * 64, kind="video", frames=[FrameIn(frame=0, hash="f" * 64,
    ...               quality=90, t=0.0)])
    >>> body_need([item]) == HEAD_BYTES + ITEM_BYTES + FRAME_BYTES
    True
"""

from __future__ import annotations

from collections.abc import AsyncIterable
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from rempart.core.types import FrameHash, VpdqVariant
from rempart.services.case_items import ItemSignals
from rempart.services.case_signals import MAX_FRAMES, ROBUST_NAMES, VPDQ_VARIANTS

# Measured on JSON.stringify's output with every field at its longest, plus slack for a
# client that adds spaces: a maximal image item is ~1.6 KB, a frame ~110 bytes.
HEAD_BYTES = 2048
ITEM_BYTES = 2560
FRAME_BYTES = 160
TRACKS = 1 + len(VPDQ_VARIANTS)  # a video's frames and the views' tracks of the same frames


class TooLarge(Exception):
    """The body is larger than the signals can need."""


class FrameIn(BaseModel):
    """One vPDQ frame: frame number, PDQ hex, quality, timestamp (seconds)."""

    model_config = ConfigDict(extra="forbid")
    frame: int = Field(ge=0, le=10_000_000)
    hash: str = Field(min_length=64, max_length=64)
    quality: int = Field(ge=0, le=100)
    t: float = Field(ge=0, allow_inf_nan=False)


class RobustIn(BaseModel):
    """A robust PDQ (``trim``, ``tone``, ``region-c60``…) with its own quality."""

    model_config = ConfigDict(extra="forbid")
    hash: str = Field(min_length=64, max_length=64)
    quality: int = Field(ge=0, le=100)


class VpdqVariantIn(BaseModel):
    """The vPDQ of a view of every frame (``centre``, ``trim``): its frames as ``FrameIn``."""

    model_config = ConfigDict(extra="forbid")
    variant: str = Field(max_length=16)
    frames: list[FrameIn] = Field(default_factory=list, max_length=MAX_FRAMES)

    def signals(self) -> VpdqVariant:
        """The service's view of this track (validated there)."""
        return VpdqVariant(self.variant, _frames(self.frames))


def _frames(frames: list[FrameIn]) -> tuple[FrameHash, ...]:
    return tuple(FrameHash(f.t, f.hash, f.quality, f.frame) for f in frames)


class ItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["image", "video"] = "image"
    sha256: str = Field(max_length=64)
    md5: str | None = Field(None, max_length=32)
    pdq: str | None = Field(None, max_length=64)
    pdq_quality: int | None = None
    variants: dict[str, str] = Field(default_factory=dict, max_length=7)
    robust: dict[str, RobustIn] = Field(default_factory=dict, max_length=len(ROBUST_NAMES))
    frames: list[FrameIn] = Field(default_factory=list, max_length=MAX_FRAMES)
    vpdq_variants: list[VpdqVariantIn] = Field(default_factory=list,
                                               max_length=len(VPDQ_VARIANTS))

    def frame_count(self) -> int:
        """Frames of every track of this item (its frames and its views')."""
        return len(self.frames) + sum(len(v.frames) for v in self.vpdq_variants)

    def signals(self) -> ItemSignals:
        """The service's view of this item (validated there)."""
        return ItemSignals(
            self.sha256, self.pdq, self.pdq_quality, self.variants, self.md5, self.kind,
            {name: (r.hash, r.quality) for name, r in self.robust.items()},
            _frames(self.frames), tuple(v.signals() for v in self.vpdq_variants))


class RegisterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    challenge: str = Field(max_length=120)
    nonce: str = Field(max_length=32)
    minor: bool = False
    contact: str | None = Field(None, max_length=320)
    items: list[ItemIn] = Field(max_length=1000)


class AddIn(BaseModel):
    """Items appended to an existing case: its number and secret (in the body, never a URL)."""

    model_config = ConfigDict(extra="forbid")
    challenge: str = Field(max_length=120)
    nonce: str = Field(max_length=32)
    case_number: str = Field(max_length=32)
    secret: str = Field(max_length=200)
    items: list[ItemIn] = Field(max_length=1000)


def body_ceiling(max_items: int, max_frames: int) -> int:
    """The largest body the caps allow: every item at its largest, ``max_frames`` frames in
    each of the ``TRACKS``."""
    return HEAD_BYTES + max_items * ITEM_BYTES + TRACKS * max_frames * FRAME_BYTES


def body_need(items: list[ItemIn]) -> int:
    """What these items' signals can take as JSON (the body must not be larger)."""
    return HEAD_BYTES + sum(ITEM_BYTES + i.frame_count() * FRAME_BYTES for i in items)


async def read_body(chunks: AsyncIterable[bytes], limit: int) -> bytes:
    """The request body, stopping as soon as it passes ``limit`` bytes (TooLarge)."""
    parts: list[bytes] = []
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise TooLarge(limit)
        parts.append(chunk)
    return b"".join(parts)
