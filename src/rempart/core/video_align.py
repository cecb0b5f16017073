"""Matching two clips in time: frame matches that line up under one speed and one offset.

A bag of matching frames says little (a static scene matches itself at every moment); an
edited re-post keeps the original's order, at a speed between 0.75× and 1.5× and from some
offset (an excerpt). :func:`align` takes, for each query frame, the times of the banked frames
it matches, and finds the speed ``s`` and offset ``b`` (banked time ≈ ``s`` × query time +
``b``) that most query frames agree with, one vote per query frame.

Example::

    >>> query_t = [0.0, 1.0, 2.0, 3.0]
    >>> hits = [[10.0], [11.2], [12.5], [13.7, 2.0]]  # 1.25× from 10 s, one stray match
    >>> a = align(query_t, hits)
    >>> a.frames, round(a.speed, 2)
    (4, 1.25)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from rempart.core.signals.pdq import MIN_QUALITY
from rempart.core.signals.vframes import VideoProbe
from rempart.core.types import FrameHash

SPEEDS = tuple(float(s) for s in np.round(np.arange(0.7, 1.61, 0.05), 2))
TOLERANCE = 0.8  # seconds of slack between a banked time and the line (1 fps sampling)
# An aligned match: this share of the query's frames on the line, and at least MIN_FRAMES.
# Lower than vPDQ's 80 %: at 1 frame per second a sped-up copy's frames fall between the
# banked ones, and the line itself is the evidence a bag of frames lacks.
ALIGNED_SHARE = 0.5
MIN_FRAMES = 2


def aligned_enough(frames: int, query_frames: int) -> bool:
    """Whether ``frames`` of a query's ``query_frames`` on one line make a match.

    >>> aligned_enough(3, 6), aligned_enough(2, 6), aligned_enough(1, 1), aligned_enough(1, 2)
    (True, False, True, False)
    """
    need = max(min(MIN_FRAMES, query_frames), ALIGNED_SHARE * query_frames)
    return frames > 0 and frames >= need


@dataclass(frozen=True, slots=True)
class Alignment:
    """The best line: query frames on it, its speed and offset (banked = speed × query + offset)."""

    frames: int
    speed: float
    offset: float


def align(
    query_t: Sequence[float],
    hits: Sequence[Sequence[float]],
    *,
    speeds: Sequence[float] = SPEEDS,
    tolerance: float = TOLERANCE,
) -> Alignment:
    """The (speed, offset) line most query frames agree with; ``hits[i]`` are the banked times
    query frame ``i`` (at ``query_t[i]``) matches."""
    owner = np.array([i for i, ts in enumerate(hits) for _ in ts], np.int64)
    times = np.array([t for ts in hits for t in ts], np.float64)
    best = Alignment(0, 1.0, 0.0)
    best_key = (0, 0.0)
    if not len(times):
        return best
    qt = np.asarray(query_t, np.float64)[owner]
    for s in speeds:
        offsets = times - s * qt
        order = np.argsort(offsets, kind="stable")
        sorted_off, sorted_own = offsets[order], owner[order]
        # Each offset as the start of a window [b, b + 2·tolerance]: distinct frames inside;
        # among lines with as many frames, the tightest (its speed fits best).
        ends = np.searchsorted(sorted_off, sorted_off + 2 * tolerance, side="right")
        for i, j in zip(range(len(order)), ends.tolist(), strict=True):
            if j - i < best_key[0]:
                continue
            key = (len(set(sorted_own[i:j].tolist())), -float(sorted_off[j - 1] - sorted_off[i]))
            if key > best_key:
                best_key = key
                best = Alignment(key[0], s, float(np.median(sorted_off[i:j])))
    return best


def align_views(
    probe: VideoProbe, frames: Sequence[FrameHash], threshold: int
) -> tuple[Alignment, int]:
    """A query clip's frame views against one banked clip's frames (quality ≥ 50): the best
    alignment of the frames within ``threshold`` bits, and the closest distance seen."""
    good = [f for f in frames if f.quality >= MIN_QUALITY]
    if not good or not len(probe.views):
        return Alignment(0, 1.0, 0.0), 999
    banked = np.frombuffer(b"".join(bytes.fromhex(f.hash) for f in good), np.uint8)
    b64 = banked.reshape(-1, 32).view(np.uint64)
    q64 = np.ascontiguousarray(probe.views).view(np.uint64)
    d = np.bitwise_count(q64[:, None, :] ^ b64[None, :, :]).sum(axis=2)  # (views, frames)
    close = d <= threshold
    banked_t = np.array([f.t for f in good], np.float64)
    hits: list[list[float]] = [[] for _ in probe.times]
    for view, frame in zip(*np.nonzero(close), strict=True):
        hits[int(probe.owner[view])].append(float(banked_t[frame]))
    return align(probe.times, [sorted(set(h)) for h in hits]), int(d.min())
