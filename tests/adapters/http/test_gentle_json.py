"""The gentle decoder gives exactly ``json.loads``'s object, or a ValueError."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rempart.adapters.http.gentle_json import decode_object

scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
values = st.recursive(scalars, lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
                      max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(), values), st.sampled_from([None, 0, 2]))
def test_same_as_json_loads(obj: dict[str, Any], indent: int | None) -> None:
    text = json.dumps(obj, indent=indent)
    assert decode_object(text) == json.loads(text)
    assert decode_object(f" \n{text}\t ") == json.loads(text)


@pytest.mark.parametrize("text", [
    "", "[]", "1", '"x"', "{", '{"a": [1, 2}', '{"a": [1 2]}', '{"a" 1}', '{1: 2}',
    '{"a": 1,}', '{"a": [1,]}', '{"a": 1} x', '{"a": 1}{}', "{'a': 1}",
])
def test_malformed_or_not_an_object(text: str) -> None:
    with pytest.raises(ValueError):
        decode_object(text)
