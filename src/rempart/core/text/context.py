"""A message classified with the messages just before it: the one it replies to, or its
sender's last words ("qui a le dossier de …" then "envoie en pv").

A message with labels of its own keeps them alone. For one without, a label that appears
when the earlier messages are read before it is added when the current message carries part
of it (a word of a class that explains the label, a locator such as "pv", a price) and
speaks in no honest voice (a report, a victim, news, a call to the moderators); its spans
point into the current message and ``context`` names the earlier messages that completed it.
A refusal or a report under a request never inherits the request, a bot command ("/…") is
addressed to the bot and read alone, and a message that only repeats a request ("up", "?")
adds nothing: the request was labelled where it was written. Earlier messages whose own
reading found no suspicious word are not read again.

Bounded work: at most ``CONTEXT_MESSAGES`` earlier messages and ``CONTEXT_CHARS`` characters
of them are read, closest first.

Example::

    >>> v = classify_in_context("envoie en pv stp",
    ...                         [Earlier("41", "qui a le dossier de Zorbina de la seconde B ?")])
    >>> v.labels, v.context
    (('ncii_request',), ('41',))
    >>> classify_in_context("non arrête c'est illégal, je signale",
    ...                     [Earlier("41", "qui a le dossier de Zorbina ?")]).labels
    ()
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from rempart.core.text.classify import RELEVANT, classify, read
from rempart.core.text.model import Model, load
from rempart.core.text.normalise import MAX_CHARS
from rempart.core.text.verdict import LABELS, Span, TextVerdict

CONTEXT_MESSAGES = 2
"""Earlier messages read at most (the closest ones)."""
CONTEXT_CHARS = 600
"""Characters of earlier text read at most (each message's end kept, closest first)."""
# Word classes by which the current message takes part in a label: those that explain the
# label, and the ones that only qualify a message (where to send, what it costs).
_CARRIERS = {label: frozenset((*classes, "locator", "payment"))
             for label, classes in RELEVANT.items()}
_HONEST = ("help", "report", "news")
# Calling the moderators ("@admin", "modos ?") under a message reports it: never a carrier.
_MODERATORS = re.compile(
    r"(?<![\w@])(?:@(?:admins?|modos?|mods?|moderat\w*|mod[ée]rat\w*)\b"
    r"|(?:admins|modos|mods|moderators|mod[ée]rat(?:eur|rice)s)\b)",
    re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Earlier:
    """An earlier message: a reference for the reader (its message id), its text, and whether
    its own reading found any suspicious word (without one, it can complete no label)."""

    ref: str
    text: str
    signal: bool = True


def _window(earlier: Sequence[Earlier]) -> list[Earlier]:
    """The closest ``CONTEXT_MESSAGES`` messages, cut to ``CONTEXT_CHARS`` in all."""
    kept: list[Earlier] = []
    budget = CONTEXT_CHARS
    for message in reversed(earlier[-CONTEXT_MESSAGES:]):
        text = message.text.strip()[-budget:]
        if text:
            kept.append(Earlier(message.ref, text, message.signal))
            budget -= len(text)
        if budget <= 0:
            break
    return kept[::-1]


def classify_in_context(text: str, earlier: Sequence[Earlier],
                        model: Model | None = None) -> TextVerdict:
    """``classify(text)`` plus the labels its earlier messages complete (see the module)."""
    model = model or load()
    own = classify(text, model)
    window = _window(earlier)
    current = text[:MAX_CHARS]
    if (own.labels or not any(m.signal for m in window) or not current.strip()
            or current.lstrip().startswith("/") or _MODERATORS.search(current)):
        return own
    starts: list[int] = []
    joined = ""
    for message in window:
        starts.append(len(joined))
        joined += message.text + "\n"
    offset = len(joined)
    joined += current
    both, norm, evidence = read(joined, model)
    added = [label for label in both.labels if label not in own.labels]
    if not added:
        return own
    mine: dict[str, list[tuple[int, int]]] = {}
    for cls, found in evidence.hits.items():
        for a, b, _ in found:
            start, end = norm.original_span(a, b)
            if start >= offset:
                mine.setdefault(cls, []).append((start - offset, end - offset))
    if any(cls in mine for cls in _HONEST):
        return own
    labels = list(own.labels)
    scores = dict(own.scores)
    spans = list(own.spans)
    for label in added:
        carried = [(cls, span) for cls, found in mine.items() if cls in _CARRIERS[label]
                   for span in found]
        if not carried:
            continue
        labels.append(label)
        scores[label] = both.scores[label]
        spans += [Span(a, b, label, f"context: {cls}") for cls, (a, b) in carried]
    if len(labels) == len(own.labels):
        return own
    order = {label: i for i, label in enumerate(LABELS)}
    labels.sort(key=lambda lab: order.get(lab, len(order)))
    spans.sort(key=lambda s: (order.get(s.label, len(order)), s.start, s.end))
    refs = tuple(m.ref for m, start in zip(window, starts, strict=True)
                 if _carries(both, start, start + len(m.text)))
    return replace(own, labels=tuple(labels), scores=scores, spans=tuple(dict.fromkeys(spans)),
                   context=refs or tuple(m.ref for m in window))


def _carries(verdict: TextVerdict, start: int, end: int) -> bool:
    """Whether a span of ``verdict`` lies in ``[start, end)``."""
    return any(start <= s.start < end for s in verdict.spans)
