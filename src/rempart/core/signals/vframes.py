"""Views of a video frame that survive re-posting: its rotations/mirrors, its trimmed frame and
its centre.

A re-posted clip is often mirrored, turned a quarter or padded with bars (9:16 stories). The
frame's 8 rotations and mirrors come from one PDQ DCT
(:func:`rempart.core.signals.pdq.pdq_dihedral`); a frame with uniform borders (padding,
letterbox) is also hashed without them, with its 8 variants. A caption band or a sticker laid
over the edge of the picture leaves its centre (:func:`centre`, the middle 60 % of each side)
untouched: banked clips keep a vPDQ of their frames' centres (and of their trimmed frames
when they have borders of their own). A query tries every view against the banked frames;
:mod:`rempart.core.video_align` then keeps only matches that line up in time.

Example::

    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> frame = rng.integers(0, 255, (90, 160, 3), dtype=np.uint8)
    >>> frame_views(frame).shape  # 8 views of the frame and 8 of its centre, no border
    (16, 32)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import cv2
import numpy as np
from numpy.typing import NDArray

from rempart.core.signals.pdq import MIN_QUALITY, pdq_dihedral
from rempart.core.signals.views import is_trimmed, trim_box

if TYPE_CHECKING:
    from rempart.core.signals.vcrop import CropProbe

RGB = NDArray[np.uint8]
CENTRE_MARGIN = 0.2  # share of each side left out of a frame's centre
STILL_VIEW = "centre"  # an image query's centre: matched against banked frames only


def centre(rgb: RGB) -> RGB:
    """The middle of a frame: ``CENTRE_MARGIN`` of each side left out.

    >>> centre(np.zeros((100, 200, 3), np.uint8)).shape
    (60, 120, 3)
    """
    h, w = rgb.shape[:2]
    dy, dx = int(h * CENTRE_MARGIN), int(w * CENTRE_MARGIN)
    return np.ascontiguousarray(rgb[dy:h - dy, dx:w - dx])


def trimmed(rgb: RGB) -> tuple[RGB, bool]:
    """The frame without its uniform borders (padding, letterbox), and whether any were cut."""
    gray = rgb if rgb.ndim == 2 else cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2GRAY)
    box = trim_box(np.asarray(gray, np.uint8))
    if not is_trimmed(box, gray.shape):
        return rgb, False
    left, top, right, bottom = box
    if right - left < 16 or bottom - top < 16:
        return rgb, False
    return rgb[top:bottom, left:right], True


def _dihedral_rows(rgb: RGB) -> list[bytes]:
    first, others = pdq_dihedral(rgb)
    if first.quality < MIN_QUALITY:
        return []
    return [bytes.fromhex(first.hash)] + [bytes.fromhex(v.hash) for v in others]


def frame_views(rgb: RGB) -> NDArray[np.uint8]:
    """The PDQ views of one frame a query tries (``uint8[n, 32]``, quality ≥ 50 only): the
    frame's 8 rotations/mirrors, then its centre's 8, and the same two for its trimmed frame
    when it has uniform borders."""
    rows = _dihedral_rows(rgb) + _dihedral_rows(centre(rgb))
    frame, cut = trimmed(rgb)
    if cut:
        rows += _dihedral_rows(frame) + _dihedral_rows(centre(frame))
    if not rows:
        return np.zeros((0, 32), np.uint8)
    return np.frombuffer(b"".join(rows), np.uint8).reshape(-1, 32)


@dataclass(frozen=True, slots=True)
class VideoProbe:
    """A query clip's frame views for matching: ``views[k]`` belongs to the sampled frame
    ``owner[k]``, taken at ``times[owner[k]]`` seconds; ``crop``, what finds a cropped copy
    (:mod:`rempart.core.signals.vcrop`), when local features were asked for."""

    times: tuple[float, ...]
    owner: NDArray[np.int64]
    views: NDArray[np.uint8]
    crop: CropProbe | None = None

    @classmethod
    def of(cls, frames: Sequence[tuple[float, NDArray[np.uint8]]],
           crop: CropProbe | None = None) -> VideoProbe:
        """From (time, ``frame_views``) per sampled frame."""
        owner = [np.full(len(v), i, np.int64) for i, (_, v) in enumerate(frames)]
        views = [v for _, v in frames]
        return cls(
            tuple(t for t, _ in frames),
            np.concatenate(owner) if owner else np.zeros(0, np.int64),
            np.concatenate(views) if views else np.zeros((0, 32), np.uint8),
            crop,
        )
