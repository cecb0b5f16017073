"""The evidence PDF's words, read from ``labels.toml``: complete in French and English, with the
same placeholders in both."""

from __future__ import annotations

import re

from rempart.adapters.evidence.labels import LABELS, label


def test_evidence_labels_complete() -> None:
    assert label("timeline", "en") == "Timeline of findings"
    for key, (fr, en) in LABELS.items():
        assert fr.strip() and en.strip() and "\n" not in fr + en, key
        assert re.findall(r"{\w+}", fr) == re.findall(r"{\w+}", en), key
