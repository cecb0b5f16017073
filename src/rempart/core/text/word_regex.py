r"""Word-class regexes compiled from readable alternations, kept linear in the text they scan.

A class is written as one alternation wrapped over several lines (see ``lexicon``); compiling
it shares the leading literals of its branches (a trie) and puts a first-character test in
front, so that ``re`` tries few branches at each word start.

Example::

    >>> compile_word_class("nudes|nues?|pics").pattern
    '(?<![\\w@])(?=[np])(?:n(?:u(?:des|es?))|pics)(?![\\w])'
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import pairwise


def _structure(pattern: str, start: int = 0) -> Iterator[tuple[int, str, int]]:
    """(index, character, group depth after it) of each character of ``pattern`` from
    ``start`` that is neither escaped nor inside a character class."""
    depth, i, in_class = 0, start, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
        else:
            depth += (c == "(") - (c == ")")
            yield i, c, depth
        i += 1


def _split(pattern: str) -> list[str]:
    """Top-level alternatives of a regex (respecting groups, classes and escapes)."""
    cuts = [i for i, c, depth in _structure(pattern) if c == "|" and depth == 0]
    bounds = [-1, *cuts, len(pattern)]
    return [pattern[a + 1 : b] for a, b in pairwise(bounds)]


def _group_end(pattern: str, start: int) -> int:
    """Index of the ``)`` closing the group opened at ``pattern[start]``."""
    for i, c, depth in _structure(pattern, start):
        if c == ")" and depth == 0:
            return i
    raise ValueError(f"unbalanced group in {pattern!r}")


def _first_atom(branch: str) -> tuple[str, str] | None:
    """(leading literal, rest) when the branch starts with an unquantified literal."""
    if not branch or branch[0] in "()[].^$|?*+{":
        return None
    atom = branch[:2] if branch[0] == "\\" else branch[0]
    if atom[0] == "\\" and atom[1] in "wWdDsSbB":
        return None
    rest = branch[len(atom):]
    return None if rest[:1] in ("?", "*", "+", "{") else (atom, rest)


def _first_chars(branch: str) -> set[str] | None:
    """Character-class items one of which starts every match of ``branch``; None if unknown.

    Lookbehinds are skipped; a group is the union of its alternatives; anything optional or
    open-ended at the start (``\\w``, ``.``, ``x?``) gives None (no guard for the class).
    """
    while branch.startswith(("(?<!", "(?<=")):
        branch = branch[_group_end(branch, 0) + 1:]
    if not branch:
        return None
    if branch.startswith("(?:"):
        end = _group_end(branch, 0)
        if branch[end + 1:end + 2] in ("?", "*", "{"):
            return None
        out: set[str] = set()
        for alt in _split(branch[3:end]):
            first = _first_chars(alt)
            if first is None:
                return None
            out |= first
        return out
    if branch.startswith("["):
        end = branch.index("]", 1)
        if branch[1] == "^" or branch[end + 1:end + 2] in ("?", "*", "{"):
            return None
        return {branch[1:end]}
    if branch.startswith("\\d"):
        return None if branch[2:3] in ("?", "*", "{") else {"0-9"}
    atom = _first_atom(branch)
    if atom is None:
        return None
    return {atom[0] if atom[0].startswith("\\") else re.escape(atom[0])}


def _factor(branches: list[str]) -> str:
    """Share leading literals between alternatives (a trie): re tries far fewer branches."""
    groups: dict[str, list[str]] = {}
    others: list[str] = []
    empty = False
    for branch in branches:
        split = _first_atom(branch)
        if not branch:
            empty = True
        elif split is None:
            others.append(branch)
        else:
            groups.setdefault(split[0], []).append(split[1])
    parts = [atom + (rests[0] if len(rests) == 1 else f"(?:{_factor(rests)})")
             for atom, rests in groups.items()]
    return "|".join([*parts, *others, *([""] if empty else [])])


# Every class runs on each message, so each must stay linear in it: compiled once, from the
# constants of ``lexicon`` (never from a message), and no two neighbouring quantified parts that
# can match the same characters (``\s*(?:\+)?\s*/?\s*`` backtracked cubically on ``'t.me/' +
# ' ' * 2000``). tests/core/text/test_text_bounded.py runs hostile texts against them.
def compile_word_class(body: str) -> re.Pattern[str]:
    """One word class's regex: ``body``'s alternatives, matched as whole words."""
    # A line ending in "|" continues the alternation; any other break stands for one space.
    alternation = re.sub(r"\|\s*\n\s*", "|", body)
    alternation = re.sub(r"\s*\n\s*", " ", alternation)
    factored = _factor(_split(alternation))
    firsts = [_first_chars(b) for b in _split(factored)]
    guard = ""
    if all(f is not None for f in firsts):
        # Cheap first-character test before entering the alternation at each word start.
        guard = "(?=[" + "".join(sorted({c for f in firsts if f for c in f})) + "])"
    return re.compile(r"(?<![\w@])" + guard + "(?:" + factored + r")(?![\w])")
