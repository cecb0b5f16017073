"""The index agrees with the brute-force oracle on random, clustered and real PDQ hashes."""

from __future__ import annotations

import numpy as np
import pytest
from index_hashgen import (
    corpus_hashes,
    flip_bits,
    near_duplicates,
    random_hashes,
)
from numpy.typing import NDArray

from rempart.core.index import PdqIndex, hamming_distances, radius_search
from rempart.core.index.brute import group_matches
from rempart.core.index.native import load_kernel
from rempart.core.index.plan import Plan, choose_plan, flips_for_radius
from rempart.core.index.segment import Segment

RADII = (0, 1, 15, 30, 31, 32, 45, 64, 256)


def queries_around(
    rng: np.random.Generator, stored: NDArray[np.uint8], count: int, max_flips: int = 45
) -> NDArray[np.uint8]:
    """Stored hashes with 0..max_flips bits flipped, plus a few random hashes."""
    picked = stored[rng.integers(0, stored.shape[0], count)]
    near = [flip_bits(rng, h, int(rng.integers(0, max_flips + 1))) for h in picked]
    return np.vstack([np.array(near), random_hashes(rng, 5)])


def assert_agrees(
    index: PdqIndex,
    ids: NDArray[np.int64],
    hashes: NDArray[np.uint8],
    queries: NDArray[np.uint8],
    radii: tuple[int, ...] = RADII,
) -> None:
    distances = [hamming_distances(hashes, q) for q in queries]
    for r in radii:
        batch = index.query_batch(queries, r)
        for q, d, got in zip(queries, distances, batch, strict=True):
            expected = group_matches(ids[d <= r], d[d <= r])
            assert got == expected, f"radius {r}"
            assert index.query(q, r) == expected


def test_random_hashes(native: bool) -> None:
    rng = np.random.default_rng(1)
    hashes = random_hashes(rng, 8_000)
    ids = rng.permutation(8_000).astype(np.int64)
    index = PdqIndex.from_arrays(ids, hashes, native=native)
    assert index.segments[0].plan is not None  # the multi-index path, not a scan
    assert_agrees(index, ids, hashes, queries_around(rng, hashes, 40))


def test_clustered_near_duplicates(native: bool) -> None:
    rng = np.random.default_rng(2)
    centers = random_hashes(rng, 40)
    hashes = np.vstack([near_duplicates(rng, centers, 150, 40), random_hashes(rng, 4_000)])
    ids = np.arange(hashes.shape[0], dtype=np.int64)
    index = PdqIndex.from_arrays(ids, hashes, native=native)
    assert_agrees(index, ids, hashes, queries_around(rng, centers, 30, 40))


def test_skewed_buckets_fall_back_exactly(native: bool) -> None:
    # A third of the hashes share their first 8 bytes: huge buckets in the first tables.
    rng = np.random.default_rng(3)
    hashes = random_hashes(rng, 9_000)
    hashes[:3_000, :8] = hashes[0, :8]
    ids = np.arange(hashes.shape[0], dtype=np.int64)
    index = PdqIndex.from_arrays(ids, hashes, native=native)
    assert_agrees(index, ids, hashes, queries_around(rng, hashes[:3_000], 15), (31, 40))


def test_real_pdq_hashes_from_generated_images(native: bool) -> None:
    pdqhash = pytest.importorskip("pdqhash")
    rng = np.random.default_rng(4)
    real = []
    for i in range(24):
        y, x = np.mgrid[0:96, 0:96]
        base = np.sin(x / (3 + i) + rng.random() * 6) * np.cos(y / (5 + i % 7)) * 100 + 128
        img = np.stack([base, base.T, np.roll(base, i, axis=0)], axis=-1)
        for noise in (0, 8, 30):  # the same picture, a bit noisier each time
            noisy = np.clip(img + rng.normal(0, noise + 1e-9, img.shape), 0, 255).astype(np.uint8)
            bits, _quality = pdqhash.compute(noisy)
            real.append(np.packbits(bits.astype(np.uint8)))
    real_arr = np.array(real, dtype=np.uint8)
    near = near_duplicates(rng, real_arr, 40, 40)
    hashes = np.vstack([real_arr, near, random_hashes(rng, 5_000)])
    ids = np.arange(hashes.shape[0], dtype=np.int64)
    index = PdqIndex.from_arrays(ids, hashes, native=native)
    assert_agrees(index, ids, hashes, np.vstack([real_arr, queries_around(rng, real_arr, 20)]))


def test_corpus_pdq_hashes(native: bool) -> None:
    real = corpus_hashes()
    if real is None:
        pytest.skip("shared corpus manifest absent")
    rng = np.random.default_rng(5)
    hashes = np.vstack([real, near_duplicates(rng, real, 100, 40), random_hashes(rng, 5_000)])
    ids = rng.integers(0, 20_000, hashes.shape[0]).astype(np.int64)  # some ids repeat
    index = PdqIndex.from_arrays(ids, hashes, native=native)
    assert_agrees(
        index, ids, hashes, np.vstack([real, queries_around(rng, real, 40)]), (0, 31, 32, 63)
    )


@pytest.mark.parametrize("bits", [16, 17, 19, 21, 22])
def test_every_plan_shape(native: bool, bits: int) -> None:
    kernel = load_kernel(native)
    rng = np.random.default_rng(bits)
    near = near_duplicates(rng, random_hashes(rng, 10), 50, 40)
    hashes = np.vstack([random_hashes(rng, 3_000), near])
    ids = np.arange(hashes.shape[0], dtype=np.int64)
    seg = Segment.build(ids, hashes, kernel, plan=Plan(bits, 256 // bits))
    for q in queries_around(rng, hashes, 15):
        for r in (0, 7, 31, 33):
            pos, d = seg.query(q, r, kernel)
            got = sorted(zip(seg.ids[pos].tolist(), d.tolist(), strict=True))
            assert got == sorted(radius_search(ids, hashes, q, r))


def test_inclusive_radius(native: bool) -> None:
    rng = np.random.default_rng(6)
    q = random_hashes(rng, 1)[0]
    at = [flip_bits(rng, q, k) for k in (30, 31, 32)]
    filler = random_hashes(rng, 5_000)
    index = PdqIndex.from_arrays(np.arange(5_003), np.vstack([np.array(at), filler]), native=native)
    assert index.query(q, 31) == [(0, 30), (1, 31)]
    assert index.query(q, 32) == [(0, 30), (1, 31), (2, 32)]
    assert index.query(q, 30) == [(0, 30)]


def test_plans_keep_probe_counts_exact() -> None:
    for n in (40_000, 1_000_000, 10_000_000, 40_000_000):
        plan = choose_plan(n)
        assert plan is not None and plan.bits * plan.chunks <= 256
        for r in range(0, 64):
            assert sum(a + 1 for a in flips_for_radius(plan, r)) == r + 1
