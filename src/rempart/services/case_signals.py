"""The robust and video signals of a victim-registered item, checked strictly.

The browser computes what the server would compute from the file (``core.media_signals``):
for an image, the PDQ of the picture with its uniform borders trimmed (``trim``), that of its
equalised grayscale copy when it is dim or washed out (``tone``, ``core.signals.tone``) and the
PDQs of its regions (``region-c60``, ``region-top60``…, ``core.signals.orb.REGIONS``); for a
video, vPDQ frames (frame number, PDQ, quality, timestamp) sampled at the server's rate, and
the vPDQ of the same frames' centres (``centre``, ``core.signals.vframes.centre``) and of the
frames without their uniform borders (``trim``, sent when a frame had some). They are banked
exactly as the server banks its own: ``pdq`` entries whose metadata names the variant, one
``vpdq`` entry in python-threatexchange's text form and one per vPDQ variant (its metadata
naming it). ORB local features stay server-only.

Example::

    >>> checked_robust({"trim": ("A" * 64, 80)})
    {'trim': ('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 80)}
    >>> frames = checked_frames([FrameHash(0.0, "0" * 64, 100, 0)], max_frames=10, max_seconds=60)
    >>> len(frames)
    1
    >>> [v.variant for v in checked_vpdq_variants([VpdqVariant("centre", frames)], frames)]
    ['centre']
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence

from rempart.core.signals.orb import REGIONS
from rempart.core.types import FrameHash, VpdqVariant
from rempart.services.errors import InvalidArgument

ROBUST_NAMES = ("trim", "tone", *(f"region-{name}" for name in REGIONS if name != "full"))
MAX_FRAMES = 20_000  # the server's HashLimits.max_video_frames
MAX_SECONDS = 3 * 3600.0  # the server's HashLimits.max_video_seconds
# A registered video's frame hashes stand for photos too: a "video" is held to what a real
# clip gives when sampled at the server's rate (its span × fps, + slack for the browser's
# frame times) and to one hour of frames at most.
VIDEO_FPS = 1.0  # the server's HashSettings.video_fps, the rate the portal's page samples at
VPDQ_VARIANTS = ("centre", "trim")  # a browser's views of each frame (the server also banks stills)
REGISTERED_SECONDS = 3600.0
FRAME_SLACK = 2
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def _hex64(value: str, what: str) -> str:
    v = value.strip().lower()
    if not _HEX64.match(v):
        raise InvalidArgument(f"{what} must be 64 hexadecimal characters")
    return v


def _quality(value: int, what: str) -> int:
    if isinstance(value, bool) or not 0 <= value <= 100:
        raise InvalidArgument(f"{what} quality must be between 0 and 100")
    return value


def checked_robust(values: Mapping[str, tuple[str, int]]) -> dict[str, tuple[str, int]]:
    """Robust PDQs by name (``ROBUST_NAMES``) → (hex, quality); InvalidArgument when malformed."""
    out: dict[str, tuple[str, int]] = {}
    for name, (value, quality) in values.items():
        if name not in ROBUST_NAMES:
            raise InvalidArgument(f"unknown robust signal {name!r}")
        out[name] = (_hex64(value, name), _quality(quality, name))
    return out


def registered_frame_cap(fps: float = VIDEO_FPS) -> int:
    """Frames of one registered video at most: one hour of them at ``fps``.

    >>> registered_frame_cap(1.0), registered_frame_cap(2.0)
    (3600, 7200)
    """
    return max(1, math.ceil(REGISTERED_SECONDS * fps - 1e-6))


def checked_frames(frames: Sequence[FrameHash], *, max_frames: int = MAX_FRAMES,
                   max_seconds: float = MAX_SECONDS,
                   fps: float = VIDEO_FPS) -> tuple[FrameHash, ...]:
    """vPDQ frames in time order within ``max_seconds``: at most ``max_frames``, one hour
    of frames at ``fps``, and no more than the span of their timestamps gives at ``fps``."""
    if not frames:
        raise InvalidArgument("a video needs at least one frame")
    cap = min(max_frames, registered_frame_cap(fps))
    if len(frames) > cap:
        raise InvalidArgument(
            f"a video has at most {cap} sampled frames (one hour at {fps:g} per second)")
    out: list[FrameHash] = []
    last_t, last_frame = -1.0, -1
    for f in frames:
        if not math.isfinite(f.t) or not 0 <= f.t <= max_seconds:
            raise InvalidArgument(f"frame timestamps must be between 0 and {max_seconds:.0f} s")
        if f.t < last_t or f.frame <= last_frame:
            raise InvalidArgument("frames must be in time order, frame numbers increasing")
        last_t, last_frame = f.t, f.frame
        out.append(FrameHash(round(f.t, 3), _hex64(f.hash, "frame PDQ"),
                             _quality(f.quality, "frame"), f.frame))
    # Sample k of a real clip is at k / fps seconds or just after (-0.1 ms: the browser's).
    real = math.floor((out[-1].t - out[0].t) * fps + 1e-3) + 1 + FRAME_SLACK
    if len(out) > real:
        raise InvalidArgument(
            f"{len(out)} frames over {out[-1].t - out[0].t:g} s: a video sampled at "
            f"{fps:g} per second gives at most {real}")
    return tuple(out)


def checked_vpdq_variants(variants: Sequence[VpdqVariant],
                          frames: Sequence[FrameHash]) -> tuple[VpdqVariant, ...]:
    """The vPDQ of views of ``frames`` (already checked): each named once in
    ``VPDQ_VARIANTS``, one hash per frame with the frame's timestamp and number; in
    ``VPDQ_VARIANTS`` order, a ``trim`` track that trims nothing left out (as the server
    does). InvalidArgument when malformed."""
    if len(variants) > len(VPDQ_VARIANTS):
        raise InvalidArgument(f"a video has at most {len(VPDQ_VARIANTS)} vPDQ variants")
    names = [v.variant for v in variants]
    for name in names:
        if name not in VPDQ_VARIANTS:
            raise InvalidArgument(f"unknown vPDQ variant {name!r}")
    if len(set(names)) < len(names):
        raise InvalidArgument("a vPDQ variant is given twice")
    out: list[VpdqVariant] = []
    for v in sorted(variants, key=lambda v: VPDQ_VARIANTS.index(v.variant)):
        if len(v.frames) != len(frames):  # before any work on its frames
            raise InvalidArgument(f"the {v.variant} vPDQ needs one hash per frame")
        track: list[FrameHash] = []
        for f, of in zip(v.frames, frames, strict=True):
            if f.frame != of.frame or not math.isfinite(f.t) or round(f.t, 3) != of.t:
                raise InvalidArgument(
                    f"the {v.variant} vPDQ must have the frames' timestamps and numbers")
            track.append(FrameHash(of.t, _hex64(f.hash, f"{v.variant} PDQ"),
                                   _quality(f.quality, v.variant), of.frame))
        # The server keeps a trimmed track only when some frame had borders to trim.
        if v.variant != "trim" or any(
                f.hash != of.hash for f, of in zip(track, frames, strict=True)):
            out.append(VpdqVariant(v.variant, tuple(track)))
    return tuple(out)
