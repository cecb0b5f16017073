"""The message catalog read from the TOML files of ``adapters/web/messages``: every file is
read, long strings join their lines, and a key defined twice or a value that is not
``[French, English]`` is an error."""

from __future__ import annotations

import pytest

from rempart.adapters.web.i18n import CATALOG, translator
from rempart.adapters.web.messages import FOLDER, catalog, merge, read_pairs


def test_every_file_adds_its_words() -> None:
    files = sorted(FOLDER.glob("*.toml"))
    assert len(files) > 10 and catalog() is CATALOG
    for path in files:
        pairs = read_pairs(path.read_text(encoding="utf-8"), path.name)
        assert pairs and all(CATALOG[key] == pair for key, pair in pairs.items()), path.name


def test_long_strings_join_their_lines() -> None:
    assert translator("en")("users.create_help").startswith(
        "No password is chosen or shown here: you get a one-time link (valid 24 hours) to give to "
        "the person")
    assert "\n" not in "".join(text for pair in CATALOG.values() for text in pair)


def test_a_key_defined_twice_is_an_error() -> None:
    one = read_pairs('"x.title" = ["Titre", "Title"]', "one.toml")
    with pytest.raises(ValueError, match=r"'x\.title' defined twice \(two\.toml\)"):
        merge([("one.toml", one), ("two.toml", one)])


@pytest.mark.parametrize("value", ['["Titre"]', '"Title"', '["Titre", 2]',
                                   '["Titre", "Title", "Titel"]'])
def test_a_value_must_be_french_and_english(value: str) -> None:
    with pytest.raises(ValueError, match=r"not \[French, English\]"):
        read_pairs(f'"x.title" = {value}', "bad.toml")
