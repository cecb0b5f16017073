"""``classify(text) -> TextVerdict``: grammar rules and a small linear model, with explanations.

A label's score is the model's probability; a strong rule lifts it to at least the rule's
strength so that the grammar's precise patterns are never lost. Every positive label carries
spans into the ORIGINAL text: the word-class matches of the rule that fired, or, when only the
model fired, the matches and n-grams that pushed it most.

Example::

    >>> v = classify("Qui a des nudes de la meuf du 93 ?")
    >>> v.labels
    ('ncii_request',)
    >>> "Qui a des nudes de la meuf du 93 ?"[v.spans[0].start:v.spans[0].end]
    'Qui a'
"""

from __future__ import annotations

from collections.abc import Iterable

from rempart.core.text.features import extract
from rempart.core.text.model import Model, load, sigmoid
from rempart.core.text.normalise import MAX_CHARS, Normalised
from rempart.core.text.rules import Evidence
from rempart.core.text.verdict import LABELS, Span, TextVerdict

# Word classes that explain each label when the model fires without a rule.
_RELEVANT: dict[str, tuple[str, ...]] = {
    "ncii_request": ("request", "content", "content_weak", "target", "locator"),
    "ncii_share": ("offer", "exchange", "nonconsent", "content", "content_weak", "target"),
    "child_exploitation": ("csam_code", "minor", "content", "sexual", "content_weak"),
    "doxxing": ("pii", "harass", "target", "request"),
    "group_promotion": ("link", "group", "channel", "content", "content_weak"),
}
# A label the model proposes without a rule needs at least one of these classes in the text.
_REQUIRES: dict[str, tuple[str, ...]] = {
    "ncii_request": ("content", "content_weak", "nonconsent", "sexual"),
    "ncii_share": ("content", "content_weak", "nonconsent", "sexual"),
    "child_exploitation": ("minor", "csam_code"),
    "doxxing": ("target", "harass"),
    "group_promotion": ("link",),
}
RULE_FLOOR = 0.9
"""A rule at least this strong sets the label whatever the model says."""


def _spans(label: str, score: float, norm: Normalised, evidence: Evidence,
           ngram_feats: list[str], model: Model) -> list[Span]:
    rule = evidence.fired.get(label)
    classes = rule.classes if rule else tuple(c for c in _RELEVANT[label] if c in evidence.hits)
    reason = f"rule {rule.name}" if rule else f"model {score:.2f}"
    out: list[Span] = []
    for cls in classes:
        for a, b, _ in evidence.hits.get(cls, ()):
            start, end = norm.original_span(a, b)
            out.append(Span(start, end, label, f"{reason}: {cls}"))
    if not out:
        for feat, weight in model.contributions(ngram_feats, label)[:3]:
            if weight <= 0 or not feat.startswith("w:"):
                continue
            word = feat[2:]
            pos = f" {norm.text} ".find(f" {word} ")
            if pos >= 0:
                start, end = norm.original_span(pos, pos + len(word))
                out.append(Span(start, end, label, f"{reason}: word '{word}' ({weight:+.2f})"))
    if not out:
        out.append(Span(0, norm.ends[-1] if norm.ends else 0, label, reason))
    return out


def classify(text: str, model: Model | None = None) -> TextVerdict:
    """Labels, per-label scores and explaining spans of one message text or caption.

    Only the first ``MAX_CHARS`` characters are read (``truncated`` says when there were more).
    """
    model = model or load()
    truncated = len(text) > MAX_CHARS
    ngram_feats, grammar_feats, norm, evidence = extract(text[:MAX_CHARS])
    probs = sigmoid(model.logits(ngram_feats, grammar_feats))
    scores: dict[str, float] = {}
    labels: list[str] = []
    spans: list[Span] = []
    for j, label in enumerate(model.labels):
        score = probs[j]
        rule = evidence.fired.get(label)
        if rule and rule.score >= RULE_FLOOR:
            score = max(score, rule.score)
        elif not rule and (label not in evidence.gates
                           or not any(c in evidence.hits for c in _REQUIRES[label])):
            score = min(score, 0.5 * model.thresholds.get(label, 0.5))
        scores[label] = score
        if score >= model.thresholds.get(label, 0.5):
            labels.append(label)
            spans.extend(_spans(label, score, norm, evidence, ngram_feats, model))
    order = {label: i for i, label in enumerate(LABELS)}
    labels.sort(key=lambda lab: order.get(lab, len(order)))
    spans.sort(key=lambda s: (order.get(s.label, len(order)), s.start, s.end))
    return TextVerdict(tuple(labels), scores, tuple(dict.fromkeys(spans)), truncated)


def classify_batch(texts: Iterable[str], model: Model | None = None) -> list[TextVerdict]:
    """``classify`` over many messages, loading the model once."""
    model = model or load()
    return [classify(t, model) for t in texts]
