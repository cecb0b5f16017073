"""``classify(text) -> TextVerdict``: grammar rules and a small linear model, with explanations.

A label's score is the model's probability; a strong rule lifts it to at least the rule's
strength so that the grammar's precise patterns are never lost, and a label whose word classes
are all absent (no minor marker for child exploitation, no link or group for promotion…), or a
message in an honest voice (a victim, a report, news), stays below its threshold unless a rule
fired. A message with none of those classes is not scored by the model at all.
Every positive label carries spans into the ORIGINAL text: the word-class matches of the rule
that fired, or, when only the model fired, the matches and n-grams that pushed it most.

Example::

    >>> v = classify("Qui a des nudes de la meuf du 93 ?")
    >>> v.labels
    ('ncii_request',)
    >>> "Qui a des nudes de la meuf du 93 ?"[v.spans[0].start:v.spans[0].end]
    'Qui a'
"""

from __future__ import annotations

from collections.abc import Iterable

from rempart.core.text.features import grammar, ngrams
from rempart.core.text.model import Model, load, sigmoid
from rempart.core.text.normalise import MAX_CHARS, Normalised
from rempart.core.text.rules import Evidence
from rempart.core.text.verdict import LABELS, Span, TextVerdict

# Word classes that explain each label when the model fires without a rule.
RELEVANT: dict[str, tuple[str, ...]] = {
    "ncii_request": ("request", "content", "content_weak", "target", "locator"),
    "ncii_share": ("offer", "exchange", "nonconsent", "content", "content_weak", "target"),
    "child_exploitation": ("csam_code", "minor", "grooming", "content", "sexual", "content_weak"),
    "doxxing": ("pii", "harass", "target", "request"),
    "group_promotion": ("link", "group", "channel", "content", "content_weak"),
}
# A label the model proposes without a rule needs one of these classes in the text, or the
# grammar's gate for it (``Evidence.gates``), and no honest voice (victim, report, news).
_REQUIRES: dict[str, tuple[str, ...]] = {
    "ncii_request": ("content", "content_weak", "nonconsent", "sexual"),
    "ncii_share": ("content", "content_weak", "nonconsent", "sexual"),
    "child_exploitation": ("minor", "csam_code"),
    "doxxing": ("target", "harass"),
    "group_promotion": ("link", "group"),
}
_ANY_REQUIRED = frozenset(c for classes in _REQUIRES.values() for c in classes)
RULE_FLOOR = 0.9
"""A rule at least this strong sets the label whatever the model says."""


def final_score(label: str, prob: float, evidence: Evidence, threshold: float) -> float:
    """The model's probability for ``label`` with the grammar applied (training uses it too).

    A strong rule lifts the score to its strength; without a rule, a message in an honest voice
    or without the word classes the label needs (``_REQUIRES``, or the grammar's gate) keeps the
    model below the threshold.
    """
    rule = evidence.fired.get(label)
    if rule and rule.score >= RULE_FLOOR:
        return max(prob, rule.score)
    if not rule and (evidence.honest or (
            label not in evidence.gates
            and not any(c in evidence.hits for c in _REQUIRES[label]))):
        return min(prob, 0.5 * threshold)
    return prob


def _spans(label: str, score: float, norm: Normalised, evidence: Evidence,
           ngram_feats: list[str], model: Model) -> list[Span]:
    rule = evidence.fired.get(label)
    classes = rule.classes if rule else tuple(c for c in RELEVANT[label] if c in evidence.hits)
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
    return read(text, model)[0]


def read(text: str, model: Model | None = None
         ) -> tuple[TextVerdict, Normalised, Evidence]:
    """``classify(text)`` with the normalised text and the grammar's evidence it was read
    from (offsets of ``evidence`` are into ``norm``)."""
    model = model or load()
    truncated = len(text) > MAX_CHARS
    grammar_feats, norm, evidence = grammar(text[:MAX_CHARS])
    if not evidence.gates and not any(c in evidence.hits for c in _ANY_REQUIRED):
        # No label could reach its threshold (see ``final_score``): most chat stops here.
        return TextVerdict((), dict.fromkeys(model.labels, 0.0), (), truncated), norm, evidence
    ngram_feats = ngrams(norm.text)
    probs = sigmoid(model.logits(ngram_feats, grammar_feats))
    scores: dict[str, float] = {}
    labels: list[str] = []
    spans: list[Span] = []
    for j, label in enumerate(model.labels):
        score = final_score(label, probs[j], evidence, model.thresholds.get(label, 0.5))
        scores[label] = score
        if score >= model.thresholds.get(label, 0.5):
            labels.append(label)
            spans.extend(_spans(label, score, norm, evidence, ngram_feats, model))
    order = {label: i for i, label in enumerate(LABELS)}
    labels.sort(key=lambda lab: order.get(lab, len(order)))
    spans.sort(key=lambda s: (order.get(s.label, len(order)), s.start, s.end))
    verdict = TextVerdict(tuple(labels), scores, tuple(dict.fromkeys(spans)), truncated)
    return verdict, norm, evidence


def classify_batch(texts: Iterable[str], model: Model | None = None) -> list[TextVerdict]:
    """``classify`` over many messages, loading the model once."""
    model = model or load()
    return [classify(t, model) for t in texts]
