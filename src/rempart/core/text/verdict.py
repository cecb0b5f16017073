"""The classifier's answer: labels, scores and the spans that explain each label.

Example::

    >>> Span(0, 5, "ncii_request", "rule:request+content").to_json()["label"]
    'ncii_request'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

LABELS: tuple[str, ...] = (
    "ncii_request",
    "ncii_share",
    "child_exploitation",
    "doxxing",
    "group_promotion",
)
"""Stable label names (stored with findings: never rename)."""


@dataclass(frozen=True, slots=True)
class Span:
    """Why a label fired: ``text[start:end]`` of the ORIGINAL message and the rule/feature."""

    start: int
    end: int
    label: str
    reason: str

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"start": self.start, "end": self.end, "label": self.label, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class TextVerdict:
    """Labels carried by one message, a score per label (0-1) and the explaining spans."""

    labels: tuple[str, ...]
    scores: dict[str, float]
    spans: tuple[Span, ...]
    truncated: bool = False
    """True when only the first ``MAX_CHARS`` characters of the message were classified."""
    context: tuple[str, ...] = ()
    """The earlier messages (their references) that completed a label, when read in context."""

    @property
    def harmful(self) -> bool:
        """True when the message carries at least one label."""
        return bool(self.labels)

    def to_json(self, text: str | None = None) -> dict[str, Any]:
        """The ``rempart text classify --jsonl`` record (``text`` first when given).

        ``"truncated": true`` is added when only the message's prefix was classified, and
        ``"context"`` when earlier messages completed a label.
        """
        out: dict[str, Any] = {} if text is None else {"text": text}
        out["labels"] = list(self.labels)
        out["scores"] = {k: round(v, 4) for k, v in self.scores.items()}
        out["spans"] = [s.to_json() for s in self.spans]
        if self.truncated:
            out["truncated"] = True
        if self.context:
            out["context"] = list(self.context)
        return out
