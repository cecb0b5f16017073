"""Normalisation undoes each evasion and keeps offsets into the original text."""

from __future__ import annotations

import pytest

from rempart.core.text.lexicon import CLASSES
from rempart.core.text.normalise import normalise


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("QUI A DES NUDES", "qui a des nudes"),  # case
        ("lycéennes collégienne", "lyceennes collegienne"),  # accents
        ("nud3s m1neures d0ss s3xtape", "nudes mineures doss sextape"),  # leetspeak
        ("n u d e s", "nudes"),  # spaced letters
        ("n.u.d.e.s c.p p-t-h-c", "nudes cp pthc"),  # dotted / dashed letters
        ("nuuuuudes", "nudes"),  # repeated letters
        ("qu\u0456 \u0430 d\u0435s nud\u0435s", "qui a des nudes"),  # Cyrillic look-alikes
        ("\u03bf\u03c1\u03b1", "opa"),  # Greek look-alikes
        ("\uff4e\uff55\uff44\uff45\uff53", "nudes"),  # fullwidth
        ("𝐧𝐮𝐝𝐞𝐬", "nudes"),  # mathematical bold
        ("nu\u200bd\u200des\u00ad", "nudes"),  # zero-width characters, soft hyphen
        ("qqn kelk1 qlq1", "quelqu un quelqu un quelqu un"),  # SMS spellings
        ("ki a dé tofs", "qui a de photos"),
        ("n*des", "nudes"),  # masked letters
        ("p*cs pho*os", "photos photos"),  # masked letters, SMS spelling
        ("m*1*n*3*u*r*3*s", "mineures"),  # dotted leetspeak
        ("numér0 fot05", "numero photos"),  # trailing look-alike digits
        ("0\ufe0f\u20e36\ufe0f\u20e3 39", "06 39"),  # keycap digits stay digits
    ],
)
def test_evasions_are_undone(raw: str, expected: str) -> None:
    assert normalise(raw).text == expected


def test_dotted_numbers_and_versions_are_not_joined() -> None:
    assert normalise("06.39.98.12.34 v2.0 1.5 fisha78").text == "06.39.98.12.34 v2.0 1.5 fisha78"


def test_numbers_units_and_handles_are_kept() -> None:
    text = normalise("fisha78 15ans 3ème 4e 13yo @exemple_groupe_123 06 12 34 56 78").text
    assert text == "fisha78 15ans 3eme 4e 13yo @exemple_groupe_123 06 12 34 56 78"


def test_emojis_used_as_words() -> None:
    text = normalise("groupe 🍕 🔞 📸").text.split()
    assert text == ["groupe", "pizzaemoji", "nsfwemoji", "photo"]


def test_spaced_and_dotted_links_are_found() -> None:
    for raw in ("t . me / + abc123", "t(.)me/joinchat/Xyz", "t point me slash plus Fake99"):
        assert CLASSES["link"].search(normalise(raw).text), raw


@pytest.mark.parametrize(
    ("raw", "word"),
    [
        ("Quі a des NUD3S ?", "NUD3S"),
        ("qui a des n u d e s ?", "n u d e s"),
        ("qui a des 𝐧𝐮𝐝𝐞𝐬 stp", "𝐧𝐮𝐝𝐞𝐬"),
        ("ｑｕｉ ａ ｄｅｓ ｎｕｄｅｓ", "ｎｕｄｅｓ"),
        ("a des nu\u200bdes !", "nu\u200bdes"),
        ("des nuuuudes", "nuuuudes"),
    ],
)
def test_offsets_point_into_the_original(raw: str, word: str) -> None:
    norm = normalise(raw)
    i = norm.text.index("nudes")
    start, end = norm.original_span(i, i + len("nudes"))
    assert raw[start:end] == word


def test_empty_text() -> None:
    norm = normalise("")
    assert norm.text == ""
    assert norm.original_span(0, 0) == (0, 0)


def test_fold_cache_is_bounded_by_distinct_characters() -> None:
    from rempart.core.text.normalise import _FOLDED, _FOLDED_MAX

    for start in range(0x20000, 0x20000 + 80_000, 4000):
        text = "".join(chr(c) for c in range(start, start + 4000)) + " é"
        assert normalise(text).text.endswith(" e")
        assert len(_FOLDED) <= _FOLDED_MAX
