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
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
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

    def logits(self, ngram_feats: list[str], grammar_feats: tuple[str, ...]
               ) -> npt.NDArray[np.float64]:
        """Raw per-label scores before the sigmoid."""
        get = self.index.get
        unique = set(ngram_feats)
        rows = [i for i in map(get, unique) if i is not None]
        out = self.intercept.copy()
        if rows:
            out += self.coef[rows].sum(axis=0) * (1.0 / math.sqrt(len(unique)))
        rows = [i for i in map(get, grammar_feats) if i is not None]
        if rows:
            out += self.coef[rows].sum(axis=0)
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
    return Model(
        labels=tuple(data["labels"]),
        index={f: i for i, f in enumerate(features)},
        coef=coef,
        intercept=np.asarray(data["intercept"], dtype=np.float64),
        thresholds={k: float(v) for k, v in data["thresholds"].items()},
        meta=dict(data.get("meta", {})),
    )


@lru_cache(maxsize=1)
def load() -> Model:
    """The packaged model (read once, on first use)."""
    text = resources.files("rempart.core.text").joinpath(WEIGHTS_FILE).read_text("utf-8")
    return from_json(json.loads(text))


def sigmoid(x: npt.NDArray[np.float64]) -> list[float]:
    """Logistic function, elementwise (a handful of values: plain floats are faster)."""
    return [1.0 / (1.0 + math.exp(-min(max(float(v), -30.0), 30.0))) for v in x]
