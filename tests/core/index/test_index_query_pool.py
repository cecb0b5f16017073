"""A batch split across threads runs on the pool the index module is given."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from index_hashgen import random_hashes

from rempart.core.index import PdqIndex, pdq_index


class CountingPool(ThreadPoolExecutor):
    """A thread pool counting the batches mapped on it."""

    maps = 0

    def map(self, fn: Callable[..., Any], *iterables: Iterable[Any],
            timeout: float | None = None, chunksize: int = 1) -> Iterator[Any]:
        self.maps += 1
        return super().map(fn, *iterables, timeout=timeout, chunksize=chunksize)


def test_query_batch_runs_on_the_given_pool() -> None:
    rng = np.random.default_rng(5)
    hashes = random_hashes(rng, 200)
    index = PdqIndex(workers=2)
    index.add(np.arange(200, dtype=np.int64), hashes)
    one_thread = index.query_batch(hashes, 31, workers=1)
    with CountingPool(2) as pool:
        before = pdq_index.use_query_pool(pool)
        try:
            assert index.query_batch(hashes, 31) == one_thread
        finally:
            assert pdq_index.use_query_pool(before) is pool
    assert pool.maps == 1
    assert index.query_batch(hashes, 31) == one_thread  # the module's own pool again
