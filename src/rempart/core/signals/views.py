"""Views of an image that survive re-sharing better than the full frame: borders trimmed.

Letterboxing, padding to 16:9 and plain frames add uniform rows or columns around the picture;
trimming them gives back the picture's own frame, so its PDQ matches the original's again.

Example::

    >>> import numpy as np
    >>> img = np.zeros((100, 100), np.uint8); img[20:80, 10:90] = 200; img[30:40, 30:40] = 90
    >>> trim_box(img)
    (10, 20, 90, 80)
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

Box = tuple[int, int, int, int]  # left, top, right, bottom (exclusive), in pixels

_TOLERANCE = 14
_UNIFORM_SHARE = 0.97
_MAX_TRIM = 0.45


def _uniform_run(lines: NDArray[np.int16], ref: int, limit: int) -> int:
    """How many leading lines (rows of ``lines``) are nearly all the reference color."""
    n = 0
    for line in lines[:limit]:
        if np.mean(np.abs(line - ref) <= _TOLERANCE) < _UNIFORM_SHARE:
            break
        n += 1
    return n


def trim_box(gray: NDArray[np.uint8]) -> Box:
    """The box left once uniform borders are removed from each side (the whole image if none)."""
    g = gray.astype(np.int16)
    h, w = g.shape
    if h < 8 or w < 8:
        return (0, 0, w, h)
    corner = np.median(np.concatenate([g[0, :], g[-1, :], g[:, 0], g[:, -1]]))
    ref = int(corner)
    top = _uniform_run(g, ref, int(h * _MAX_TRIM))
    bottom = _uniform_run(g[::-1], ref, int(h * _MAX_TRIM))
    left = _uniform_run(g.T, ref, int(w * _MAX_TRIM))
    right = _uniform_run(g.T[::-1], ref, int(w * _MAX_TRIM))
    return (left, top, w - right, h - bottom)


def is_trimmed(box: Box, shape: tuple[int, ...], min_share: float = 0.02) -> bool:
    """Whether ``box`` removes a meaningful border (≥ ``min_share`` of a side) from ``shape``."""
    h, w = shape[:2]
    left, top, right, bottom = box
    return (
        left > w * min_share
        or w - right > w * min_share
        or top > h * min_share
        or h - bottom > h * min_share
    )
