"""Bake files in HCL native syntax: bodies of `name = expr` attributes and labelled blocks."""

from __future__ import annotations

import re

from .body import Attribute, Block, Body, File
from .parser import Parser

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


class _BodyParser(Parser):
    def skip_body_ws(self) -> None:
        self.nl_depth += 1
        self.skip_ws()
        self.nl_depth -= 1

    def body(self, closing: bool) -> Body:
        body = Body()
        while True:
            self.skip_body_ws()
            if self.at_end():
                if closing:
                    raise self.error("Unclosed configuration block", "There is no closing brace for this block before the end of the file.", max(0, self.i - 1), self.i)
                body.missing_item_range = self.rng(self.i, self.i)
                return body
            if self.peek() == "}":
                if not closing:
                    raise self.error("Argument or block definition required", "An argument or block definition is required here.", self.i)
                body.missing_item_range = self.rng(self.i, self.i + 1)
                self.i += 1
                return body
            start = self.i
            match = _IDENT.match(self.src, self.i)
            if not match:
                raise self.error("Argument or block definition required", "An argument or block definition is required here.", self.i)
            name = match.group()
            self.i = match.end()
            self.skip_ws()
            if self.peek() == "=" and self.peek(2) != "==":
                self.i += 1
                self.nl_depth = 0
                expr = self.parse_expression()
                body.attributes.append(Attribute(name, expr, self.rng(start, self.i)))
                self._end_of_item()
                continue
            labels: list[str] = []
            label_ranges = []
            while self.peek() != "{":
                label_at = self.i
                if self.peek() == '"':
                    self.i += 1
                    parts = self.parse_template_parts(quoted=True)
                    labels.append("".join(getattr(p, "text", "") for p in parts))
                else:
                    label = _IDENT.match(self.src, self.i)
                    if not label:
                        raise self.error("Invalid block definition", "Either a quoted string block label or an opening brace (\"{\") is expected here.", self.i)
                    self.i = label.end()
                    labels.append(label.group())
                label_ranges.append(self.rng(label_at, self.i))
                self.skip_ws()
            def_range = self.rng(start, self.i)
            self.i += 1
            inner = self.body(closing=True)
            body.blocks.append(Block(name, labels, label_ranges, inner, def_range))
            if name == "variable" or name == "function":
                pass
            self._end_of_item()

    def _end_of_item(self) -> None:
        self.skip_ws()
        if self.at_end() or self.peek() in ("\n", "}"):
            return
        raise self.error("Missing newline after argument", "An argument definition must end with a newline.", self.i)


def parse_hcl_file(text: str, name: str) -> File:
    parser = _BodyParser(text, name)
    return File(name, parser.body(closing=False))
