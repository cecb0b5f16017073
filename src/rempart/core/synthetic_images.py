"""Harmless generated "photos": each seed gives a different scene (sky gradient, hills, shapes,
textures), with enough structure for PDQ and local features, and nothing from the real world.
The demo data, the tests and the benchmarks hash them.

Example::

    >>> make_photo(1).size
    (640, 480)
    >>> photo_bytes(1, (64, 48)).startswith(b"\\xff\\xd8")  # a JPEG
    True
"""

from __future__ import annotations

import io
import math
import random

import numpy as np
from PIL import Image, ImageDraw, ImageFilter


def make_photo(seed: int, size: tuple[int, int] = (640, 480)) -> Image.Image:
    """A deterministic, harmless, photo-like RGB image."""
    rng = random.Random(seed)
    nrng = np.random.default_rng(seed)
    w, h = size
    y = np.linspace(0, 1, h)[:, None, None]
    top = np.array([rng.randint(40, 140), rng.randint(90, 190), rng.randint(150, 255)])
    bottom = np.array([rng.randint(150, 255), rng.randint(120, 220), rng.randint(80, 200)])
    sky = (top * (1 - y) + bottom * y) * np.ones((1, w, 1))
    im = Image.fromarray(sky.astype(np.uint8), "RGB")
    d = ImageDraw.Draw(im)
    for layer in range(rng.randint(2, 4)):  # hills
        base = h * (0.45 + 0.15 * layer)
        pts: list[tuple[float, float]] = [(0, h)]
        phase, freq = rng.uniform(0, 6.28), rng.uniform(1.5, 5)
        for x in range(0, w + 16, 16):
            pts.append((x, base + h * 0.08 * math.sin(phase + freq * x / w) + rng.uniform(-6, 6)))
        pts.append((w, h))
        d.polygon(pts, fill=tuple(rng.randint(20, 160) for _ in range(3)))
    for _ in range(rng.randint(6, 14)):  # objects
        x0, y0 = rng.uniform(0, w), rng.uniform(0, h)
        r = rng.uniform(0.03, 0.15) * w
        color = tuple(rng.randint(0, 255) for _ in range(3))
        if rng.random() < 0.5:
            d.ellipse((x0 - r, y0 - r * rng.uniform(0.5, 1.5), x0 + r, y0 + r), fill=color)
        else:
            d.rectangle(
                (x0, y0, x0 + r * rng.uniform(0.3, 2), y0 + r * rng.uniform(0.3, 2)),
                fill=color,
                outline=tuple(rng.randint(0, 255) for _ in range(3)),
                width=rng.randint(1, 4),
            )
    for _ in range(rng.randint(10, 30)):  # branches, wires
        d.line(
            [(rng.uniform(0, w), rng.uniform(0, h)) for _ in range(rng.randint(2, 4))],
            fill=tuple(rng.randint(0, 255) for _ in range(3)),
            width=rng.randint(1, 3),
        )
    arr = np.asarray(im.filter(ImageFilter.GaussianBlur(0.8)), dtype=np.float32)
    grain = nrng.normal(0, 6, (h, w, 1)) + _blobs(nrng, h, w) * 25
    return Image.fromarray(np.clip(arr + grain, 0, 255).astype(np.uint8), "RGB")


def _blobs(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    small = rng.normal(0, 1, (max(2, h // 24), max(2, w // 24)))
    big = Image.fromarray(((small - small.min()) / (np.ptp(small) or 1) * 255).astype(np.uint8))
    return (
        np.asarray(big.resize((w, h), Image.Resampling.BICUBIC), np.float32)[:, :, None] / 255
    ) - 0.5


def photo_bytes(
    seed: int, size: tuple[int, int] = (640, 480), fmt: str = "JPEG", quality: int = 90
) -> bytes:
    """:func:`make_photo` encoded in ``fmt``."""
    buf = io.BytesIO()
    im = make_photo(seed, size)
    if fmt == "JPEG":
        im.save(buf, fmt, quality=quality)
    else:
        im.save(buf, fmt)
    return buf.getvalue()
