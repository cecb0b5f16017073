"""Atheris harness: the text classifier (``rempart.core.text``), as the bot, the scanner and the
API call it on every message.

Any text, often repeated into long runs (where backtracking hides): ``classify`` answers with
known labels, scores in [0, 1] and spans inside the classified prefix, never raises, and never
hangs (the runner's per-input timeout turns a hang into a failure).
"""

from __future__ import annotations

import sys

import atheris

# Only the classifier is instrumented (numpy and the rest are not).
with atheris.instrument_imports(include=["rempart.core.text"]):
    from rempart.core.text import LABELS, MAX_CHARS, classify
    from rempart.core.text.normalise import normalise

_KNOWN = frozenset(LABELS)


def hostile_text(data: bytes) -> str:
    """``head + unit * times + tail``: bytes 0-1 give ``times``, bytes 2 and 3 the lengths of
    ``head`` and ``unit``, the rest is UTF-8 text (``b"\\x00\\x80\\x00\\x01*a"`` gives
    ``'*' * 129 + 'a'``)."""
    times = int.from_bytes(data[:2], "big") % (2 * MAX_CHARS) + 1
    head = data[2] % 33 if len(data) > 2 else 0
    size = data[3] % 17 if len(data) > 3 else 0
    body = data[4:].decode("utf-8", "replace")
    unit = body[head:head + size]
    return body[:head] + (unit * times)[: 2 * MAX_CHARS] + body[head + size:]


def one_input(data: bytes) -> None:
    text = hostile_text(data)
    verdict = classify(text)
    assert set(verdict.labels) <= _KNOWN, verdict.labels
    assert all(0.0 <= s <= 1.0 for s in verdict.scores.values()), verdict.scores
    read = min(len(text), MAX_CHARS)
    assert all(0 <= s.start <= s.end <= read for s in verdict.spans), verdict.spans
    assert verdict.truncated == (len(text) > MAX_CHARS)
    norm = normalise(text)
    assert len(norm.text) == len(norm.starts) == len(norm.ends) <= 4 * MAX_CHARS


if __name__ == "__main__":
    one_input(b"\x00\x01\x00\x00warm up")  # first-call costs are not a hostile input's
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
