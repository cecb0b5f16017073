"""``orb``: local features that find an image again after crops, captions, frames and rotations.

PDQ sees the whole frame: a 4 % crop already moves it past its threshold. This signal keeps
ORB keypoints (positions and 256-bit descriptors) of a reference image, plus PDQ hashes of a
few of its regions and of a 4×4 grid of tiles; a probe keeps its features and its pixels. How a
probe is confirmed against a reference is :mod:`rempart.core.signals.orb_verify`.

Privacy: keypoints and descriptors say more about an image than one PDQ hash; only positions
rounded to 1/32 px of a 512 px copy and the descriptors are kept, never pixels.

Example::

    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> img = cv2.GaussianBlur(rng.random((300, 400)) * 255, (0, 0), 2).astype(np.uint8)
    >>> ref = reference_features(img)
    >>> OrbReference.parse(ref.serialize()).regions == ref.regions
    True
"""

from __future__ import annotations

import base64
import struct
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from rempart.core.signals.pdq import dct_hex, hex_to_bytes, pdq_dct

REF_SIDE = 512  # reference images: longer side
PROBE_SIDE = 512  # probes: shorter side (screenshots are tall), longer side capped below
PROBE_MAX_SIDE = 1024
REF_FEATURES = 500
PROBE_FEATURES = 1500
REGION_SIZE = 128
EDGE = 15  # ORB's edge threshold: no keypoint lies closer than this to the border
_MAGIC = b"RO1"
_KEY_MAGIC = b"RK1"  # a video's key frame: its tiles never confirm (see OrbReference)

# Regions of the reference (left, top, right, bottom as shares of the frame). One of them is
# fully visible in any crop of ≤ 25 % per side, or in any image with a caption band.
REGIONS: dict[str, tuple[float, float, float, float]] = {
    "full": (0.0, 0.0, 1.0, 1.0),
    "c60": (0.2, 0.2, 0.8, 0.8),
    "c40": (0.3, 0.3, 0.7, 0.7),
    "top60": (0.0, 0.0, 1.0, 0.6),
    "bottom60": (0.0, 0.4, 1.0, 1.0),
    "left60": (0.0, 0.0, 0.6, 1.0),
    "right60": (0.4, 0.0, 1.0, 1.0),
}
# Tiles: a 4×4 grid, kept in the reference only (never banked as PDQ entries of their own).
TILE_GRID = 4
TILES: dict[str, tuple[float, float, float, float]] = {
    f"t{r}{c}": (c / TILE_GRID, r / TILE_GRID, (c + 1) / TILE_GRID, (r + 1) / TILE_GRID)
    for r in range(TILE_GRID) for c in range(TILE_GRID)
}
_REGION_NAMES = tuple(REGIONS) + tuple(TILES)

Gray = NDArray[np.uint8]


def _orb(n: int) -> Any:
    return cv2.ORB_create(  # type: ignore[attr-defined]
        nfeatures=n, scaleFactor=1.2, nlevels=8, edgeThreshold=EDGE, patchSize=31, fastThreshold=10
    )


def _scaled(gray: Gray, scale: float) -> Gray:
    if scale >= 1:
        return np.ascontiguousarray(gray)
    h, w = gray.shape
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return np.ascontiguousarray(cv2.resize(gray, size, interpolation=cv2.INTER_AREA))


def region_pdq(gray: Gray) -> tuple[bytes, int]:
    """The PDQ hash (32 bytes) and quality of an image region, seen at ``REGION_SIZE`` px."""
    small = np.asarray(
        cv2.resize(gray, (REGION_SIZE, REGION_SIZE), interpolation=cv2.INTER_AREA), np.uint8
    )
    coefficients, quality = pdq_dct(small)
    return hex_to_bytes(dct_hex(coefficients)), quality


@dataclass(frozen=True)
class OrbReference:
    """What a bank keeps of an image for this signal: keypoints, descriptors, region hashes."""

    width: int
    height: int
    points: NDArray[np.float32]  # (n, 2) in the reference's REF_SIDE frame
    descriptors: NDArray[np.uint8]  # (n, 32)
    regions: dict[str, tuple[bytes, int]] = field(default_factory=dict)
    # A key frame of a video: a fixed camera's other moments share its background tiles, so
    # only a region (the subject with it) confirms a match.
    key_frame: bool = False

    def serialize(self) -> str:
        """A compact text form (stored as the ``orb`` signal value)."""
        n = len(self.points)
        magic = _KEY_MAGIC if self.key_frame else _MAGIC
        head = magic + struct.pack("<HHHB", self.width, self.height, n, len(self.regions))
        regions = b"".join(
            struct.pack("<B", _REGION_NAMES.index(name)) + h + struct.pack("<B", q)
            for name, (h, q) in self.regions.items()
        )
        pts = np.clip(np.round(self.points * 32), 0, 65535).astype("<u2").tobytes()
        return base64.b64encode(head + regions + pts + self.descriptors.tobytes()).decode("ascii")

    @classmethod
    def parse(cls, value: str) -> OrbReference:
        """Inverse of :meth:`serialize`; raises ValueError on malformed input."""
        try:
            raw = base64.b64decode(value, validate=True)
        except (ValueError, TypeError) as exc:
            raise ValueError("orb signal is not valid base64") from exc
        if not raw.startswith((_MAGIC, _KEY_MAGIC)) or len(raw) < 10:
            raise ValueError("orb signal has an unknown format")
        width, height, n, nreg = struct.unpack_from("<HHHB", raw, 3)
        if width == 0 or height == 0:
            raise ValueError("orb signal has an empty frame")
        pos = 10
        regions: dict[str, tuple[bytes, int]] = {}
        for _ in range(nreg):
            if pos + 34 > len(raw) or raw[pos] >= len(_REGION_NAMES):
                raise ValueError("orb signal has a malformed region")
            regions[_REGION_NAMES[raw[pos]]] = (raw[pos + 1 : pos + 33], raw[pos + 33])
            pos += 34
        if len(raw) != pos + n * 4 + n * 32:
            raise ValueError("orb signal has the wrong length")
        pts = (np.frombuffer(raw, "<u2", n * 2, pos).reshape(n, 2) / 32).astype(np.float32)
        des = np.frombuffer(raw, np.uint8, n * 32, pos + n * 4).reshape(n, 32).copy()
        return cls(width, height, pts, des, regions, raw.startswith(_KEY_MAGIC))


def reference_features(
    gray: Gray, features: int = REF_FEATURES, *, key_frame: bool = False
) -> OrbReference:
    """Keypoints (up to ``features``), descriptors and region hashes of an image to be banked
    (grayscale input); ``key_frame``: of a video's frame."""
    g = _scaled(gray, REF_SIDE / max(gray.shape))
    h, w = g.shape
    pts, des, _ = _detect(g, features)
    regions = {}
    for name, (x0, y0, x1, y1) in (REGIONS | TILES).items():
        top, left = min(round(y0 * h), h - 1), min(round(x0 * w), w - 1)  # never empty
        crop = g[top : max(round(y1 * h), top + 1), left : max(round(x1 * w), left + 1)]
        regions[name] = region_pdq(crop)
    return OrbReference(w, h, pts, des, regions, key_frame)


@dataclass
class OrbProbe:
    """Features of an image being checked, with its pixels kept in memory for confirmation."""

    gray: Gray
    points: NDArray[np.float32]
    descriptors: NDArray[np.uint8]
    mirrored: bool = False
    _flipped: OrbProbe | None = None
    _keypoints: tuple[Any, ...] = ()
    # A dim or washed-out picture's probe on its equalised luma (core.signals.tone), matched
    # like the probe itself: a night shot's corners are too faint for ORB on the raw luma.
    toned: OrbProbe | None = None

    def flipped(self) -> OrbProbe:
        """The same probe, mirrored left-right (computed once, on demand).

        Descriptors are computed at the mirrored keypoints instead of detecting again: the same
        descriptors as a fresh detection on the mirrored image, for 60 % of the time.
        """
        if self._flipped is None:
            g = np.ascontiguousarray(self.gray[:, ::-1])
            w = g.shape[1]
            mirrored = [
                cv2.KeyPoint(
                    w - 1 - k.pt[0],
                    k.pt[1],
                    k.size,
                    (180 - k.angle) % 360,
                    k.response,
                    k.octave,
                    k.class_id,
                )
                for k in self._keypoints
            ]
            pts, des, _ = (
                _detect(g, PROBE_FEATURES, mirrored) if mirrored else _detect(g, PROBE_FEATURES)
            )
            self._flipped = OrbProbe(g, pts, des, True)
        return self._flipped


def _balanced(
    pts: NDArray[np.float32], response: NDArray[np.float32], shape: tuple[int, ...]
) -> NDArray[np.int64]:
    """An order of keypoints taken round-robin over a 6×6 grid, strongest first in each cell,
    so that any prefix covers the whole picture instead of the text of a caption or of a
    screenshot's interface."""
    h, w = shape[:2]
    cell = (np.minimum(pts[:, 1] * 6 // h, 5) * 6 + np.minimum(pts[:, 0] * 6 // w, 5)).astype(int)
    by_cell = np.lexsort((-response, cell))  # cell by cell, strongest first
    starts = np.searchsorted(cell[by_cell], np.arange(36))
    rank = np.empty(len(pts), np.int64)
    rank[by_cell] = np.arange(len(pts)) - starts[cell[by_cell]]
    return np.lexsort((-response, rank))


def _detect(
    g: Gray, n: int, keypoints: Any = None
) -> tuple[NDArray[np.float32], NDArray[np.uint8], Any]:
    """ORB keypoints (in a balanced order), descriptors, and the keypoints themselves.

    With ``keypoints``, only descriptors are computed at those positions (no detection).
    An image whose shorter side is at most ``2 * EDGE`` has no keypoints, and OpenCV asserts
    on the smallest (1 px wide) ones: it gets none without asking OpenCV.
    """
    if min(g.shape[:2]) <= 2 * EDGE:
        return np.zeros((0, 2), np.float32), np.zeros((0, 32), np.uint8), ()
    if keypoints is None:
        kps, des = _orb(n).detectAndCompute(g, None)
    else:
        kps, des = _orb(n).compute(g, keypoints)
    if des is None or not kps:
        return np.zeros((0, 2), np.float32), np.zeros((0, 32), np.uint8), ()
    pts = np.array([k.pt for k in kps], np.float32).reshape(-1, 2)
    # (OpenCV returns provided keypoints regrouped by pyramid level: balance them again.)
    order = _balanced(pts, np.array([k.response for k in kps], np.float32), g.shape)
    return (
        np.ascontiguousarray(pts[order]),
        np.ascontiguousarray(des[order]),
        [kps[i] for i in order],
    )


def _probe(g: Gray) -> OrbProbe:
    pts, des, kps = _detect(g, PROBE_FEATURES)
    return OrbProbe(g, pts, des, False, None, tuple(kps))


def probe_features(gray: Gray) -> OrbProbe:
    """Features of an image to check against references (grayscale input)."""
    h, w = gray.shape
    scale = min(PROBE_SIDE / min(h, w), PROBE_MAX_SIDE / max(h, w))
    return _probe(_scaled(gray, scale))
