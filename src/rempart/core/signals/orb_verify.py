"""Whether a probe shows (part of) an ``orb`` reference image, and under which geometry.

A probe image matches a reference (:mod:`rempart.core.signals.orb`) when

1. enough descriptors agree under one similarity transform (RANSAC), which gives the geometry
   (crop, scale, rotation, position inside a screenshot...), and
2. the probe, warped back into the reference's frame, has the PDQ of one of the reference's
   regions within the PDQ threshold: an exact, content-level confirmation that keeps repetitive
   structures (colonnades, grids, text) from matching unrelated photos; or, where stickers
   cover the middle or a crop keeps only half of the picture, the reference's visible tiles (a
   4×4 grid) agree one by one, under stronger geometric evidence: most of them, or at least
   ``TILE_ALL_AGREE`` with every other one hidden under flat graphics (a sticker, an emoji, a
   blurred or painted-over patch). A tile showing other textured content (another person at
   the same place) is never excused.

Example::

    >>> import cv2
    >>> import numpy as np
    >>> from rempart.core.signals.orb import probe_features, reference_features
    >>> rng = np.random.default_rng(0)
    >>> img = cv2.GaussianBlur(rng.random((300, 400)) * 255, (0, 0), 2).astype(np.uint8)
    >>> ref = reference_features(img)
    >>> verify(probe_features(img[20:280, 30:]), ref) is not None
    True
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from rempart.core.signals.orb import (
    REGION_SIZE,
    REGIONS,
    TILES,
    Gray,
    OrbProbe,
    OrbReference,
    region_pdq,
)
from rempart.core.signals.pdq import DEFAULT_THRESHOLD

MIN_INLIERS = 6
RATIO = 0.8
RANSAC_PX = 5.0
TILE_INLIERS = 15  # geometric evidence a tile confirmation needs
TILE_QUALITY = 20  # tiles flatter than this (sky, a wall) prove nothing
TILE_THRESHOLD = 31  # bits, per tile
TILE_AGREE = 4  # tiles that must agree, and at least TILE_SHARE of the visible ones
TILE_SHARE = 1 / 3
TILE_ALL_AGREE = 3  # or this many agree and every other visible tile is hidden (flat)
HIDDEN_FLAT = 0.3  # share of flat pixels that makes a disagreeing tile hidden
FLAT_SPREAD = 2.0  # grey levels of local spread (5×5) under which a pixel is flat


@dataclass(frozen=True, slots=True)
class OrbMatch:
    """A verified match: RANSAC inliers, and the confirming region's PDQ distance."""

    inliers: int
    distance: int
    region: str
    mirrored: bool
    scale: float


def hamming_matrix(a: NDArray[np.uint8], b: NDArray[np.uint8]) -> NDArray[np.int64]:
    """All pairwise Hamming distances between rows of two (n, 32) uint8 descriptor arrays."""
    a64 = np.ascontiguousarray(a).view(np.uint64)
    b64 = np.ascontiguousarray(b).view(np.uint64)
    out = np.zeros((len(a64), len(b64)), np.int64)
    for k in range(4):
        out += np.bitwise_count(a64[:, k, None] ^ b64[None, :, k])
    return out


def _transform(probe: OrbProbe, ref: OrbReference) -> tuple[NDArray[np.float64], int] | None:
    if len(probe.descriptors) < MIN_INLIERS or len(ref.descriptors) < 2:
        return None
    d = hamming_matrix(probe.descriptors, ref.descriptors)
    two = np.partition(d, 1, axis=1)[:, :2]
    best = d.argmin(axis=1)
    good = np.flatnonzero(two[:, 0] < RATIO * two[:, 1])
    return _ransac(probe.points[good], ref.points[best[good]])


def _ransac(
    src: NDArray[np.float32], dst: NDArray[np.float32]
) -> tuple[NDArray[np.float64], int] | None:
    """The similarity transform most correspondences agree on, and how many do."""
    if len(src) < MIN_INLIERS:
        return None
    matrix, mask = cv2.estimateAffinePartial2D(
        src, dst, method=cv2.RANSAC, ransacReprojThreshold=RANSAC_PX, maxIters=2000, confidence=0.99
    )
    if matrix is None or mask is None:
        return None
    inliers = int(mask.sum())
    if inliers < MIN_INLIERS:
        return None
    return np.asarray(matrix, np.float64), inliers


def _views(
    probe: OrbProbe, ref: OrbReference, matrix: NDArray[np.float64],
    boxes: dict[str, tuple[float, float, float, float]], min_quality: int,
) -> Iterator[tuple[str, int, int, Gray]]:
    """(name, stored quality, PDQ distance, view) of each stored box fully visible in the
    probe, the view being the probe warped back into the reference's frame over it."""
    try:
        to_probe = cv2.invertAffineTransform(matrix)
    except cv2.error:
        return
    ph, pw = probe.gray.shape
    tol = 0.02 * max(ph, pw)
    side = 2 * REGION_SIZE
    for name, (x0, y0, x1, y1) in boxes.items():
        stored = ref.regions.get(name)
        if stored is None or stored[1] < min_quality:
            continue
        bx0, by0, bx1, by1 = x0 * ref.width, y0 * ref.height, x1 * ref.width, y1 * ref.height
        corners = np.array([[bx0, by0], [bx1, by0], [bx0, by1], [bx1, by1]])
        seen = corners @ to_probe[:, :2].T + to_probe[:, 2]
        if (
            (seen[:, 0] < -tol).any()
            or (seen[:, 0] > pw + tol).any()
            or (seen[:, 1] < -tol).any()
            or (seen[:, 1] > ph + tol).any()
        ):
            continue
        grid = np.array([[(bx1 - bx0) / side, 0, bx0], [0, (by1 - by0) / side, by0], [0, 0, 1]])
        warp = (np.vstack([to_probe, [0, 0, 1]]) @ grid)[:2]
        view: Gray = cv2.warpAffine(  # type: ignore[assignment]
            probe.gray,
            warp,
            (side, side),
            flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_REPLICATE,
        )
        got, _ = region_pdq(view)
        d = int(
            np.unpackbits(
                np.bitwise_xor(np.frombuffer(got, np.uint8), np.frombuffer(stored[0], np.uint8))
            ).sum()
        )
        yield name, stored[1], d, view


def _confirm(
    probe: OrbProbe, ref: OrbReference, matrix: NDArray[np.float64], threshold: int
) -> tuple[int, str] | None:
    """Best region distance among the reference regions fully visible in the probe."""
    best: tuple[int, str] | None = None
    for name, _, d, _ in _views(probe, ref, matrix, REGIONS, 10):
        if best is None or d < best[0]:
            best = (d, name)
        if d <= threshold // 2:
            break
    return best if best is not None and best[0] <= threshold else None


def _confirm_tiles(
    probe: OrbProbe, ref: OrbReference, matrix: NDArray[np.float64], threshold: int
) -> tuple[int, str] | None:
    """Visible tiles agreeing: (the worst agreeing tile's distance, ``tiles:k/n``, or
    ``tiles:k+h/n`` when ``h`` disagreeing tiles are hidden under flat graphics)."""
    limit = min(threshold, TILE_THRESHOLD)
    seen = [(d, view) for _, _, d, view in _views(probe, ref, matrix, TILES, TILE_QUALITY)]
    agree = sorted(d for d, _ in seen if d <= limit)
    if len(agree) >= max(TILE_AGREE, len(seen) * TILE_SHARE):
        return agree[-1], f"tiles:{len(agree)}/{len(seen)}"
    if len(agree) < TILE_ALL_AGREE:
        return None
    hidden = sum(1 for d, view in seen if d > limit and flat_share(view) >= HIDDEN_FLAT)
    if len(agree) + hidden < len(seen):
        return None
    return agree[-1], f"tiles:{len(agree)}+{hidden}/{len(seen)}"


def flat_share(view: Gray) -> float:
    """Share of a view's pixels in flat areas (local 5×5 spread of at most ``FLAT_SPREAD``
    grey levels): high where a sticker or a painted patch hides a textured tile.

    >>> round(flat_share(np.full((64, 64), 200, np.uint8)), 2)
    1.0
    """
    v = view.astype(np.float32)
    mean = cv2.blur(v, (5, 5))
    spread = np.sqrt(np.maximum(cv2.blur(v * v, (5, 5)) - mean * mean, 0))
    return float((spread <= FLAT_SPREAD).mean())


def _accept(
    probe: OrbProbe,
    ref: OrbReference,
    found: tuple[NDArray[np.float64], int] | None,
    threshold: int,
) -> OrbMatch | None:
    if found is None:
        return None
    matrix, inliers = found
    confirmed = _confirm(probe, ref, matrix, threshold)
    if confirmed is None and inliers >= TILE_INLIERS and not ref.key_frame:
        confirmed = _confirm_tiles(probe, ref, matrix, threshold)
    if confirmed is None:
        return None
    scale = float(np.sqrt(abs(np.linalg.det(matrix[:, :2]))))
    return OrbMatch(inliers, confirmed[0], confirmed[1], probe.mirrored, scale)


def verify(
    probe: OrbProbe, ref: OrbReference, *, threshold: int = DEFAULT_THRESHOLD, mirror: bool = True
) -> OrbMatch | None:
    """Whether ``probe`` shows (part of) the reference image; None when it does not."""
    for candidate in (probe, probe.flipped()) if mirror else (probe,):
        match = _accept(candidate, ref, _transform(candidate, ref), threshold)
        if match is not None:
            return match
    return None


def geometry(
    probe: OrbProbe, ref: OrbReference, probe_idx: NDArray[np.int64], ref_idx: NDArray[np.int64]
) -> tuple[NDArray[np.float64], int] | None:
    """The similarity transform (probe → reference coordinates, 2×3) that putative pairs
    agree on, and its inliers, without content confirmation: where the reference sits in the
    probe, for a caller that confirms otherwise (a video's frames lined up in time)."""
    return _ransac(probe.points[probe_idx], ref.points[ref_idx])


def verify_pairs(
    probe: OrbProbe,
    ref: OrbReference,
    probe_idx: NDArray[np.int64],
    ref_idx: NDArray[np.int64],
    *,
    threshold: int = DEFAULT_THRESHOLD,
) -> OrbMatch | None:
    """Like :func:`verify`, from putative correspondences found by an index (no full matching)."""
    return _accept(probe, ref, _ransac(probe.points[probe_idx], ref.points[ref_idx]), threshold)
