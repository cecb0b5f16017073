"""Matching two clips in time: frame matches that line up under one speed and one offset.

A bag of matching frames says little (a static scene matches itself at every moment); an
edited re-post keeps the original's order, at a speed between 0.75× and 1.5× and from some
offset (an excerpt). :func:`align` takes, for each query frame, the times of the banked frames
it matches, and finds the speed ``s`` and offset ``b`` (banked time ≈ ``s`` × query time +
``b``) that most query frames agree with, one vote per query frame. The line then counts the
banked frames it hits against those it crosses: a query sampled more densely than the bank
(to land near every banked frame of an excerpt or a sped-up copy), or a clip embedded in a
longer video, is judged on how much of the banked clip it covers.

Example::

    >>> query_t = [0.0, 1.0, 2.0, 3.0]
    >>> hits = [[10.0], [11.0], [12.5], [13.7, 2.0]]  # 1.25× from 10 s, one stray match
    >>> a = align(query_t, hits, banked_t=[9.0, 10.0, 11.0, 12.5, 13.7, 15.0])
    >>> a.frames, a.expected, a.total, round(a.speed, 2), a.enough
    (4, 4, 6, 1.25, True)
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
# An aligned match: this share of the banked frames the line crosses are hit, and at least
# MIN_FRAMES of them (all of a shorter clip's). Lower than vPDQ's 80 %: frames between cuts or
# blurred by motion miss, and the line itself is the evidence a bag of frames lacks. The
# minimum keeps a clip's first or last second, shared with the moment next to it in the same
# source, from making a match.
ALIGNED_SHARE = 0.5
MIN_FRAMES = 3


@dataclass(frozen=True, slots=True)
class Alignment:
    """The best line (banked = speed × query + offset): banked frames it hits, banked frames
    it crosses over the query's span, its speed and offset, and the banked clip's frames."""

    frames: int
    expected: int
    speed: float
    offset: float
    total: int = 0

    @property
    def enough(self) -> bool:
        """Whether the line makes a match: at least ``ALIGNED_SHARE`` of the banked frames it
        crosses are hit, and ``MIN_FRAMES`` (every frame of a shorter banked clip).

        >>> Alignment(3, 6, 1.0, 0.0, 20).enough, Alignment(2, 3, 1.0, 0.0, 20).enough
        (True, False)
        >>> Alignment(1, 1, 1.0, 0.0, 1).enough, Alignment(1, 2, 1.0, 0.0, 2).enough
        (True, False)
        """
        need = max(min(MIN_FRAMES, self.total or self.expected), ALIGNED_SHARE * self.expected)
        return self.frames > 0 and self.frames >= need

    @property
    def share(self) -> float:
        """Banked frames hit, in % of those crossed."""
        return 100.0 * self.frames / max(1, self.expected)


NO_LINE = Alignment(0, 0, 1.0, 0.0)


def align(
    query_t: Sequence[float],
    hits: Sequence[Sequence[float]],
    *,
    banked_t: Sequence[float] | None = None,
    speeds: Sequence[float] = SPEEDS,
    tolerance: float = TOLERANCE,
) -> Alignment:
    """The (speed, offset) line most query frames agree with; ``hits[i]`` are the banked times
    query frame ``i`` (at ``query_t[i]``) matches, ``banked_t`` every banked frame's time (by
    default, those hit)."""
    owner = np.array([i for i, ts in enumerate(hits) for _ in ts], np.int64)
    times = np.array([t for ts in hits for t in ts], np.float64)
    if not len(times):
        return NO_LINE
    qt = np.asarray(query_t, np.float64)[owner]
    best_key: tuple[int, float] = (0, 0.0)
    best_line = (1.0, 0.0, 0, 0)  # speed, offset, window start and end in sorted order
    best_sorted = times
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
                best_line = (s, float(np.median(sorted_off[i:j])), i, j)
                best_sorted = times[order]
    speed, offset, i, j = best_line
    hit_t = set(best_sorted[i:j].tolist())
    banked = np.asarray(sorted(hit_t) if banked_t is None else banked_t, np.float64)
    q0, q1 = float(np.min(query_t)), float(np.max(query_t))
    lo, hi = speed * q0 + offset - tolerance, speed * q1 + offset + tolerance
    expected = int(np.count_nonzero((banked >= lo) & (banked <= hi)))
    return Alignment(len(hit_t), max(expected, len(hit_t)), speed, offset,
                     max(len(banked), len(hit_t)))


def align_views(
    probe: VideoProbe, frames: Sequence[FrameHash], threshold: int
) -> tuple[Alignment, int]:
    """A query clip's frame views against one banked clip's frames (quality ≥ 50): the best
    alignment of the frames within ``threshold`` bits, and the closest distance seen."""
    good = [f for f in frames if f.quality >= MIN_QUALITY]
    if not good or not len(probe.views):
        return NO_LINE, 999
    banked = np.frombuffer(b"".join(bytes.fromhex(f.hash) for f in good), np.uint8)
    b64 = banked.reshape(-1, 32).view(np.uint64)
    q64 = np.ascontiguousarray(probe.views).view(np.uint64)
    d = np.bitwise_count(q64[:, None, :] ^ b64[None, :, :]).sum(axis=2)  # (views, frames)
    close = d <= threshold
    banked_t = np.array([f.t for f in good], np.float64)
    hits: list[list[float]] = [[] for _ in probe.times]
    for view, frame in zip(*np.nonzero(close), strict=True):
        hits[int(probe.owner[view])].append(float(banked_t[frame]))
    # A track may hold two views of one moment (a ``still`` track: whole frame and centre).
    line = align(probe.times, [sorted(set(h)) for h in hits],
                 banked_t=sorted(set(banked_t.tolist())))
    return line, int(d.min())
