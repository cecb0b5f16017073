"""Fixture of the index tests: each test once per kernel (numpy, and C when built)."""

from __future__ import annotations

import pytest

from rempart.core.index.native import load_kernel

KERNELS = [
    pytest.param(False, id="numpy"),
    pytest.param(
        True,
        id="native",
        marks=pytest.mark.skipif(load_kernel() is None, reason="native kernel not built"),
    ),
]


@pytest.fixture(params=KERNELS)
def native(request: pytest.FixtureRequest) -> bool:
    """Each test once with the numpy path and once with the C kernel (when built)."""
    value: bool = request.param
    return value


@pytest.fixture(autouse=True)
def small_thresholds(monkeypatch: pytest.MonkeyPatch) -> None:
    """Multi-index tables from 2,000 hashes and a 512-row delta, so small tests cover them."""
    monkeypatch.setattr("rempart.core.index.plan.SCAN_ONLY_BELOW", 2_000)
    monkeypatch.setattr("rempart.core.index.pdq_index.DELTA_CAPACITY", 512)
