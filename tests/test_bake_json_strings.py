"""Strings of bake JSON files (bakegen.bake.jsonfile): scanning, errors, one parse per string."""

from __future__ import annotations

import pytest

from bakegen.bake import jsonfile, parser
from bakegen.bake.diagnostics import BakeError
from bakegen.bake.expressions import Expression
from bakegen.bake.jsonfile import JsonArray, JsonExpression, JsonString, parse_json_file


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"target": {"a": {"tags": ["x', "f.json:1,28-29: Invalid JSON string; Unterminated string."),
        ('{"target": {"a": {"tags": ["x\\', "f.json:1,28-29: Invalid JSON string; Unterminated string."),
        ('{"target": {"a": {"tags": ["x\\"]}}}', "f.json:1,28-29: Invalid JSON string; Unterminated string."),
        (
            '{"target": {"a": {"tags": ["\\q"]}}}',
            "f.json:1,28-32: Invalid JSON string; The string contains an invalid escape sequence.",
        ),
    ],
)
def test_string_errors(text: str, message: str) -> None:
    with pytest.raises(BakeError) as caught:
        parse_json_file(text, "f.json")
    assert str(caught.value) == message


def test_escapes_and_whitespace_between_tokens() -> None:
    text = '{\n\t"target" :\r\n {"a": {"tags": ["a\\"b\\\\", "\\u00e9"]}}}  \n'
    block = parse_json_file(text, "f.json").body.blocks[0]
    attribute = block.body.attributes[0]
    assert isinstance(attribute.expr, JsonExpression) and isinstance(attribute.expr.node, JsonArray)
    assert (block.labels, attribute.name, str(attribute.range)) == (["a"], "tags", "f.json:3,9-37")
    assert [item.text for item in attribute.expr.node.items if isinstance(item, JsonString)] == ['a"b\\', "é"]


def test_each_string_is_parsed_as_a_template_once(monkeypatch: pytest.MonkeyPatch) -> None:
    parsed: list[str] = []
    parse_template = parser.parse_template

    def counting(src: str, *args: object) -> Expression:
        parsed.append(src)
        return parse_template(src, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(jsonfile, "parse_template", counting)
    text = '{"target": {"a": {"tags": ["${A}:x", "${B}"], "args": {"K": "${C}"}}}}'
    body = parse_json_file(text, "f.json").body.blocks[0].body
    for _ in range(2):
        assert [attribute.expr.variables() for attribute in body.attributes] == [["A", "B"], ["C"]]
    assert sorted(parsed) == ["${A}:x", "${B}", "${C}"]
