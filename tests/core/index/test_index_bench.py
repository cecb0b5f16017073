"""`rempart bench index` runs end to end on a tiny bank and finds every exact match."""

from __future__ import annotations

import json

import pytest

from rempart.bench.index import run


def test_bench_index_tiny(capsys: pytest.CaptureFixture[str]) -> None:
    results = run([3_000], queries=30, budget_s=2.0, pytx_max_n=3_000, jsonl=True)
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r.system for r in results] == [line["system"] for line in lines]
    ours = results[0]
    assert ours.system == "Rempart PdqIndex"
    assert ours.recall == 1.0 and ours.wrong == 0
    assert "DIFFERS" not in ours.note
    for r in results[1:]:
        assert r.recall in (None, 1.0)
