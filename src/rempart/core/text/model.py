"""Logistic-regression weights shipped as JSON, scored in pure Python/numpy.

``weights.json`` holds, for each label, an intercept and one coefficient per known feature.
N-gram features count ``1/sqrt(number of n-grams)`` (L2-normalised binary bag); grammar features
count 1. No pickle, no scikit-learn at run time.

Example::

    >>> m = load()
    >>> set(m.labels) >= {"ncii_request", "doxxing"}
    True
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from itertools import repeat
from typing import Any

import numpy as np
import numpy.typing as npt

WEIGHTS_FILE = "weights.json"


@dataclass(frozen=True)
class Model:
    """Per-label linear scorer over named features."""

    labels: tuple[str, ...]
    index: dict[str, int]
    coef: npt.NDArray[np.float64]  # shape (n_features, n_labels)
    intercept: npt.NDArray[np.float64]
    thresholds: dict[str, float]
    meta: dict[str, Any]
    padded: npt.NDArray[np.float64] = field(repr=False, default_factory=lambda: np.zeros((1, 1)))
    """``coef`` with a last row of zeros, where unknown features point (no filtering)."""

    def logits(self, ngram_feats: list[str], grammar_feats: tuple[str, ...]
               ) -> npt.NDArray[np.float64]:
        """Raw per-label scores before the sigmoid."""
        get = self.index.get
        unknown = repeat(len(self.index))
        unique = set(ngram_feats)
        out = self.intercept.copy()
        if unique:
            rows = list(map(get, unique, unknown))
            out += self.padded[rows].sum(axis=0) * (1.0 / math.sqrt(len(unique)))
        if grammar_feats:
            out += self.padded[list(map(get, grammar_feats, unknown))].sum(axis=0)
        return out

    def contributions(self, features: list[str], label: str) -> list[tuple[str, float]]:
        """Features of one message ranked by their push toward ``label`` (for explanations)."""
        j = self.labels.index(label)
        seen = {f: float(self.coef[self.index[f], j]) for f in features if f in self.index}
        return sorted(seen.items(), key=lambda kv: -kv[1])


def from_json(data: dict[str, Any]) -> Model:
    """Build a model from the parsed weights file."""
    features: list[str] = data["features"]
    coef = np.asarray(data["coef"], dtype=np.float64).reshape(len(features), len(data["labels"]))
    padded = np.vstack([coef, np.zeros((1, coef.shape[1]))])
    return Model(
        labels=tuple(data["labels"]),
        index={f: i for i, f in enumerate(features)},
        coef=coef,
        intercept=np.asarray(data["intercept"], dtype=np.float64),
        thresholds={k: float(v) for k, v in data["thresholds"].items()},
        meta=dict(data.get("meta", {})),
        padded=padded,
    )


@lru_cache(maxsize=1)
def load() -> Model:
    """The packaged model (read once, on first use)."""
    text = resources.files("rempart.core.text").joinpath(WEIGHTS_FILE).read_text("utf-8")
    return from_json(json.loads(text))


def sigmoid(x: npt.NDArray[np.float64]) -> list[float]:
    """Logistic function, elementwise (a handful of values: plain floats are faster)."""
    return [1.0 / (1.0 + math.exp(-min(max(float(v), -30.0), 30.0))) for v in x]
