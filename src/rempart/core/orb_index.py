"""Find which banked references an image's local features point to, then verify them.

Retrieval pools every reference's descriptors; each probe descriptor votes for the references
owning its nearest pooled descriptors; the best-voted few are verified geometrically and by
region PDQ (:func:`rempart.core.signals.orb_verify.verify`).

Example::

    >>> import numpy as np
    >>> from rempart.core.signals.orb import probe_features, reference_features
    >>> import cv2
    >>> noise = np.random.default_rng(1).random((240, 320)) * 255
    >>> img = cv2.GaussianBlur(noise, (0, 0), 2).astype(np.uint8)
    >>> idx = OrbIndex(); idx.add(7, reference_features(img))
    >>> [i for i, _ in idx.query(probe_features(img[10:, 20:]))]
    [7]
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from rempart.core.signals.orb import OrbProbe, OrbReference
from rempart.core.signals.orb_verify import RATIO, OrbMatch, geometry, verify_pairs
from rempart.core.signals.pdq import DEFAULT_THRESHOLD

MAX_CANDIDATES = 4
MIN_VOTES = 3
VOTE_DISTANCE = 64  # putative correspondences kept for RANSAC
VOTE_NEAREST = 48  # a probe descriptor votes when its nearest neighbour is this close
RETRIEVAL_FEATURES = 600  # spatially balanced prefix of the probe's features
CHUNKS = 16  # 16-bit chunks of the 256-bit descriptor, one lookup table each
MAX_BUCKET = 50  # a chunk value shared by more pooled descriptors than this says little


@dataclass(frozen=True)
class _Packed:
    pool: NDArray[np.uint64]  # (n, 4)
    owners: NDArray[np.int64]  # (n,)
    order: NDArray[np.int64]  # (CHUNKS, n) pool rows sorted by each chunk
    offsets: NDArray[np.int64]  # (CHUNKS, 65537): where each chunk value's rows begin in order
    starts: dict[int, int]  # first pool row of each reference


def _pack(refs: dict[int, OrbReference]) -> _Packed:
    ids = list(refs)
    des = [refs[i].descriptors for i in ids]
    pool = np.ascontiguousarray(np.concatenate(des)) if des else np.zeros((0, 32), np.uint8)
    owners = (
        np.concatenate([np.full(len(d), i, np.int64) for i, d in zip(ids, des, strict=True)])
        if des
        else np.zeros(0, np.int64)
    )
    chunks = pool.view(np.uint16).T  # (CHUNKS, n)
    order = np.argsort(chunks, axis=1, kind="stable")
    offsets = np.zeros((CHUNKS, 65537), np.int64)
    for t in range(CHUNKS):
        offsets[t, 1:] = np.cumsum(np.bincount(chunks[t], minlength=65536))
    starts = dict(zip(ids, np.cumsum([0] + [len(d) for d in des])[:-1].tolist(), strict=True))
    return _Packed(pool.view(np.uint64).reshape(-1, 4), owners, order, offsets, starts)


class OrbIndex:
    """References by integer id; add and remove are cheap, the lookup tables are re-packed lazily.

    Retrieval is locality-sensitive hashing on 16-bit chunks of the descriptors: a probe
    descriptor looks up the pooled descriptors that share one of its chunks exactly, keeps those
    within ``VOTE_DISTANCE`` bits, and votes for their images.
    """

    def __init__(self) -> None:
        self._refs: dict[int, OrbReference] = {}
        self._lock = threading.Lock()
        self._packed: _Packed | None = None

    def __len__(self) -> int:
        return len(self._refs)

    def add(self, ref_id: int, ref: OrbReference) -> None:
        """Add or replace a reference."""
        with self._lock:
            self._refs[ref_id] = ref
            self._packed = None

    def remove(self, ref_id: int) -> None:
        """Forget a reference (no-op when absent)."""
        with self._lock:
            if self._refs.pop(ref_id, None) is not None:
                self._packed = None

    def _tables(self) -> _Packed:
        with self._lock:
            if self._packed is None:
                self._packed = _pack(self._refs)
            return self._packed

    def candidates(self, probe: OrbProbe) -> dict[int, tuple[NDArray[np.int64], NDArray[np.int64]]]:
        """Best-voted references and, for each, putative (probe index, reference index) pairs."""
        packed = self._tables()
        n_pool = len(packed.owners)
        query = np.ascontiguousarray(probe.descriptors[:RETRIEVAL_FEATURES])
        if n_pool == 0 or len(query) == 0:
            return {}
        qchunks = query.view(np.uint16)  # (m, CHUNKS)
        q_rows: list[NDArray[np.int64]] = []
        p_rows: list[NDArray[np.int64]] = []
        for t in range(CHUNKS):
            lo = packed.offsets[t, qchunks[:, t]]
            hi = packed.offsets[t, qchunks[:, t].astype(np.int64) + 1]
            counts = hi - lo
            counts[counts > MAX_BUCKET] = 0
            total = int(counts.sum())
            if total == 0:
                continue
            starts = np.repeat(lo - np.cumsum(counts) + counts, counts)
            q_rows.append(np.repeat(np.arange(len(query)), counts))
            p_rows.append(packed.order[t][np.arange(total) + starts])
        if not q_rows:
            return {}
        qi, pi = np.concatenate(q_rows), np.concatenate(p_rows)
        q64 = query.view(np.uint64).reshape(-1, 4)
        dist = np.bitwise_count(q64[qi] ^ packed.pool[pi]).sum(axis=1)
        keep = dist <= VOTE_DISTANCE  # filter first: most candidate pairs are far apart
        pair = np.unique(qi[keep] * n_pool + pi[keep])  # one pair may come from several tables
        qi, pi = pair // n_pool, pair % n_pool
        dist = np.bitwise_count(q64[qi] ^ packed.pool[pi]).sum(axis=1)
        owner = packed.owners[pi]
        # One correspondence per (reference, probe descriptor): the closest.
        order = np.lexsort((dist, qi, owner))
        qi, pi, owner = qi[order], pi[order], owner[order]
        dist = dist[order]
        first = np.ones(len(qi), bool)
        first[1:] = (owner[1:] != owner[:-1]) | (qi[1:] != qi[:-1])
        # Lowe's ratio test within each reference, when a second neighbour was found.
        second = np.full(len(qi), 1 << 20, np.int64)
        has_second = np.zeros(len(qi), bool)
        has_second[:-1] = first[:-1] & ~first[1:]
        second[np.flatnonzero(has_second)] = dist[np.flatnonzero(has_second) + 1]
        distinct = dist < RATIO * second
        qi, pi, owner, dist = qi[first], pi[first], owner[first], dist[first]
        distinct = distinct[first]
        if len(qi) == 0:
            return {}
        # Votes: each probe descriptor votes for the reference owning its nearest neighbour,
        # when that neighbour is close, so that texture-rich references do not win by numbers.
        d_kept = dist
        by_probe = np.lexsort((d_kept, qi))
        lead = np.ones(len(by_probe), bool)
        lead[1:] = qi[by_probe][1:] != qi[by_probe][:-1]
        voters = by_probe[lead & (d_kept[by_probe] <= VOTE_NEAREST)]
        ids, counts = np.unique(owner[voters], return_counts=True)
        if len(ids) == 0:
            return {}
        top = int(counts.max())
        best = [
            i
            for i in np.argsort(-counts, kind="stable")[:MAX_CANDIDATES]
            if counts[i] >= max(MIN_VOTES, top // 5)
        ]
        out: dict[int, tuple[NDArray[np.int64], NDArray[np.int64]]] = {}
        for i in best:
            ref_id = int(ids[i])
            rows = (owner == ref_id) & distinct
            out[ref_id] = (qi[rows], pi[rows] - packed.starts[ref_id])
        return out

    def geometries(
        self, probe: OrbProbe, min_inliers: int
    ) -> list[tuple[int, OrbReference, NDArray[np.float64], int]]:
        """(reference id, reference, probe → reference transform, inliers) of the best-voted
        references with at least ``min_inliers``
        (:func:`~rempart.core.signals.orb_verify.geometry`), most inliers first."""
        out = []
        for ref_id, (probe_idx, ref_idx) in self.candidates(probe).items():
            ref = self._refs.get(ref_id)
            found = geometry(probe, ref, probe_idx, ref_idx) if ref is not None else None
            if ref is not None and found is not None and found[1] >= min_inliers:
                out.append((ref_id, ref, found[0], found[1]))
        return sorted(out, key=lambda g: -g[3])

    def query(
        self, probe: OrbProbe, *, threshold: int = DEFAULT_THRESHOLD, mirror: bool = True,
        key_frames: bool = True,
    ) -> list[tuple[int, OrbMatch]]:
        """Verified matches for ``probe`` (and its ``toned`` probe, for a dim picture):
        (reference id, match), best first; without ``key_frames``, videos' key frames are left
        out (a still at another moment of a fixed camera's video shares their background and
        their regions)."""
        found: dict[int, OrbMatch] = {}
        sources = [p for p in (probe, probe.toned) if p is not None]
        for flip in (False, True) if mirror else (False,):
            for source in sources:
                p = source.flipped() if flip else source
                for ref_id, (probe_idx, ref_idx) in self.candidates(p).items():
                    ref = self._refs.get(ref_id)
                    if ref is None or ref_id in found or (ref.key_frame and not key_frames):
                        continue
                    match = verify_pairs(p, ref, probe_idx, ref_idx, threshold=threshold)
                    if match is not None:
                        found[ref_id] = match
            if found:
                break
        return sorted(found.items(), key=lambda kv: (kv[1].distance, -kv[1].inliers))
