"""Multi-index hashing plans: how a segment cuts the 256 bits into chunks and how far to probe.

The hash is cut into ``m`` disjoint chunks of ``b`` bits (chunk ``c`` is bits ``[c*b, c*b+b)``,
bit 0 being the first bit of the hex string). A query of radius ``r`` probes chunk ``c`` with
every key within ``flips[c]`` bits of the query's key, where ``sum(flips[c] + 1) == r + 1``.
By pigeonhole, any hash within ``r`` bits differs from the query by at most ``flips[c]`` bits in
some chunk ``c``, so the search is exact; each chunk is a counting-sorted table (bucket offsets
plus a permutation of positions), never a hash map.

Example::

    >>> flips_for_radius(Plan(bits=16, chunks=16), 31)
    (1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1)
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

HASH_BITS = 256
MIN_BITS, MAX_BITS = 16, 22
# Bucket offsets may cost up to this many bytes per indexed hash (a floor of one 16-bit plan).
OFFSET_BYTES_PER_HASH = 12
# Segments smaller than this are scanned linearly: cheaper than 4 MB of bucket offsets.
SCAN_ONLY_BELOW = 32_768
# Above this many probed keys a query enumerates too much: scan instead.
MAX_PROBES = 200_000
DESIGN_RADIUS = 31


@dataclass(frozen=True, slots=True)
class Plan:
    """``chunks`` tables keyed by ``bits``-bit chunks of the hash."""

    bits: int
    chunks: int

    @property
    def offsets_len(self) -> int:
        """Length of one table's offsets array (one more than the number of buckets)."""
        return (1 << self.bits) + 1


def ball_size(bits: int, flips: int) -> int:
    """Number of ``bits``-bit keys within ``flips`` bit flips of a given key."""
    return sum(math.comb(bits, k) for k in range(max(flips, -1) + 1))


@lru_cache(maxsize=1024)
def flips_for_radius(plan: Plan, radius: int) -> tuple[int, ...]:
    """Per-chunk probe depth making a radius-``radius`` search exact (``-1``: skip the chunk)."""
    base, extra = divmod(radius + 1, plan.chunks)
    return tuple(base - 1 + (1 if c < extra else 0) for c in range(plan.chunks))


def probe_count(plan: Plan, flips: tuple[int, ...]) -> int:
    """Keys probed by a query with these per-chunk depths."""
    return sum(ball_size(plan.bits, a) for a in flips)


@lru_cache(maxsize=1024)
def should_scan(plan: Plan, flips: tuple[int, ...]) -> bool:
    """True when the probes would touch more than a quarter of a uniform segment."""
    probes = probe_count(plan, flips)
    return probes > MAX_PROBES or probes * 4 > (1 << plan.bits)


def choose_plan(n: int) -> Plan | None:
    """The cheapest plan for ``n`` hashes within the offsets memory budget; None: scan only."""
    if n < SCAN_ONLY_BELOW:
        return None
    best: tuple[float, Plan] | None = None
    for bits in range(MIN_BITS, MAX_BITS + 1):
        plan = Plan(bits, HASH_BITS // bits)
        offsets_bytes = plan.chunks * plan.offsets_len * 4
        if bits > MIN_BITS and offsets_bytes > OFFSET_BYTES_PER_HASH * n:
            continue
        probes = probe_count(plan, flips_for_radius(plan, DESIGN_RADIUS))
        # One probe costs about one candidate: both are a cache miss.
        cost = probes + n * probes / (1 << bits)
        if best is None or cost < best[0]:
            best = (cost, plan)
    return best[1] if best else None


@lru_cache(maxsize=64)
def flip_masks(bits: int, flips: int) -> NDArray[np.uint32]:
    """XOR masks of every key within ``flips`` flips (the zero mask first)."""
    masks = [0]
    for k in range(1, flips + 1):
        for combo in itertools.combinations(range(bits), k):
            masks.append(sum(1 << i for i in combo))
    out = np.array(masks, dtype=np.uint32)
    out.setflags(write=False)
    return out


def chunk_keys(hashes: NDArray[np.uint8], start: int, bits: int) -> NDArray[np.uint32]:
    """Key of bits ``[start, start+bits)`` of each hash (bit 0 = most significant of byte 0)."""
    first, last = start // 8, (start + bits - 1) // 8
    acc = np.zeros(hashes.shape[0], dtype=np.uint64)
    for byte in range(first, last + 1):
        acc = (acc << np.uint64(8)) | hashes[:, byte].astype(np.uint64)
    shift = (last + 1) * 8 - (start + bits)
    mask = np.uint64((1 << bits) - 1)
    return ((acc >> np.uint64(shift)) & mask).astype(np.uint32)
