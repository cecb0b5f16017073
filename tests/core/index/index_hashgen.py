"""Hash generators and the real-hash corpus for the index tests."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

CORPUS_MANIFEST = (
    Path(
        os.environ.get(
            "REMPART_CORPUS", Path(__file__).resolve().parents[3] / ".." / "shared" / "corpus"
        )
    )
    / "manifest.jsonl"
)


def random_hashes(rng: np.random.Generator, n: int) -> NDArray[np.uint8]:
    """Uniform random 256-bit hashes."""
    return rng.integers(0, 256, size=(n, 32), dtype=np.uint8)


def flip_bits(rng: np.random.Generator, h: NDArray[np.uint8], k: int) -> NDArray[np.uint8]:
    """A copy of ``h`` with exactly ``k`` distinct bits flipped."""
    out = h.copy()
    for bit in rng.choice(256, size=k, replace=False):
        out[bit // 8] ^= np.uint8(1 << (bit % 8))
    return out


def near_duplicates(
    rng: np.random.Generator, centers: NDArray[np.uint8], per_center: int, max_flips: int
) -> NDArray[np.uint8]:
    """``per_center`` copies of each center with 0..max_flips bits flipped."""
    rows = [
        flip_bits(rng, c, int(rng.integers(0, max_flips + 1)))
        for c in centers
        for _ in range(per_center)
    ]
    return np.array(rows, dtype=np.uint8).reshape(-1, 32)


def corpus_hashes() -> NDArray[np.uint8] | None:
    """The real PDQ hashes of the shared corpus, or None when it is absent."""
    if not CORPUS_MANIFEST.is_file():
        return None
    hexes = []
    for line in CORPUS_MANIFEST.read_text().splitlines():
        pdq = json.loads(line).get("pdq") if line.strip() else None
        if isinstance(pdq, str) and len(pdq) == 64:
            hexes.append(pdq)
    from rempart.core.index import hex_to_hashes

    return hex_to_hashes(hexes) if hexes else None
