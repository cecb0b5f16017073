"""Contrast-normalised views of dark, foggy and low-contrast pictures.

A night shot or a foggy view spans a few dozen grey levels: PDQ's quality (its gradient sum)
falls below 50, so its hashes are not looked up, and ORB's corner test finds few keypoints.
Histogram equalisation spreads the picture's levels over the whole range; it is (up to
rounding) the same image for any increasing tone curve, so the night shot, the foggy view and
their re-shares — resized, captioned, cropped — give nearly the same equalised picture. Only
pictures whose middle half of levels spans less than ``LOW_IQR`` grey levels are normalised
(both when banking and when checking); an almost uniform one (``MIN_SPREAD``) is not, as
equalising it would only magnify noise.

Example::

    >>> import numpy as np
    >>> dim = (np.arange(64, dtype=np.uint8)[None, :] // 4 + 10).repeat(64, 0)
    >>> is_low_contrast(dim), int(equalized(dim).max()) > 200
    (True, True)
"""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray

Gray = NDArray[np.uint8]

LOW_IQR = 48  # grey levels between the 25th and 75th percentiles, below which a picture is dim
MIN_SPREAD = 6  # grey levels between the 1st and 99th percentiles, below which it is flat
_SAMPLE = 128  # percentiles from a copy of at most this many pixels a side


def _levels(gray: Gray) -> NDArray[np.float64]:
    h, w = gray.shape[:2]
    step = max(1, max(h, w) // _SAMPLE)
    return np.percentile(gray[::step, ::step], (1, 25, 75, 99))


def is_low_contrast(gray: Gray) -> bool:
    """Whether ``gray`` is dim or washed out enough to be hashed once equalised too."""
    p1, p25, p75, p99 = _levels(gray)
    return bool(p75 - p25 < LOW_IQR and p99 - p1 >= MIN_SPREAD)


def equalized(gray: Gray) -> Gray:
    """``gray`` with its histogram equalised (OpenCV's global equalisation)."""
    return np.asarray(cv2.equalizeHist(np.ascontiguousarray(gray)), np.uint8)
