"""Table positions packed in 3 bytes (4 for segments of 2**24 rows or more)."""

from __future__ import annotations

import numpy as np
import pytest

from rempart.core.index.native import load_kernel
from rempart.core.index.segment import pack_positions, perm_width, unpack_positions


def test_width() -> None:
    assert perm_width(0) == perm_width(1 << 24) == 3
    assert perm_width((1 << 24) + 1) == 4


@pytest.mark.parametrize("width", [3, 4])
def test_pack_unpack_round_trip(width: int) -> None:
    rng = np.random.default_rng(1)
    top = 1 << (8 * width)
    positions = rng.integers(0, min(top, 1 << 32), 1000, dtype=np.uint64).astype(np.uint32)
    packed = pack_positions(positions, width)
    assert packed.shape == (1000 * width,)
    idx = rng.permutation(1000)
    assert np.array_equal(unpack_positions(packed, idx, width), positions[idx])


@pytest.mark.parametrize("width", [3, 4])
def test_native_tables_match_numpy_packing(width: int) -> None:
    kernel = load_kernel(None)
    if kernel is None:
        pytest.skip("native kernel not built")
    rng = np.random.default_rng(2)
    n, bits = 5000, 12
    hashes = rng.integers(0, 256, (n, 32), dtype=np.uint8)
    perm = np.empty(n * width, np.uint8)
    offsets = np.empty((1 << bits) + 1, np.uint32)
    kernel.build_table(hashes, n, 20, bits, width, perm, offsets)
    keys = (hashes[:, 2].astype(np.uint32) & 0xF) << 8 | hashes[:, 3]  # bits 20 to 31
    assert np.array_equal(perm, pack_positions(np.argsort(keys, kind="stable"), width))
    assert np.array_equal(offsets[1:], np.cumsum(np.bincount(keys, minlength=1 << bits)))
    with pytest.raises(ValueError):
        kernel.build_table(hashes, n, 20, bits, 5, perm, offsets)
