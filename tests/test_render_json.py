"""render.indented_json writes exactly json.dumps(indent=2, sort_keys=True, ensure_ascii=False).

The bake file's bytes are the contract (committed, hashed in the header): the direct writer
must give the same text as the json module for every value a bake dict can hold, and
defer to json.dumps for anything else.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from bakegen.render import indented_json, render_json

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings
from hypothesis import strategies as st

# Every code point but surrogates (no UTF-8 for them): control characters, quotes, backslashes,
# U+2028/U+2029, non-ASCII and astral characters all included.
TEXT = st.text(st.characters(exclude_categories=["Cs"]))
LEAVES = st.none() | st.booleans() | st.integers() | TEXT
VALUES = st.recursive(
    LEAVES, lambda inner: st.lists(inner, max_size=5) | st.dictionaries(TEXT, inner, max_size=5), max_leaves=40
)


def reference(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)


@pytest.mark.slow  # about 2.5 s: the quick loop leaves it to the full suite
@settings(max_examples=1000, derandomize=True, deadline=None, database=None)
@given(VALUES)
def test_same_text_as_json_dumps(value: Any) -> None:
    assert indented_json(value) == reference(value)


@pytest.mark.slow  # about 1.3 s
@settings(max_examples=300, derandomize=True, deadline=None, database=None)
@given(st.dictionaries(st.sampled_from(["group", "target", "variable", "function", "x"]), VALUES))
def test_render_json_is_the_reference_text(bake: dict[str, Any]) -> None:
    document = {key: value for key, value in bake.items() if key not in ("group", "target", "variable", "function") or value}
    assert render_json(bake) == (reference(document) + "\n").encode("utf-8")


@pytest.mark.parametrize(
    "value",
    [
        {"a": 1.5, "b": [float("inf")]},  # floats: json's own spelling
        {"b": (1, "x"), "a": {2: "int key", 1: True}},  # tuples, non-string keys
        [{"k": "v"}, {"k": [None, False, -0, 10**30]}],
        {"\x00\x1f\"\\\u2028\ud7ff é 𝄞": "\x7f\n\t"},
    ],
)
def test_values_outside_the_plain_shapes(value: Any) -> None:
    assert indented_json(value) == reference(value)


def test_the_errors_are_json_dumps_errors() -> None:
    with pytest.raises(TypeError, match="Object of type set is not JSON serializable"):
        indented_json({"a": {1, 2}})
    with pytest.raises(TypeError, match="not supported between instances of"):
        indented_json({"a": 1, 2: "b"})
    loop: list[Any] = []
    loop.append(loop)
    with pytest.raises(ValueError, match="Circular reference detected"):
        indented_json({"a": loop})
