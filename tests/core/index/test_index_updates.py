"""Incremental adds and removals, duplicate ids, the empty index, concurrent readers."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from index_hashgen import flip_bits, random_hashes

from rempart.core.index import PdqIndex, radius_search


def test_empty_index(native: bool) -> None:
    index = PdqIndex(native=native)
    assert len(index) == 0
    assert index.query(bytes(32)) == []
    assert index.query_batch(np.zeros((3, 32), dtype=np.uint8)) == [[], [], []]
    assert index.query_batch(np.zeros((0, 32), dtype=np.uint8)) == []
    assert index.remove([1, 2]) == 0
    index.add(np.zeros(0, dtype=np.int64), np.zeros((0, 32), dtype=np.uint8))
    assert len(index) == 0


def test_add_and_remove_match_a_model(native: bool) -> None:
    """Random adds and removals, small and large, checked against the oracle after each step."""
    rng = np.random.default_rng(10)
    centers = random_hashes(rng, 30)
    index = PdqIndex(native=native)
    model: dict[int, list[np.ndarray]] = {}
    next_id = 0
    for step in range(40):
        if step % 4 == 3 and model:
            victims = rng.choice(
                list(model), size=min(len(model), int(rng.integers(1, 900))), replace=False
            )
            expected_removed = sum(len(model.pop(int(v))) for v in victims)
            assert index.remove(victims) == expected_removed
        else:
            k = int(rng.choice([1, 7, 300, 2_500]))
            rows = np.array(
                [
                    flip_bits(rng, centers[int(rng.integers(30))], int(rng.integers(0, 40)))
                    for _ in range(k)
                ]
            )
            ids = np.arange(next_id, next_id + k)
            next_id += k
            index.add(ids, rows)
            for i, h in zip(ids.tolist(), rows, strict=True):
                model.setdefault(i, []).append(h)
        all_ids = np.array([i for i, hs in model.items() for _ in hs], dtype=np.int64)
        all_h = np.array([h for hs in model.values() for h in hs]).reshape(-1, 32)
        assert len(index) == all_ids.size
        for q in centers[:4]:
            assert index.query(q, 31) == radius_search(all_ids, all_h, q, 31)
    assert len(index.segments) <= 8  # merges keep the segment count logarithmic


def test_small_add_does_not_rebuild_big_segment(native: bool) -> None:
    rng = np.random.default_rng(11)
    index = PdqIndex.from_arrays(np.arange(20_000), random_hashes(rng, 20_000), native=native)
    big = index.segments[0]
    for i in range(600):  # more than the delta holds: it becomes a small segment
        index.add([100_000 + i], random_hashes(rng, 1))
    assert index.segments[0] is big
    index.remove([5])
    assert index.segments[0] is big
    assert index.query(big.hashes[5], 0) == []


def test_removal_is_immediate(native: bool) -> None:
    rng = np.random.default_rng(12)
    hashes = random_hashes(rng, 5_000)
    index = PdqIndex.from_arrays(np.arange(5_000), hashes, native=native)
    index.add([9_999], hashes[:1])  # same hash, second id, in the delta
    assert index.query(hashes[0], 0) == [(0, 0), (9_999, 0)]
    assert index.remove([0, 9_999, 123_456]) == 2
    assert index.query(hashes[0], 0) == []
    assert len(index) == 4_999


def test_duplicate_ids_report_smallest_distance_once(native: bool) -> None:
    rng = np.random.default_rng(13)
    q = random_hashes(rng, 1)[0]
    rows = np.array([flip_bits(rng, q, 9), flip_bits(rng, q, 2), flip_bits(rng, q, 20)])
    index = PdqIndex.from_arrays(np.array([5, 5, 6]), rows, native=native)
    index.add([5], flip_bits(rng, q, 1)[None, :])
    assert index.query(q, 31) == [(5, 1), (6, 20)]
    assert len(index) == 4
    assert index.remove([5]) == 3
    assert index.query(q, 31) == [(6, 20)]


def test_removing_most_entries_compacts(native: bool) -> None:
    rng = np.random.default_rng(14)
    hashes = random_hashes(rng, 6_000)
    index = PdqIndex.from_arrays(np.arange(6_000), hashes, native=native)
    index.remove(np.arange(4_000))
    assert sum(s.n for s in index.segments) == 2_000
    assert index.query(hashes[4_500], 0) == [(4_500, 0)]
    assert index.query(hashes[10], 0) == []


def test_bad_arguments() -> None:
    index = PdqIndex()
    with pytest.raises(ValueError):
        index.add([1, 2], np.zeros((1, 32), dtype=np.uint8))
    with pytest.raises(ValueError):
        index.add([1], np.zeros((1, 31), dtype=np.uint8))
    with pytest.raises(ValueError):
        index.add(np.array([1.5]), np.zeros((1, 32), dtype=np.uint8))
    with pytest.raises(ValueError):
        index.query(bytes(31))
    with pytest.raises(ValueError):
        index.query(bytes(32), radius=-1)
    with pytest.raises(ValueError):
        index.query(bytes(32), radius=257)


def test_query_accepts_hex_bytes_and_arrays() -> None:
    index = PdqIndex.from_arrays(np.array([3]), np.full((1, 32), 0xAB, dtype=np.uint8))
    assert index.query("ab" * 32, 0) == [(3, 0)]
    assert index.query(bytes([0xAB] * 32), 0) == [(3, 0)]
    assert index.query(np.full(32, 0xAB, dtype=np.uint8), 0) == [(3, 0)]


def test_concurrent_readers_with_one_writer(native: bool) -> None:
    """Stable entries are always found while another thread adds and removes others."""
    rng = np.random.default_rng(15)
    stable = random_hashes(rng, 3_000)
    index = PdqIndex.from_arrays(np.arange(3_000), stable, native=native)
    churn = random_hashes(rng, 4_000)
    errors: list[str] = []
    stop = threading.Event()

    def writer() -> None:
        for i in range(0, 4_000, 100):
            index.add(np.arange(10_000 + i, 10_100 + i), churn[i : i + 100])
            if i % 300 == 0:
                index.remove(np.arange(10_000 + i, 10_050 + i))
        stop.set()

    def reader(seed: int) -> None:
        r = np.random.default_rng(seed)
        while not stop.is_set():
            picks = r.integers(0, 3_000, 16)
            for p, got in zip(picks, index.query_batch(stable[picks], 8, workers=1), strict=True):
                if (int(p), 0) not in got:
                    errors.append(f"lost {p}")

    threads = [threading.Thread(target=reader, args=(s,)) for s in range(3)]
    threads.append(threading.Thread(target=writer))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(index) == 3_000 + 4_000 - 14 * 50
