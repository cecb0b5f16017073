"""PDQ's 64×64 block of an image fitted to 512 px, without making the fitted copy.

PDQ of a large image is computed on a copy scaled to at most 512 px (area filter), blurred by
two passes of PDQ's box filters and sampled at 64×64 points. Each step is linear and works
on rows and columns separately, so per axis the whole chain is one 64×n matrix, and each of
its rows is non-zero on a narrow band only. The block is then ``rows_map @ luma @ cols_map.T``
computed band by band: about 10× less work than resizing and filtering the whole picture,
and equal to it but for the resized copy's rounding to 8 bits (|Δ| < 0.3 grey levels).

Example::

    >>> import numpy as np
    >>> fitted_size(600, 800)
    (384, 512)
    >>> fitted_block(np.zeros((600, 800), np.float32)).shape
    (64, 64)
"""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np
from numpy.typing import NDArray

PDQ_SIDE = 512


def fitted_size(height: int, width: int, side: int = PDQ_SIDE) -> tuple[int, int]:
    """(height, width) of the copy :func:`rempart.core.signals.pdq.fit` would make."""
    scale = side / max(height, width)
    if scale >= 1:
        return height, width
    return max(1, round(height * scale)), max(1, round(width * scale))


def box(y: NDArray[np.float32], window: int, axis: int) -> NDArray[np.float32]:
    """PDQ's 1-D box filter: the mean over [i - (w - h), i + h - 1], clipped, h = (w + 2) // 2."""
    half = (window + 2) // 2
    before = window - half
    n = y.shape[axis]
    ksize, anchor = ((window, 1), (before, 0)) if axis == 1 else ((1, window), (0, before))
    sums = cv2.boxFilter(y, cv2.CV_32F, ksize, anchor=anchor, normalize=False,
                         borderType=cv2.BORDER_CONSTANT)
    i = np.arange(n)
    counts = (np.minimum(i + half, n) - np.maximum(i - before, 0)).astype(np.float32)
    return np.asarray(sums / (counts[None, :] if axis == 1 else counts[:, None]), np.float32)


def sample_points(n: int) -> NDArray[np.intp]:
    """PDQ's 64 sample positions along an axis of ``n`` pixels."""
    return ((np.arange(64) + 0.5) * n / 64).astype(np.intp)


@lru_cache(maxsize=512)
def _blur_rows(m: int) -> NDArray[np.float64]:
    """64×m: two box-filter passes along an axis of m pixels, then the 64 samples."""
    window = (m + 127) // 128
    eye = np.eye(m, dtype=np.float32)
    blurred = box(box(eye, window, 0), window, 0)
    return np.asarray(blurred[sample_points(m)], np.float64)


def _area(n: int, m: int) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
    """The area filter from n to m pixels (m < n) as a band: first source pixel and weights
    per output pixel (output i averages the source interval [i·n/m, (i+1)·n/m))."""
    scale = n / m
    width = int(np.ceil(scale)) + 1
    lo = np.arange(m) * scale
    first = np.floor(lo).astype(np.intp)  # strictly increasing; a band may pass the end
    j = first[:, None] + np.arange(width)[None, :]
    overlap = np.minimum(j + 1, lo[:, None] + scale) - np.maximum(j, lo[:, None])
    return first, np.clip(overlap, 0, None) / scale


@lru_cache(maxsize=256)
def axis_map(n: int, m: int) -> tuple[NDArray[np.intp], NDArray[np.float32]]:
    """One axis of ``n`` pixels fitted to ``m``, blurred and sampled, as 64 bands:
    ``(first, weights)`` with ``weights`` of shape (64, k); sample r is
    ``weights[r] @ line[first[r] : first[r] + k]``."""
    blur = _blur_rows(m)
    if m == n:
        dense = blur.copy()
    else:
        first, weights = _area(n, m)
        dense = np.zeros((64, n + weights.shape[1]), np.float64)
        for k in range(weights.shape[1]):  # columns first + k are distinct for a given k
            dense[:, first + k] += blur * weights[:, k][None, :]
        dense = dense[:, :n]  # what lies past the end has weight 0
    nonzero = dense != 0
    start = np.argmax(nonzero, axis=1)
    stop = n - np.argmax(nonzero[:, ::-1], axis=1)
    k = int((stop - start).max())
    start = np.minimum(start, n - k)
    cols = start[:, None] + np.arange(k)[None, :]
    band = dense[np.arange(64)[:, None], cols].astype(np.float32)
    band.flags.writeable = False
    return start.astype(np.intp), band


def luma(img: NDArray[np.generic]) -> NDArray[np.generic]:
    """PDQ's float32 luma of RGB pixels (last axis of 3), or the input itself when already one
    plane per pixel (the same expression, term for term, as PDQ's reference code)."""
    if img.ndim >= 3 and img.shape[-1] == 3:
        f = img.astype(np.float32)
        y = f[..., 0] * np.float32(0.299) + f[..., 1] * np.float32(0.587) \
            + f[..., 2] * np.float32(0.114)
        return np.asarray(y, np.float32)
    return img


# Pixels gathered at once (bounds the temporaries: a 7000×7000 photo is done 64 rows apart).
_GATHER_BUDGET = 4_000_000


def fitted_block(img: NDArray[np.generic]) -> NDArray[np.float32]:
    """PDQ's blurred 64×64 block of an image (RGB, or one luma plane, uint8 or float32) as
    fitted to 512 px."""
    h, w = img.shape[:2]
    fh, fw = fitted_size(h, w)
    row_first, row_band = axis_map(h, fh)
    col_first, col_band = axis_map(w, fw)
    k = row_band.shape[1]
    per_row = k * w * (img.shape[2] if img.ndim == 3 else 1)
    step = max(1, _GATHER_BUDGET // per_row)
    strips = np.empty((64, w), np.float32)
    for lo in range(0, 64, step):
        hi = min(64, lo + step)
        rows = img[row_first[lo:hi, None] + np.arange(k)[None, :]]  # (rows, k, w[, 3])
        # By the image's own shape: a luma plane 3 pixels wide gathers to a last axis of 3 too.
        plane = np.asarray(luma(rows) if img.ndim == 3 else rows, np.float32)
        strips[lo:hi] = np.matmul(row_band[lo:hi, None, :], plane)[:, 0, :]
    cols = strips[:, col_first[:, None] + np.arange(col_band.shape[1])[None, :]]  # (64, 64, kc)
    return np.asarray(np.einsum("rck,ck->rc", cols, col_band), np.float32)
