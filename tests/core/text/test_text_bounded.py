"""Bounded work per message: hostile texts classify in linear time, on a bounded prefix.

Attacker: any group member (or API client, or export author) who writes a message. Asset: the
bot, the scanner and the API, which classify every message on one thread. ``'*' * 60 + 'a'``
once made the classifier backtrack for minutes; so did ``'t.me/' + ' ' * 2000 + '!'``.

The hostile batches run in a child process (``python THIS_FILE BATCH``) killed after
``LIMIT_S`` seconds, so that a regression fails the suite instead of hanging it. Nothing is
timed inside: the limit is a generous guard against minutes of backtracking, not a benchmark.
"""

from __future__ import annotations

import re
import string
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rempart.core.text import LABELS, MAX_CHARS, TextVerdict, classify
from rempart.core.text.normalise import _MASKABLE, _masks, normalise

LIMIT_S = 120
"""A whole batch; each one takes a few seconds on a loaded machine."""

# A hostile segment is an entry (where a pattern starts), a long run of one unit (separators
# between letters, masks, look-alikes, invisibles, emoji...) and an ending that makes it fail:
# the shape of ``'*' * 60 + 'a'`` and of ``'t.me/' + ' ' * 2000 + '!'``.
_ENTRIES = ("", "t.me/", "t . me / ", "t.me/+", "t dot me/", "https://", "@", "qui a ",
            "quelqu un", "n", "n*", "06", "de ", "moins de ")
_SEPARATORS = ("*", " ", "  ", ".", ". ", " . ", "-", "_", "'", "/", "\t", "\n", "\u200b")
_UNITS = (
    "|", "$", "!", "@", "\\", "a", "a ", "a.", "a*", "*a", "a  ", "**a", "0", "1", "3", "06 ",
    "1 - ", "de 1", "dot ", "\u200d", "\u00ad", "\ufe0f", "\u2060", "а", "о", "ѕ", "𝐧", "ｎ",
    "İ", "ß", "ﷺ", "x\u0301", "🍕", "🍑", "🔞", "👧🏽", "📸 ", "t.me/", "@ab", "n u d e s ",
    "n.u.d.e.s", "n*des", "nud3s", "qqn ", "g ", "nudes ", "cp ", "15ans", "quelqu un qui ",
)
_ENDINGS = ("", "!", "/", "ж", "'", "a", "1", " a")
_SEGMENT = st.tuples(
    st.sampled_from(_ENTRIES),
    st.one_of(st.sampled_from(_SEPARATORS), st.sampled_from(_UNITS),
              st.text(min_size=1, max_size=3)),
    st.integers(1, 3 * MAX_CHARS),
    st.one_of(st.sampled_from(_ENDINGS), st.text(max_size=3)),
).map(lambda g: g[0] + (g[1] * g[2])[: 3 * MAX_CHARS] + g[3])
HOSTILE = st.lists(st.one_of(_SEGMENT, st.text(max_size=40)), min_size=1, max_size=4).map("".join)


def check_verdict(text: str, verdict: TextVerdict) -> None:
    """A normal answer: known labels, scores in [0, 1], spans inside the classified prefix."""
    assert set(verdict.labels) <= set(LABELS)
    assert all(0.0 <= s <= 1.0 for s in verdict.scores.values())
    read = min(len(text), MAX_CHARS)
    assert all(0 <= s.start <= s.end <= read for s in verdict.spans)
    assert verdict.truncated == (len(text) > MAX_CHARS)


@settings(max_examples=400, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(HOSTILE)
def _hostile_texts_classify(text: str) -> None:
    verdict = classify(text)
    check_verdict(text, verdict)
    norm = normalise(text)
    assert len(norm.text) == len(norm.starts) == len(norm.ends) <= 4 * MAX_CHARS
    assert all(0 <= a < b <= min(len(text), MAX_CHARS)
               for a, b in zip(norm.starts, norm.ends, strict=True))
    # What lies past the bound changes nothing.
    prefix = classify(text[:MAX_CHARS])
    assert (prefix.labels, prefix.scores, prefix.spans) == (
        verdict.labels, verdict.scores, verdict.spans)


def attack_texts() -> list[str]:
    """The attack of issue #13, its variants (any character × 10,000 then a letter), the shape
    that backtracked in the grammar's link pattern, and every entry × separator run × ending."""
    chars = string.printable + "éß·•。．＊‐–—\u200b\u00ad\u2060İﷺ🍕🍑😀👧🏽"
    texts = ["*" * 60 + "a", "*" * 61, "a" + "*" * 60, "n" + "*" * 60 + "s",
             "U:" + "ﷺ" * 910 + "!"]  # once folded past the normalised bound
    texts += ["*" * n + "a" for n in range(1, 90)]
    texts += [c * 10_000 + "a" for c in chars]
    texts += [c * 10_000 + "a" + c * 10_000 for c in "*. _-"]
    texts += [f"{s}{' ' * n}{end}" for s in ("t.me/", "t . me / ", "t.me/+", "t.me ", "t dot me/")
              for n in (2000, MAX_CHARS) for end in ("!", "/ !", "")]
    texts += [entry + unit * (MAX_CHARS // len(unit)) + end
              for entry in _ENTRIES for unit in _SEPARATORS for end in _ENDINGS]
    return texts


def _attack_batch() -> None:
    for text in attack_texts():
        check_verdict(text, classify(text))
    assert classify("*" * 60 + "a").labels == ()


_BATCHES = {"property": _hostile_texts_classify, "attack": _attack_batch}


def _run_in_child(batch: str) -> None:
    try:
        done = subprocess.run([sys.executable, __file__, batch], capture_output=True,
                              text=True, timeout=LIMIT_S, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the {batch!r} batch of hostile texts did not finish in {LIMIT_S} s: "
                    "a pattern backtracks, or work is not bounded per message")
    assert done.returncode == 0, done.stderr[-6000:]


def test_hostile_texts_classify_in_bounded_time() -> None:
    _run_in_child("property")


def test_the_attack_string_and_its_variants_classify_normally() -> None:
    _run_in_child("attack")


def test_the_attack_string() -> None:
    verdict = classify("*" * 60 + "a")
    assert verdict.labels == ()
    assert not verdict.truncated
    assert "truncated" not in verdict.to_json()


def test_only_the_prefix_is_classified_and_the_verdict_says_so() -> None:
    harmful = "qui a des nudes de la meuf du 93 ?"
    late = "bonjour " * (MAX_CHARS // 8) + harmful
    assert len(late) > MAX_CHARS
    verdict = classify(late)
    assert verdict.labels == ()
    assert verdict.truncated
    assert verdict.to_json()["truncated"] is True

    early = classify(harmful + " " + "x" * 2 * MAX_CHARS)
    assert early.labels == ("ncii_request",)
    assert early.truncated
    assert all(s.end <= MAX_CHARS for s in early.spans)


def test_folding_output_is_bounded() -> None:
    # One character folds to up to 18 ("ﷺ"); the folded text is cut at 4 × MAX_CHARS.
    norm = normalise("ﷺ" * 2 * MAX_CHARS)
    assert len(norm.text) <= 4 * MAX_CHARS
    assert norm.ends[-1] <= MAX_CHARS


def test_maskable_words_are_plain_lowercase() -> None:
    """``_masks`` relies on it: a ``*`` stands for 0-2 letters of a word made of a-z only."""
    assert all(re.fullmatch(r"[a-z]+", w) for w in _MASKABLE)


@settings(max_examples=400, deadline=None, database=None)
@given(st.text(alphabet="nudesptomikal*", max_size=9).filter(lambda t: t.count("*") <= 4),
       st.sampled_from(_MASKABLE))
def test_masked_words_match_like_the_pattern_they_replace(token: str, word: str) -> None:
    # The regex each '*' used to become, built here from small generated tokens only.
    oracle = "".join("[a-z]{0,2}" if c == "*" else re.escape(c) for c in token)
    assert _masks(token, word) == bool(re.fullmatch(oracle, word))


def test_masked_words_are_recovered() -> None:
    assert normalise("n*des").text == "nudes"
    assert normalise("p**e").text == "pute"
    assert normalise("n" + "*" * 60 + "s").text == "nudes"


if __name__ == "__main__":
    _BATCHES[sys.argv[1]]()
