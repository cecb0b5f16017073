"""Model features of one message: word and character n-grams plus the grammar's evidence.

Training (``scripts/train_text_model.py``) and inference call the same function, so the shipped
weights always meet the features they were fitted on.

Example::

    >>> "w:nudes" in extract("qui a des nudes")[0]
    True
"""

from __future__ import annotations

import re
from itertools import pairwise

from rempart.core.text.normalise import Normalised, normalise
from rempart.core.text.rules import Evidence, analyse

_TOKEN = re.compile(r"[a-z0-9€@_+]+")
CHAR_SIZES = (3, 4)


def ngrams(text: str) -> list[str]:
    """Word unigrams/bigrams (``w:``) and in-word character 3-4-grams (``g:``) of ``text``."""
    tokens = _TOKEN.findall(text)
    out = [f"w:{t}" for t in tokens]
    out += [f"b:{a} {b}" for a, b in pairwise(tokens)]
    for tok in tokens:
        padded = f" {tok} "
        n = len(padded)
        for size in CHAR_SIZES:
            if size > n:
                break
            out += ["g:" + padded[i:i + size] for i in range(n - size + 1)]
    return out


def extract(text: str) -> tuple[list[str], tuple[str, ...], Normalised, Evidence]:
    """(n-gram features, grammar features, normalised text, evidence) of a raw message."""
    norm = normalise(text)
    evidence = analyse(norm.text)
    return ngrams(norm.text), evidence.features, norm, evidence
