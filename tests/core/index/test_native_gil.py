"""The kernel's two query entry points: one keeps the GIL, one lets other threads run."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from rempart.core.index import native
from rempart.core.index.pdq_index import PdqIndex


def test_batches_split_across_threads_agree_with_one_thread() -> None:
    if native.load_kernel() is None:
        pytest.skip("no native kernel built here")
    rng = np.random.default_rng(3)
    hashes = rng.integers(0, 256, (60_000, 32), dtype=np.uint8)
    index = PdqIndex(workers=2)
    index.add(np.arange(60_000), hashes)
    queries = hashes[:9].copy()
    queries[:, 0] ^= 0b111  # 3 bits away
    alone = index.query_batch(queries, 31, per_thread=16)
    side_by_side = index.query_batch(queries, 31, per_thread=4)
    assert alone == side_by_side and all(r and r[0][1] == 3 for r in alone)
    names = []
    real = index._query_state

    def spy(*args: object) -> object:
        names.append(threading.current_thread().name)
        return real(*args)  # type: ignore[arg-type]

    index._query_state = spy  # type: ignore[method-assign]
    index.query_batch(queries, 31, per_thread=4)
    assert all(n.startswith("rempart-query") for n in names)
