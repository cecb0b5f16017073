"""`rempart bench text`: the text classifier against a naive keyword baseline.

Per-label precision/recall/F1 (recall with a 95 % Wilson interval) and binary harmful-vs-not
on the dev split of ``data/text/messages.jsonl`` (or any labelled JSONL, ``--split all`` for a
file without splits, such as a frozen blind set), plus throughput (messages per second, one
core) for both. Rows with a ``context`` (earlier messages, as in
``data/text/context_blind.jsonl``) are also scored read with it (``in context``) beside the
message alone.

Example::

    $ rempart bench text --split dev
"""

from __future__ import annotations

import json
import math
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from rempart.core.text.verdict import LABELS

DEFAULT_DATA = Path(__file__).resolve().parents[3] / "data" / "text" / "messages.jsonl"
HARMFUL = "harmful"
T = TypeVar("T")

# The obvious words: what a moderator would put in a blocklist on day one.
_BASELINE: dict[str, tuple[str, ...]] = {
    "content": ("nudes", "nude", "dossier", "dossiers", "doss", "bails", "sextape", "leak",
                "fisha", "mym", "onlyfans", "porn"),
    "ncii_request": ("qui a", "quelqu'un a", "qqn", "cherche", "?", "anyone", "who has"),
    "ncii_share": ("j'ai", "vends", "échange", "je vous envoie", "voici", "dispo", "selling"),
    "child_exploitation": ("mineure", "mineures", "mineur", "collégienne", "collégiennes",
                           "lycéenne", "lycéennes", "cp", "pthc", "pedo", "pédo", "🍕", "14 ans",
                           "15 ans", "13 ans", "preteen", "loli", "-18", "underage", "teen"),
    "doxxing": ("adresse", "numéro", "habite", "snap", "insta", "dox", "address"),
    "group_promotion": ("t.me", "lien", "groupe", "canal", "rejoignez", "join", "link"),
}


def _words_re(words: Sequence[str]) -> re.Pattern[str]:
    return re.compile("|".join(r"(?<!\w)" + re.escape(w) + r"(?!\w)" if w[0].isalnum()
                               else re.escape(w) for w in words))


_BASELINE_RE = {name: _words_re(words) for name, words in _BASELINE.items()}


def _has(text: str, name: str) -> bool:
    return _BASELINE_RE[name].search(text) is not None


def baseline(text: str) -> tuple[str, ...]:
    """Keyword baseline: a label when its obvious words appear (NCII ones need content)."""
    low = text.lower()
    content = _has(low, "content")
    out = []
    for label in LABELS:
        hit = _has(low, label)
        if label.startswith("ncii_"):
            hit = hit and content
        if hit:
            out.append(label)
    return tuple(out)


@dataclass
class Scores:
    """Counts and derived precision/recall/F1 for one label."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        """tp / (tp + fp); 0 without predictions."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        """tp / (tp + fn); 0 without positives."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def wilson(successes: int, total: int, z: float = 1.96) -> tuple[float, float]:
    """95 % Wilson score interval of a proportion (``(0, 1)`` without observations).

    Example::

        >>> [round(x, 3) for x in wilson(19, 20)]
        [0.764, 0.991]
    """
    if total == 0:
        return (0.0, 1.0)
    p = successes / total
    centre = p + z * z / (2 * total)
    margin = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total))
    denom = 1 + z * z / total
    return (max(0.0, (centre - margin) / denom), min(1.0, (centre + margin) / denom))


@dataclass
class Report:
    """Per-label and binary scores of one predictor, and its throughput."""

    name: str
    scores: dict[str, Scores] = field(default_factory=dict)
    per_second: float = 0.0


def load_rows(path: Path, split: str | None = "dev") -> list[dict[str, Any]]:
    """Rows of a JSONL dataset, optionally one split only."""
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    return [r for r in rows if split in (None, "all") or r.get("split") == split]


def evaluate(name: str, rows: Sequence[dict[str, Any]],
             predict: Callable[[str], Sequence[str]]) -> Report:
    """Score ``predict`` (text -> labels) against the rows' gold labels."""
    return evaluate_rows(name, rows, lambda row: predict(row["text"]))


def evaluate_rows(name: str, rows: Sequence[dict[str, Any]],
                  predict: Callable[[dict[str, Any]], Sequence[str]]) -> Report:
    """Score ``predict`` (row -> labels, e.g. read with its ``context``) against the rows."""
    report = Report(name, {label: Scores() for label in (*LABELS, HARMFUL)})
    for row in rows:
        pred, gold = set(predict(row)), set(row["labels"])
        for label in LABELS:
            _count(report.scores[label], label in pred, label in gold)
        _count(report.scores[HARMFUL], bool(pred), bool(gold))
    return report


def _count(s: Scores, pred: bool, gold: bool) -> None:
    s.tp += pred and gold
    s.fp += pred and not gold
    s.fn += gold and not pred


def throughput(predict: Callable[[T], object], texts: Sequence[T],
               min_seconds: float = 1.0) -> float:
    """Messages per CPU-second of ``predict`` over ``texts`` (repeated for ``min_seconds``).

    CPU time of this process, not wall time, so a busy machine does not skew the figure.
    """
    done, start = 0, time.process_time()
    while True:
        for t in texts:
            predict(t)
        done += len(texts)
        elapsed = time.process_time() - start
        if elapsed >= min_seconds:
            return done / elapsed


def run(data: Path = DEFAULT_DATA, split: str = "dev", seconds: float = 1.0) -> list[Report]:
    """Evaluate classifier and baseline on ``split`` and print them side by side."""
    from rich.console import Console
    from rich.table import Table

    from rempart.core.text.classify import classify
    from rempart.core.text.model import load

    load()
    rows = load_rows(data, split)
    texts = [r["text"] for r in rows]

    def model_labels(text: str) -> tuple[str, ...]:
        return classify(text).labels

    reports = [evaluate("rempart", rows, model_labels), evaluate("keywords", rows, baseline)]
    reports[0].per_second = throughput(model_labels, texts, seconds)
    reports[1].per_second = throughput(baseline, texts, seconds)
    if any("context" in r for r in rows):  # a message with the ones before it (see CONTEXT)
        from rempart.core.text.context import Earlier, classify_in_context

        def in_context(row: dict[str, Any]) -> tuple[str, ...]:
            earlier = [Earlier(str(i), t) for i, t in enumerate(row.get("context", ()))]
            return classify_in_context(row["text"], earlier).labels

        reports.insert(0, evaluate_rows("in context", rows, in_context))
        reports[0].per_second = throughput(in_context, rows, seconds)
        reports[1].name = "alone"

    table = Table(title=f"rempart bench text — {data.name} split={split} ({len(rows)} messages)")
    table.add_column("label")
    table.add_column("support", justify="right")
    for r in reports:
        for col in ("P", "R", "F1"):
            table.add_column(f"{r.name} {col}", justify="right")
    table.add_column(f"{reports[0].name} R 95% CI", justify="right")
    for label in (*LABELS, HARMFUL):
        first = reports[0].scores[label]
        cells = [label, str(first.tp + first.fn)]
        for r in reports:
            s = r.scores[label]
            cells += [f"{s.precision:.3f}", f"{s.recall:.3f}", f"{s.f1:.3f}"]
        low, high = wilson(first.tp, first.tp + first.fn)
        cells.append(f"{low:.2f}-{high:.2f}")
        table.add_row(*cells)
    console = Console()
    console.width = max(console.width, 150)  # a pipe gets 80 columns: too few for this table
    console.print(table)
    for r in reports:
        console.print(f"{r.name}: {r.per_second:,.0f} messages/s (one core)")
    return reports


def register(bench_app: typer.Typer) -> None:
    """Add ``rempart bench text``."""

    @bench_app.command("text")
    def text_cmd(
        data: Annotated[Path, typer.Option(help="Labelled JSONL dataset.")] = DEFAULT_DATA,
        split: Annotated[str, typer.Option(help="Split to score: dev, train or all.")] = "dev",
        seconds: Annotated[float, typer.Option(help="Time spent measuring throughput.")] = 1.0,
    ) -> None:
        """Per-label P/R/F1 and throughput of the text classifier next to a keyword baseline."""
        run(data, split, seconds)
