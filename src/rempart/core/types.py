"""Frozen value types shared by every layer.

Signal names are stable storage keys: ``md5``, ``sha256``, ``pdq``, ``vpdq``, ``orb``
(:class:`Signal`).

Example::

    >>> PdqHash("f" * 64, 100).hash[:4]
    'ffff'
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any, Literal


class Signal(StrEnum):
    """The signal types, by their stable storage names (a member equals its name as a str)."""

    MD5 = "md5"
    SHA256 = "sha256"
    PDQ = "pdq"
    VPDQ = "vpdq"
    ORB = "orb"


SIGNAL_NAMES: tuple[str, ...] = tuple(s.value for s in Signal)
EXACT_SIGNALS = frozenset({Signal.MD5, Signal.SHA256})
MediaKind = Literal["image", "video", "unsupported"]


@dataclass(frozen=True, slots=True)
class PdqHash:
    """A 256-bit PDQ hash as 64 lowercase hex characters, with PDQ's quality (0-100)."""

    hash: str
    quality: int


@dataclass(frozen=True, slots=True)
class PdqVariant:
    """A PDQ hash of a transformed view of an image (rotation, mirror, trimmed borders, region).

    ``variant`` names the view, e.g. ``rot90``, ``flipx``, ``trim``, ``band-top20``, ``center50``.
    """

    variant: str
    hash: str
    quality: int


@dataclass(frozen=True, slots=True)
class FrameHash:
    """PDQ of one sampled video frame, in vPDQ's feature format (timestamp in seconds)."""

    t: float
    hash: str
    quality: int
    frame: int = 0


@dataclass(frozen=True, slots=True)
class VpdqVariant:
    """A vPDQ of a view of each frame of a video: ``centre`` (the middle, clear of caption
    bands and stickers at the edges), ``trim`` (frames without their uniform borders)."""

    variant: str
    frames: tuple[FrameHash, ...]


@dataclass(frozen=True, slots=True)
class KeyFrame:
    """The ``orb`` local features of one key frame of a video, at ``t`` seconds: where a
    cropped copy's frames sit (:mod:`rempart.core.signals.vcrop`)."""

    t: float
    orb: str


@dataclass(frozen=True, slots=True)
class MediaHashes:
    """Everything Rempart keeps of one media file: hashes and metadata, never the bytes."""

    kind: MediaKind
    md5: str
    sha256: str
    size: int
    format: str | None = None
    width: int | None = None
    height: int | None = None
    pdq: PdqHash | None = None
    pdq_variants: tuple[PdqVariant, ...] = ()
    vpdq: tuple[FrameHash, ...] = ()
    vpdq_variants: tuple[VpdqVariant, ...] = ()
    key_frames: tuple[KeyFrame, ...] = ()
    orb: str | None = None
    # A dim or washed-out picture's ``orb`` features on its equalised luma (core.signals.tone).
    orb_tone: str | None = None
    duration: float | None = None
    error: str | None = None
    warnings: tuple[str, ...] = field(default_factory=tuple)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (the `rempart hash --jsonl` record, without ``path``)."""
        out = asdict(self)
        out["warnings"] = list(self.warnings)
        out["pdq_variants"] = [asdict(v) for v in self.pdq_variants]
        out["vpdq"] = [asdict(f) for f in self.vpdq]
        out["key_frames"] = [asdict(k) for k in self.key_frames]
        out["vpdq_variants"] = [
            {"variant": v.variant, "frames": [asdict(f) for f in v.frames]}
            for v in self.vpdq_variants
        ]
        return out
