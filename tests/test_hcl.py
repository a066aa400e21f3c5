"""bakegen.hcl's template scanners: exact results, and the same results as a plain
character-at-a-time reading of the grammar (the scanners jump between special characters)."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import given, settings
from hypothesis import strategies as st

from bakegen.hcl import map_interpolations, quote_template, strip_interpolations

_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _end(text: str, index: int) -> int:
    depth = 1
    while index < len(text):
        char = text[index]
        if char == '"':
            index = _string(text, index + 1)
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return index + 1
        index += 1
    return len(text)


def _string(text: str, index: int) -> int:
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char == '"':
            return index + 1
        if text.startswith("${", index):
            index = _end(text, index + 2)
            continue
        index += 1
    return len(text)


def _quote(text: str) -> str:
    out, index = ['"'], 0
    while index < len(text):
        if text.startswith(("$${", "%%{"), index):
            out.append(text[index : index + 3])
            index += 3
        elif text.startswith(("${", "%{"), index):
            end = _end(text, index + 2)
            out.append(text[index:end])
            index = end
        else:
            out.append(_ESCAPES.get(text[index], text[index]))
            index += 1
    return "".join(out) + '"'


def _strip(text: str) -> str | None:
    out, index = [], 0
    while index < len(text):
        if text.startswith(("$${", "%%{"), index):
            out.append(text[index : index + 3])
            index += 3
        elif text.startswith(("${", "%{"), index):
            index = _end(text, index + 2)
            if index == len(text) and not text.endswith("}"):
                return None
        else:
            out.append(text[index])
            index += 1
    return "".join(out)


def _map(text: str, replace: Callable[[str], str]) -> str:
    out, index = [], 0
    while index < len(text):
        if text.startswith(("$${", "%%{"), index):
            out.append(text[index : index + 3])
            index += 3
        elif text.startswith("${", index):
            end = _end(text, index + 2)
            out.append(replace(text[index:end]))
            index = end
        else:
            out.append(text[index])
            index += 1
    return "".join(out)


def _mark(expression: str) -> str:
    return "<" + expression + ">"


# Texts made of the characters the grammar cares about, and a few plain ones.
templates = st.text(alphabet='${}%"\\\n\t\rab:/', max_size=30)


@settings(max_examples=3000, derandomize=True, deadline=None, database=None)
@given(templates)
def test_scanners_agree_with_a_character_at_a_time_reading(text: str) -> None:
    assert quote_template(text) == _quote(text)
    assert strip_interpolations(text) == _strip(text)
    assert map_interpolations(text, _mark) == _map(text, _mark)


def test_quote_template_escapes_literals_and_keeps_expressions() -> None:
    text = 'a"b\\c\n${x == "q\\"}" ? 1 : 2}$${lit}%%{lit}%{ if x }\t'
    assert quote_template(text) == '"a\\"b\\\\c\\n${x == "q\\"}" ? 1 : 2}$${lit}%%{lit}%{ if x }\\t"'


def test_strip_interpolations_keeps_escapes_and_refuses_unclosed() -> None:
    assert strip_interpolations('a${b ? "}" : c}d$${e}%{ if f }g%%{h}$i') == "ad$${e}g%%{h}$i"
    assert strip_interpolations("a${b") is None
    assert strip_interpolations("a${b}") == "a"


def test_map_interpolations_replaces_each_expression() -> None:
    assert map_interpolations('r/${A != "" ? "{x}" : B}:${T}$${U}%{V}$', _mark) == (
        'r/<${A != "" ? "{x}" : B}>:<${T}>$${U}%{V}$'
    )
