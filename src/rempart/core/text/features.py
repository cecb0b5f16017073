"""Model features of one message: word and character n-grams plus the grammar's evidence.

Training (``scripts/train_text_model.py``) and inference call the same function, so the shipped
weights always meet the features they were fitted on.

Example::

    >>> "w:nudes" in extract("qui a des nudes")[0]
    True
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import pairwise

from rempart.core.text.normalise import Normalised, normalise
from rempart.core.text.rules import Evidence, analyse

_TOKEN = re.compile(r"[a-z0-9€@_+]+")
CHAR_SIZES = (3, 4)


@lru_cache(maxsize=65536)
def _word_features(tok: str) -> tuple[str, ...]:
    """``w:`` unigram and ``g:`` character n-grams of one token (chat repeats its words)."""
    out = [f"w:{tok}"]
    padded = f" {tok} "
    n = len(padded)
    for size in CHAR_SIZES:
        if size > n:
            break
        out += ["g:" + padded[i:i + size] for i in range(n - size + 1)]
    return tuple(out)


def ngrams(text: str) -> list[str]:
    """Word unigrams/bigrams (``w:``/``b:``) and in-word character 3-4-grams (``g:``)."""
    tokens = _TOKEN.findall(text)
    out = [f"b:{a} {b}" for a, b in pairwise(tokens)]
    for tok in tokens:
        out.extend(_word_features(tok))
    return out


# A capitalised word after a lower-case one ("les photos de Vexia"): a person, a place or a
# brand named mid-sentence. Only a feature; what it means is left to the model.
_NAME = re.compile(r"(?<=[a-zà-ÿ,] )[A-ZÀ-Ý][a-zà-ÿ]{2,}(?![\w])")


def grammar(text: str) -> tuple[tuple[str, ...], Normalised, Evidence]:
    """(grammar features, normalised text, evidence) of a raw message: the cheap first pass."""
    norm = normalise(text)
    evidence = analyse(norm.text)
    feats = evidence.features
    if _NAME.search(text):
        feats = (*feats, "x:name")
    return feats, norm, evidence


def extract(text: str) -> tuple[list[str], tuple[str, ...], Normalised, Evidence]:
    """(n-gram features, grammar features, normalised text, evidence) of a raw message."""
    feats, norm, evidence = grammar(text)
    return ngrams(norm.text), feats, norm, evidence
