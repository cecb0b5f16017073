"""One item a person registers on the victim portal, as her device sends it: its signals
(SHA-256, PDQ and its variants, MD5, robust PDQs, vPDQ frames and the vPDQ of their centres
and trimmed frames), checked strictly, and the bank entries they become (one content group per
item, as ``core.banks.entries_from_media`` makes them).

Example::

    >>> item = ItemSignals(sha256="A" * 64, pdq="b" * 64, pdq_quality=90).validated()
    >>> [e.signal_type for e in item.entries("g1", Provenance("portal", None))]
    ['sha256', 'pdq']
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from rempart.core.banks import NewEntry, Provenance
from rempart.core.signals import vpdq
from rempart.core.types import FrameHash, VpdqVariant
from rempart.services.case_signals import (
    MAX_FRAMES,
    MAX_SECONDS,
    VIDEO_FPS,
    checked_frames,
    checked_robust,
    checked_vpdq_variants,
)
from rempart.services.errors import InvalidArgument

VARIANTS = ("rot90", "rot180", "rot270", "flipx", "flipy", "flipplus1", "flipminus1")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_HEX32 = re.compile(r"^[0-9a-f]{32}$")

__all__ = ["VARIANTS", "ItemSignals"]


@dataclass(frozen=True, slots=True)
class ItemSignals:
    """The signals of one image, computed on the person's device. Hex values, lowercase."""

    sha256: str
    pdq: str | None = None
    pdq_quality: int | None = None
    variants: Mapping[str, str] = field(default_factory=dict)  # rot90 → PDQ hex, …
    md5: str | None = None
    kind: str = "image"  # or "video" (then ``frames``, and ``pdq`` is the first frame's)
    robust: Mapping[str, tuple[str, int]] = field(default_factory=dict)  # trim → (hex, q), …
    frames: Sequence[FrameHash] = ()  # vPDQ frames of a video
    vpdq_variants: Sequence[VpdqVariant] = ()  # centre, trim: a hash per frame of ``frames``

    def validated(self, max_frames: int = MAX_FRAMES, max_seconds: float = MAX_SECONDS,
                  fps: float = VIDEO_FPS) -> ItemSignals:
        """This item with normalized values; InvalidArgument when a value is malformed."""
        if self.kind not in ("image", "video"):
            raise InvalidArgument("an item is an image or a video")
        if self.kind == "video" and (self.variants or self.robust):
            raise InvalidArgument("a video has frames, not PDQ variants")
        if self.kind == "image" and (self.frames or self.vpdq_variants):
            raise InvalidArgument("an image has no frames")
        frames = (checked_frames(self.frames, max_frames=max_frames, max_seconds=max_seconds,
                                 fps=fps)
                  if self.kind == "video" else ())
        tracks = checked_vpdq_variants(self.vpdq_variants, frames)
        sha = self.sha256.strip().lower()
        if not _HEX64.match(sha):
            raise InvalidArgument("sha256 must be 64 hexadecimal characters")
        md5 = self.md5.strip().lower() if self.md5 else None
        if md5 is not None and not _HEX32.match(md5):
            raise InvalidArgument("md5 must be 32 hexadecimal characters")
        pdq = self.pdq.strip().lower() if self.pdq else None
        if pdq is not None and not _HEX64.match(pdq):
            raise InvalidArgument("pdq must be 64 hexadecimal characters")
        if self.pdq_quality is not None and not 0 <= self.pdq_quality <= 100:
            raise InvalidArgument("pdq quality must be between 0 and 100")
        variants: dict[str, str] = {}
        for name, value in self.variants.items():
            if name not in VARIANTS:
                raise InvalidArgument(f"unknown PDQ variant {name!r}")
            if pdq is None or not _HEX64.match(value.strip().lower()):
                raise InvalidArgument("PDQ variants need the PDQ and 64 hexadecimal characters")
            variants[name] = value.strip().lower()
        robust = checked_robust(self.robust)
        if robust and pdq is None:
            raise InvalidArgument("robust PDQs need the PDQ")
        return ItemSignals(sha, pdq, self.pdq_quality, variants, md5, self.kind, robust, frames,
                           tracks)

    def entries(self, group: str, provenance: Provenance) -> list[NewEntry]:
        """Bank entries of this item, one content group (as ``entries_from_media`` does)."""
        out = [NewEntry("sha256", self.sha256, group, None, provenance)]
        if self.pdq:
            out.append(NewEntry("pdq", self.pdq, group, self.pdq_quality, provenance))
            for name, value in self.variants.items():
                prov = Provenance(provenance.source, provenance.submitted_at,
                                  provenance.external_id, provenance.case_id, provenance.labels,
                                  {**provenance.metadata, "variant": name})
                out.append(NewEntry("pdq", value, group, self.pdq_quality, prov))
            for name, (value, quality) in self.robust.items():
                prov = replace(provenance, metadata={**provenance.metadata, "variant": name})
                out.append(NewEntry("pdq", value, group, quality, prov))
        if self.md5:  # after the PDQs: the second entry of an image is its PDQ
            out.append(NewEntry("md5", self.md5, group, None, provenance))
        if self.frames:
            out.append(NewEntry("vpdq", vpdq.serialize(self.frames), group, None, provenance))
        for track in self.vpdq_variants:
            prov = replace(provenance, metadata={**provenance.metadata, "variant": track.variant})
            out.append(NewEntry("vpdq", vpdq.serialize(track.frames), group, None, prov))
        return out
