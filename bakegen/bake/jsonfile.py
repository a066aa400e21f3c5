"""Bake files in JSON (hcl/json): a position-keeping JSON parser whose strings are templates."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from .body import Attribute, Block, Body, File
from .diagnostics import Diagnostic, Pos, Range, fail
from .expressions import Context, Expression, Result
from .parser import ParseError, Parser, parse_expression, parse_template
from .values import UNKNOWN, Value, normalize_number

_NUMBER = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?")
# A string's characters up to its closing quote, escapes taken two characters at a time, and
# JSON whitespace, by regex (measured: explain at 1000 services 1081 -> 1025 ms CPU).
_STRING_BODY = re.compile(r'(?:[^"\\]+|\\.)*', re.DOTALL)
_JSON_SPACE = re.compile(r"[ \t\r\n]*")
# Keys "//" are comments in hcl's JSON syntax, at any level of a body.
COMMENT_KEY = "//"


@dataclass
class JsonValue:
    range: Range


@dataclass
class JsonString(JsonValue):
    text: str
    # The text parsed as a template, once per file: items of arrays and objects get a new
    # JsonExpression for variables() and again for value() (measured: explain at 1000
    # services parsed 26001 templates, 13000 of them a second time).
    template: Expression | None = field(default=None, repr=False, compare=False)


@dataclass
class JsonScalar(JsonValue):
    scalar: Value


@dataclass
class JsonArray(JsonValue):
    items: list[JsonValue]
    open_range: Range


@dataclass
class JsonObject(JsonValue):
    pairs: list[tuple[JsonString, JsonValue]]
    open_range: Range
    close_range: Range


class JsonExpression(Expression):
    """A JSON value used as an expression: strings are templates, parsed when evaluated."""

    def __init__(self, node: JsonValue) -> None:
        self.node = node
        self.range = node.range

    @property
    def start_range(self) -> Range:
        if isinstance(self.node, (JsonArray, JsonObject)):
            return self.node.open_range
        return self.range

    def template(self) -> Expression:
        node = self.node
        assert isinstance(node, JsonString)
        if node.template is None:
            start = node.range.start
            node.template = parse_template(node.text, self.range.filename, Pos(start.line, start.column + 1))
        return node.template

    def variables(self) -> list[str]:
        if isinstance(self.node, JsonString):
            try:
                return self.template().variables()
            except ParseError:
                return []
        if isinstance(self.node, JsonArray):
            return [n for item in self.node.items for n in JsonExpression(item).variables()]
        if isinstance(self.node, JsonObject):
            return [n for _, v in self.node.pairs for n in JsonExpression(v).variables()]
        return []

    def value(self, ctx: Context) -> Result:
        node = self.node
        if isinstance(node, JsonString):
            try:
                return self.template().value(ctx)
            except ParseError as error:
                return UNKNOWN, list(error.diagnostics)
        if isinstance(node, JsonScalar):
            return node.scalar, []
        if isinstance(node, JsonArray):
            values: list[Value] = []
            diags: list[Diagnostic] = []
            unknown = False
            for item in node.items:
                value, item_diags = JsonExpression(item).value(ctx)
                diags += item_diags
                unknown = unknown or value is UNKNOWN
                values.append(value)
            return (UNKNOWN if unknown else values), diags
        assert isinstance(node, JsonObject)
        result: dict[str, Value] = {}
        diags = []
        unknown = False
        for key, item in node.pairs:
            key_value, key_diags = JsonExpression(key).value(ctx)
            value, value_diags = JsonExpression(item).value(ctx)
            diags += key_diags + value_diags
            if key_value is UNKNOWN or value is UNKNOWN:
                unknown = True
                continue
            result[str(key_value)] = value
        return (UNKNOWN if unknown else result), diags

    def as_keyword(self) -> str | None:
        if isinstance(self.node, JsonString):
            return self.node.text
        return None

    def as_native(self) -> Expression:
        """hcl's static analysis of a JSON string: the text parsed as a native expression."""
        assert isinstance(self.node, JsonString)
        start = self.node.range.start
        return parse_expression(self.node.text, self.range.filename, Pos(start.line, start.column + 1))


class _JsonParser(Parser):
    def value(self) -> JsonValue:
        self.skip_json_ws()
        start = self.i
        c = self.peek()
        if c == "{":
            self.i += 1
            open_range = self.rng(start, self.i)
            pairs: list[tuple[JsonString, JsonValue]] = []
            self.skip_json_ws()
            if self.peek() == "}":
                self.i += 1
                return JsonObject(self.rng(start, self.i), pairs, open_range, self.rng(self.i - 1, self.i))
            while True:
                self.skip_json_ws()
                key = self.value()
                if not isinstance(key, JsonString):
                    raise self.error("Invalid JSON object property name", "A JSON object property name must be a string", key.range.start.column - 1)
                self.skip_json_ws()
                if self.peek() != ":":
                    raise self.error("Missing property value colon", "JSON uses a colon as its name/value delimiter.", self.i)
                self.i += 1
                pairs.append((key, self.value()))
                self.skip_json_ws()
                if self.peek() == ",":
                    self.i += 1
                    continue
                if self.peek() == "}":
                    self.i += 1
                    return JsonObject(self.rng(start, self.i), pairs, open_range, self.rng(self.i - 1, self.i))
                raise self.error("Missing attribute seperator comma", "A comma must appear between each property definition in an object.", self.i)
        if c == "[":
            self.i += 1
            open_range = self.rng(start, self.i)
            items: list[JsonValue] = []
            self.skip_json_ws()
            if self.peek() == "]":
                self.i += 1
                return JsonArray(self.rng(start, self.i), items, open_range)
            while True:
                items.append(self.value())
                self.skip_json_ws()
                if self.peek() == ",":
                    self.i += 1
                    continue
                if self.peek() == "]":
                    self.i += 1
                    return JsonArray(self.rng(start, self.i), items, open_range)
                raise self.error("Missing array element seperator comma", "A comma must appear between each element of an array.", self.i)
        if c == '"':
            src = self.src
            end = _STRING_BODY.match(src, self.i + 1).end()  # type: ignore[union-attr]
            if end >= len(src) or src[end] != '"':  # the end, or a backslash ending the file
                raise self.error("Invalid JSON string", "Unterminated string.", start)
            raw = src[start : end + 1]
            try:
                text = json.loads(raw)
            except ValueError:
                raise self.error("Invalid JSON string", "The string contains an invalid escape sequence.", start, end + 1) from None
            self.i = end + 1
            return JsonString(self.rng(start, self.i), text)
        for word, scalar in (("true", True), ("false", False), ("null", None)):
            if self.src.startswith(word, self.i):
                self.i += len(word)
                return JsonScalar(self.rng(start, self.i), scalar)
        match = _NUMBER.match(self.src, self.i)
        if match:
            self.i = match.end()
            text = match.group()
            number = int(text) if re.fullmatch(r"-?\d+", text) else normalize_number(float(text))
            return JsonScalar(self.rng(start, self.i), number)
        raise self.error("Invalid JSON value", "Expected a JSON value.", self.i)

    def skip_json_ws(self) -> None:
        self.i = _JSON_SPACE.match(self.src, self.i).end()  # type: ignore[union-attr]


def parse_json_file(text: str, name: str) -> File:
    parser = _JsonParser(text, name)
    root = parser.value()
    parser.skip_json_ws()
    if not parser.at_end():
        raise parser.error("Extraneous data after value", "Extra characters appear after the JSON value.", parser.i)
    if not isinstance(root, JsonObject):
        raise fail("Incorrect JSON value type", "The root value must be a JSON object.", root.range)
    body = Body(missing_item_range=root.close_range)
    for key, value in root.pairs:
        if key.text == COMMENT_KEY:
            continue
        if key.text in ("variable", "target", "group", "function"):
            body.blocks += _labelled_blocks(key.text, value)
        else:
            body.attributes.append(Attribute(key.text, JsonExpression(value), key.range.to(value.range)))
    return File(name, body)


def _labelled_blocks(block_type: str, value: JsonValue) -> list[Block]:
    objects = value.items if isinstance(value, JsonArray) else [value]
    blocks: list[Block] = []
    for obj in objects:
        if not isinstance(obj, JsonObject):
            raise fail("Incorrect JSON value type", f"A JSON object is required here, setting the labels for this {block_type} block.", obj.range)
    if not any(obj.pairs for obj in objects if isinstance(obj, JsonObject)):
        # hcl/v2 json/structure.go unpackBlock: a block type needs at least one label, so
        # `"target": {}` stops buildx (bakegen omits an empty block type instead).
        opening = value.open_range if isinstance(value, (JsonArray, JsonObject)) else value.range
        raise fail(
            "Missing block label",
            f"At least one object property is required, whose name represents the {block_type} block's name.",
            opening,
        )
    for obj in objects:
        assert isinstance(obj, JsonObject)
        for label, content in obj.pairs:
            if label.text == COMMENT_KEY:
                continue
            for item in content.items if isinstance(content, JsonArray) else [content]:
                if not isinstance(item, JsonObject):
                    raise fail("Incorrect JSON value type", f"A JSON object is required here, to define arguments and child blocks for {block_type}.", item.range)
                blocks.append(Block(block_type, [label.text], [label.range], _block_body(block_type, item), label.range))
    return blocks


def _block_body(block_type: str, obj: JsonObject) -> Body:
    body = Body(missing_item_range=obj.close_range)
    for key, value in obj.pairs:
        if key.text == COMMENT_KEY:
            continue
        if block_type == "variable" and key.text == "validation":
            for item in value.items if isinstance(value, JsonArray) else [value]:
                if isinstance(item, JsonObject):
                    body.blocks.append(Block("validation", [], [], _block_body("validation", item), key.range))
            continue
        body.attributes.append(Attribute(key.text, JsonExpression(value), key.range.to(value.range)))
    return body
