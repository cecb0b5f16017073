"""Hash generators and the real-hash corpus for the index tests."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from numpy.typing import NDArray


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
    """The real PDQ hashes of the shared corpus (``REMPART_CORPUS``), or None when absent."""
    from rempart.bench.index import DEFAULT_CORPUS
    from rempart.bench.index import corpus_hashes as read_corpus

    return read_corpus(Path(os.environ.get("REMPART_CORPUS", DEFAULT_CORPUS)))
