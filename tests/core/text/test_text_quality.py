"""Quality floor on the dev split of the shipped dataset (catches regressions)."""

from __future__ import annotations

import json
from pathlib import Path

from rempart.bench.text import HARMFUL, baseline, evaluate, load_rows
from rempart.core.text import LABELS, classify

DATA = Path(__file__).resolve().parents[3] / "data" / "text" / "messages.jsonl"


def test_dataset_shape() -> None:
    rows = load_rows(DATA, None)
    assert len(rows) >= 3000
    for row in rows:
        assert set(row) == {"text", "labels", "split", "lang", "note"}
        assert set(row["labels"]) <= set(LABELS)
        assert row["split"] in {"train", "dev"}
        assert row["lang"] in {"fr", "en"}
    for label in LABELS:
        for split in ("train", "dev"):
            assert any(label in r["labels"] and r["split"] == split for r in rows)
    texts = [r["text"] for r in rows]
    assert len(texts) == len(set(texts))
    json.dumps(rows[0])


def test_dev_split_quality_floor() -> None:
    rows = load_rows(DATA, "dev")
    report = evaluate("rempart", rows, lambda t: classify(t).labels)
    harmful = report.scores[HARMFUL]
    assert harmful.f1 >= 0.93
    assert harmful.precision >= 0.93
    assert report.scores["child_exploitation"].recall >= 0.97
    for label in LABELS:
        assert report.scores[label].recall >= 0.85, label
    keywords = evaluate("keywords", rows, baseline).scores[HARMFUL]
    assert harmful.f1 > keywords.f1
