"""Cropped re-posts of a video: where the banked clip sits in the query's frames.

PDQ moves past its threshold when a window is 2 % off, so no grid of windows finds a crop.
Local features do: a banked video keeps ORB references of a few *key frames*
(:class:`KeySchedule`); a query keeps ORB probes of a few of its frames and a small grayscale
copy of each sampled frame (:class:`CropProbe`). Once RANSAC finds where a key frame sits in a
query frame (a similarity transform: the crop, its scale), every query frame is warped back
over the banked frame's centre (:func:`centre_views`), whose PDQ the bank holds as the
``centre`` vPDQ track: those views are then matched and lined up in time like any other
(:mod:`rempart.core.video_align`). A crop is the same for the whole clip, so one transform
serves every frame, moving scene or not.

Example::

    >>> schedule = KeySchedule(duration=60.0, most=8)
    >>> [t for t in (0.0, 1.0, 7.0, 7.5, 15.0) if schedule.take(t)]
    [0.0, 7.5, 15.0]
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np
from numpy.typing import NDArray

from rempart.core.signals import orb
from rempart.core.signals.pdq import MIN_QUALITY, pdq_hash
from rempart.core.signals.vframes import CENTRE_MARGIN

Gray = NDArray[np.uint8]
KEY_SECONDS = 2.0  # key frames at least this far apart
MAX_KEY_FRAMES = 8  # a banked video's key frames
QUERY_KEY_FRAMES = 6  # a query's frames given ORB probes
KEY_FEATURES = 250  # ORB keypoints of a banked key frame
GRAY_SIDE = 256  # a query frame's grayscale copy, longer side
MAX_GRAYS = 2400  # grayscale copies a query keeps (10 min at 4 per second; ~90 MB at most)
MIN_INLIERS = 15  # RANSAC inliers a transform needs before the frames are warped by it
MAX_TRANSFORMS = 3  # transforms tried per query
MIN_SCALE, MAX_SCALE = 0.5, 2.0  # a crop of ≤ 50 % a side, or a copy at most halved


@dataclass
class KeySchedule:
    """Which sampled frames become key frames: spread over ``duration`` (when known), at
    least ``KEY_SECONDS`` apart, ``most`` of them."""

    duration: float | None
    most: int
    taken: int = 0
    next_t: float = 0.0

    def take(self, t: float) -> bool:
        """Whether the frame at ``t`` seconds is a key frame (and count it)."""
        if self.taken >= self.most or t + 1e-6 < self.next_t:
            return False
        step = max(KEY_SECONDS, (self.duration or 0.0) / self.most)
        self.taken += 1
        self.next_t = t + step
        return True


def gray_of(rgb: NDArray[np.uint8]) -> Gray:
    """A frame in grayscale (OpenCV's weights, as ORB and PDQ's luma use)."""
    if rgb.ndim == 2:
        return rgb
    return np.asarray(cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2GRAY), np.uint8)


def small(gray: Gray) -> Gray:
    """A grayscale copy whose longer side is at most ``GRAY_SIDE``."""
    h, w = gray.shape
    scale = GRAY_SIDE / max(h, w)
    if scale >= 1:
        return gray
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return np.asarray(cv2.resize(gray, size, interpolation=cv2.INTER_AREA), np.uint8)


@dataclass
class CropProbe:
    """What a query keeps to find a crop: ORB probes of a few frames, and a small grayscale
    copy of each sampled frame (``times[i]``, ``grays[i]``) at ``scale`` of the frame."""

    orbs: list[orb.OrbProbe] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    grays: list[Gray] = field(default_factory=list)
    scale: float = 1.0

    def add_frame(self, t: float, gray: Gray) -> None:
        """Keep a small copy of a sampled frame (up to ``MAX_GRAYS``)."""
        if len(self.grays) < MAX_GRAYS:
            copy = small(gray)
            self.scale = copy.shape[1] / gray.shape[1]
            self.times.append(t)
            self.grays.append(copy)


def plausible(matrix: NDArray[np.float64]) -> bool:
    """A crop or a resize, not a degenerate fit: scale within bounds, rotation within 10°."""
    a, b = float(matrix[0, 0]), float(matrix[1, 0])
    scale = float(np.hypot(a, b))
    return MIN_SCALE <= scale <= MAX_SCALE and abs(np.degrees(np.arctan2(b, a))) <= 10.0


def centre_views(
    probe: CropProbe, to_reference: NDArray[np.float64], width: int, height: int
) -> list[tuple[float, NDArray[np.uint8]]]:
    """(time, PDQ rows) of each kept query frame warped back over the centre of the banked
    frame (``width`` × ``height``, the key frame's size) placed by ``to_reference`` (query
    frame → banked frame coordinates); frames whose view has quality < 50 give no rows."""
    dx, dy = int(width * CENTRE_MARGIN), int(height * CENTRE_MARGIN)
    cw, ch = width - 2 * dx, height - 2 * dy
    if cw < 16 or ch < 16 or not probe.grays:
        return []
    to_query = cv2.invertAffineTransform(to_reference)
    out_w = max(16, round(cw * probe.scale))
    out_h = max(16, round(ch * probe.scale))
    # Output pixel → banked frame → query frame → its small copy.
    place = np.array([[cw / out_w, 0, dx], [0, ch / out_h, dy], [0, 0, 1]], np.float64)
    warp = probe.scale * (np.vstack([to_query, [0, 0, 1]]) @ place)[:2]
    out: list[tuple[float, NDArray[np.uint8]]] = []
    for t, gray in zip(probe.times, probe.grays, strict=True):
        view = cv2.warpAffine(gray, warp, (out_w, out_h),
                              flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                              borderMode=cv2.BORDER_REPLICATE)
        h = pdq_hash(np.asarray(view, np.uint8))
        rows = (np.frombuffer(bytes.fromhex(h.hash), np.uint8).reshape(1, 32)
                if h.quality >= MIN_QUALITY else np.zeros((0, 32), np.uint8))
        out.append((t, rows))
    return out
