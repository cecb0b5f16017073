"""The Synapse of the Matrix bot's tests: one per session. Under ``CI=true`` it must start
(never skipped); elsewhere the tests skip only when Synapse is not installed."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator

import pytest
from matrix_support import IN_CI

from rempart.bench.synapse_peer import SynapsePeer


@pytest.fixture(scope="session")
def synapse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SynapsePeer]:
    """A running Synapse on 127.0.0.1 (SQLite, no federation)."""
    if importlib.util.find_spec("synapse") is None:
        if IN_CI:
            pytest.fail("matrix-synapse is not installed (pip install -e '.[dev]')")
        pytest.skip("matrix-synapse is not installed")
    with SynapsePeer(tmp_path_factory.mktemp("synapse")) as hs:
        yield hs
