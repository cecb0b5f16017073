"""One immutable block of the index: hashes sorted by id, tombstones, multi-index tables.

A segment's arrays never change after build except ``alive`` (tombstones written in place by
the single writer; a byte store is atomic, so readers see an entry either alive or removed).
Every query runs through the native kernel when present, else through numpy; both give the
same answer.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from types import ModuleType
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from rempart.core.index.brute import hamming_distances
from rempart.core.index.plan import Plan, choose_plan, chunk_keys, flip_masks, flips_for_radius
from rempart.core.index.plan import should_scan as plan_should_scan

Positions = NDArray[np.uint32]
Distances = NDArray[np.uint8]
_EMPTY = (np.zeros(0, dtype=np.uint32), np.zeros(0, dtype=np.uint8))
_FIRST_CAPACITY = 256


@dataclass(eq=False)
class Segment:
    """``n`` hashes sorted by id, with ``plan`` tables (``plan is None``: scanned linearly)."""

    ids: NDArray[np.int64]
    hashes: NDArray[np.uint8]
    alive: NDArray[np.uint8]
    plan: Plan | None
    perm: NDArray[np.uint8]  # (chunks, n * perm_width(n)): positions, little-endian
    offsets: NDArray[np.uint32]  # (chunks, 2**bits + 1)
    live: int = field(default=0)

    @property
    def n(self) -> int:
        """Number of stored hashes, removed ones included."""
        return int(self.ids.shape[0])

    @property
    def nbytes(self) -> int:
        """Bytes held by the segment's arrays."""
        arrays = (self.ids, self.hashes, self.alive, self.perm, self.offsets)
        return sum(int(a.nbytes) for a in arrays)

    @classmethod
    def build(
        cls,
        ids: NDArray[np.int64],
        hashes: NDArray[np.uint8],
        kernel: ModuleType | None,
        workers: int = 1,
        plan: Plan | Literal["auto"] | None = "auto",
    ) -> Segment:
        """Sort ``(ids, hashes)`` by id and build the tables of ``plan`` (by default the one
        chosen for their size)."""
        if ids.size > 1 and bool(np.any(ids[1:] < ids[:-1])):
            order = np.argsort(ids, kind="stable")
            ids, hashes = ids[order], hashes[order]
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        hashes = np.ascontiguousarray(hashes, dtype=np.uint8)
        n = ids.shape[0]
        if plan == "auto":
            plan = choose_plan(n)
        chunks = plan.chunks if plan else 0
        width = perm_width(n)
        perm = np.empty((chunks, n * width), dtype=np.uint8)
        offsets = np.empty((chunks, plan.offsets_len if plan else 0), dtype=np.uint32)
        if plan:
            bits = plan.bits

            def one(c: int) -> None:
                _build_table(hashes, c * bits, bits, perm[c], offsets[c], kernel)

            if workers > 1:
                with ThreadPoolExecutor(workers) as pool:
                    list(pool.map(one, range(chunks)))
            else:
                for c in range(chunks):
                    one(c)
        alive = np.ones(n, dtype=np.uint8)
        return cls(ids, hashes, alive, plan, perm, offsets, live=n)

    def live_arrays(self) -> tuple[NDArray[np.int64], NDArray[np.uint8]]:
        """The ids and hashes not removed."""
        keep = self.alive.astype(bool)
        return self.ids[keep], self.hashes[keep]

    def remove(self, ids: NDArray[np.int64]) -> int:
        """Tombstone every hash of these ids (sorted, unique); return how many were alive."""
        lo = np.searchsorted(self.ids, ids, side="left")
        hi = np.searchsorted(self.ids, ids, side="right")
        removed = 0
        for a, b in zip(lo[hi > lo].tolist(), hi[hi > lo].tolist(), strict=True):
            removed += int(self.alive[a:b].sum())
            self.alive[a:b] = 0
        self.live -= removed
        return removed

    def query(
        self, query: NDArray[np.uint8], radius: int, kernel: ModuleType | None,
        nogil: bool = False,
    ) -> tuple[Positions, Distances]:
        """Positions and distances of the live hashes within ``radius`` of ``query``;
        ``nogil``: the kernel lets other threads run meanwhile (queries side by side)."""
        if self.live == 0 or radius < 0:
            return _EMPTY
        plan = self.plan
        if plan is not None:
            flips = flips_for_radius(plan, radius)
            if not plan_should_scan(plan, flips):
                got = self._probe(query, radius, flips, kernel, nogil)
                if got is not None:
                    return got
        return self.scan(query, radius, kernel)

    def scan(
        self, query: NDArray[np.uint8], radius: int, kernel: ModuleType | None
    ) -> tuple[Positions, Distances]:
        """Linear search over the whole segment."""
        if kernel is None:
            d = hamming_distances(self.hashes, query)
            pos = np.flatnonzero((d <= radius) & self.alive.astype(bool)).astype(np.uint32)
            return pos, d[pos].astype(np.uint8)
        got = _call_growing(
            lambda op, od: int(kernel.scan(self.hashes, self.alive, self.n, query, radius, op, od))
        )
        assert got is not None  # a scan never gives up
        return got

    def _max_candidates(self) -> int:
        # Past a quarter of the segment, random access costs more than a sequential scan.
        return self.n // 4 + 1024

    def _probe(
        self,
        query: NDArray[np.uint8],
        radius: int,
        flips: tuple[int, ...],
        kernel: ModuleType | None,
        nogil: bool = False,
    ) -> tuple[Positions, Distances] | None:
        plan = self.plan
        assert plan is not None
        if kernel is not None:
            fl = np.array(flips, dtype=np.int8).tobytes()
            limit = self._max_candidates()
            query_fn = kernel.query_nogil if nogil and hasattr(kernel, "query_nogil") \
                else kernel.query
            return _call_growing(
                lambda op, od: int(
                    query_fn(
                        self.hashes,
                        self.alive,
                        self.perm,
                        self.offsets,
                        self.n,
                        plan.bits,
                        perm_width(self.n),
                        fl,
                        query,
                        radius,
                        limit,
                        op,
                        od,
                    )
                )
            )
        return self._probe_numpy(query, radius, flips)

    def _probe_numpy(
        self, query: NDArray[np.uint8], radius: int, flips: tuple[int, ...]
    ) -> tuple[Positions, Distances] | None:
        plan = self.plan
        assert plan is not None
        q = query[None, :]
        found: list[NDArray[np.uint32]] = []
        examined = 0
        for c, a in enumerate(flips):
            if a < 0:
                continue
            key = chunk_keys(q, c * plan.bits, plan.bits)[0]
            keys = key ^ flip_masks(plan.bits, a)
            starts = self.offsets[c][keys].astype(np.int64)
            lens = self.offsets[c][keys + 1].astype(np.int64) - starts
            total = int(lens.sum())
            examined += total
            if examined > self._max_candidates():
                return None
            if total:
                first_out = np.cumsum(lens) - lens
                idx = np.arange(total) + np.repeat(starts - first_out, lens)
                found.append(unpack_positions(self.perm[c], idx, perm_width(self.n)))
        if not found:
            return _EMPTY
        cand = np.unique(np.concatenate(found))
        d = hamming_distances(self.hashes[cand], query)
        keep = (d <= radius) & self.alive[cand].astype(bool)
        return cand[keep], d[keep].astype(np.uint8)


def perm_width(n: int) -> int:
    """Bytes per stored table position in a segment of ``n`` rows: 3 below 2**24, else 4."""
    return 3 if n <= 1 << 24 else 4


def pack_positions(positions: NDArray[np.integer], width: int) -> NDArray[np.uint8]:
    """Positions as ``width`` little-endian bytes each, concatenated."""
    raw = np.ascontiguousarray(positions, dtype="<u4").view(np.uint8).reshape(-1, 4)
    return np.ascontiguousarray(raw[:, :width]).reshape(-1)


def unpack_positions(
    packed: NDArray[np.uint8], idx: NDArray[np.integer], width: int
) -> NDArray[np.uint32]:
    """The positions stored at slots ``idx`` of a packed table."""
    rows = packed.reshape(-1, width)[idx].astype(np.uint32)
    out = rows[:, 0] | (rows[:, 1] << 8) | (rows[:, 2] << 16)
    if width == 4:
        out |= rows[:, 3] << 24
    return np.asarray(out, dtype=np.uint32)


def _build_table(
    hashes: NDArray[np.uint8],
    start: int,
    bits: int,
    perm: NDArray[np.uint8],
    offsets: NDArray[np.uint32],
    kernel: ModuleType | None,
) -> None:
    n = hashes.shape[0]
    width = perm_width(n)
    if kernel is not None:
        kernel.build_table(hashes, n, start, bits, width, perm, offsets)
        return
    keys = chunk_keys(hashes, start, bits)
    perm[:] = pack_positions(np.argsort(keys, kind="stable"), width)
    counts = np.bincount(keys, minlength=1 << bits)
    offsets[0] = 0
    offsets[1:] = np.cumsum(counts)


def _call_growing(
    fn: Callable[[Positions, Distances], int],
) -> tuple[Positions, Distances] | None:
    """Run a kernel call writing into output buffers, growing them when it reports more.

    None when the kernel gave up (too many candidates).
    """
    cap = _FIRST_CAPACITY
    while True:
        op = np.empty(cap, dtype=np.uint32)
        od = np.empty(cap, dtype=np.uint8)
        count = fn(op, od)
        if count < 0:
            return None
        if count <= cap:
            return op[:count], od[:count]
        cap = count
