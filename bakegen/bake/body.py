"""The file-format-independent shape of a bake file: attributes and labelled blocks."""

from __future__ import annotations

from dataclasses import dataclass, field

from .diagnostics import Range
from .expressions import Expression


@dataclass
class Attribute:
    name: str
    expr: Expression
    range: Range


@dataclass
class Block:
    type: str
    labels: list[str]
    label_ranges: list[Range]
    body: Body
    def_range: Range


@dataclass
class Body:
    attributes: list[Attribute] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    missing_item_range: Range | None = None

    def attribute(self, name: str) -> Attribute | None:
        found = None
        for attribute in self.attributes:
            if attribute.name == name:
                found = attribute
        return found


@dataclass
class File:
    """One parsed -f file: its top-level attributes and blocks."""

    name: str
    body: Body
