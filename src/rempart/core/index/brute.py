"""Brute-force radius search: the oracle every fast index is tested against.

Example::

    >>> import numpy as np
    >>> h = np.zeros((2, 32), dtype=np.uint8); h[1, 0] = 0b111
    >>> radius_search(np.array([7, 8]), h, h[0], 3)
    [(7, 0), (8, 3)]
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

_POPCOUNT8 = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)


def hamming_distances(hashes: NDArray[np.uint8], query: NDArray[np.uint8]) -> NDArray[np.int32]:
    """Hamming distance from ``query`` (``uint8[32]``) to each row of ``hashes``."""
    if hashes.shape[0] == 0:
        return np.zeros(0, dtype=np.int32)
    xor = np.bitwise_xor(hashes, query[None, :])
    if hasattr(np, "bitwise_count"):  # numpy >= 2.0
        words = np.ascontiguousarray(xor).view(np.uint64)
        counts: NDArray[np.int32] = np.bitwise_count(words).sum(axis=1, dtype=np.int32)
        return counts
    table_counts: NDArray[np.int32] = _POPCOUNT8[xor].sum(axis=1, dtype=np.int32)
    return table_counts


def radius_search(
    ids: NDArray[np.int64], hashes: NDArray[np.uint8], query: NDArray[np.uint8], radius: int
) -> list[tuple[int, int]]:
    """Every ``(id, distance)`` with distance ≤ radius, one per id (its smallest distance),
    sorted by distance then id."""
    d = hamming_distances(hashes, query)
    sel = d <= radius
    return group_matches(np.asarray(ids, dtype=np.int64)[sel], d[sel])


def group_matches(ids: NDArray[np.int64], dists: NDArray[np.integer]) -> list[tuple[int, int]]:
    """Keep each id once with its smallest distance; sort by (distance, id)."""
    if ids.size == 0:
        return []
    if ids.size > 1:
        order = np.lexsort((dists, ids))
        ids, dists = ids[order], dists[order]
        first = np.ones(ids.size, dtype=bool)
        first[1:] = ids[1:] != ids[:-1]
        ids, dists = ids[first], dists[first]
        order = np.lexsort((ids, dists))
        ids, dists = ids[order], dists[order]
    return list(zip(ids.tolist(), np.asarray(dists, dtype=np.int64).tolist(), strict=True))
