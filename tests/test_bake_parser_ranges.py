"""Source ranges of bakegen.bake's parser, computed lazily from offsets (diagnostics.Range)."""

from __future__ import annotations

from bakegen.bake.diagnostics import Pos, Range
from bakegen.bake.expressions import BinaryOp, Conditional, InterpPart, Template
from bakegen.bake.parser import parse_expression, parse_template


def test_a_range_from_offsets_equals_hashes_and_prints_as_one_from_positions() -> None:
    lazy = Range.at_offsets("f.hcl", lambda offset: Pos(2, offset + 1), 4, 9)
    eager = Range("f.hcl", Pos(2, 5), Pos(2, 10))
    assert lazy == eager and hash(lazy) == hash(eager)
    assert repr(lazy) == "Range(filename='f.hcl', start=Pos(line=2, column=5), end=Pos(line=2, column=10))"
    assert str(lazy) == "f.hcl:2,5-10"
    assert str(lazy.to(Range("f.hcl", Pos(3, 1), Pos(4, 2)))) == "f.hcl:2,5-4,2"
    assert lazy != Range("f.hcl", Pos(2, 5), Pos(2, 11)) and lazy != "f.hcl:2,5-10"


def test_binary_operator_ranges_are_those_of_one_recursion_per_precedence_level() -> None:
    # Pinned from the parser before positions became lazy and the levels one loop: a chain of
    # operators starts at its first operand; an operand of a looser level keeps its trailing
    # whitespace and comments, one of the tightest (* / %) does not.
    e = parse_expression("a + b * c  /* x */ - d\n", "f.hcl", Pos(4, 9))
    assert isinstance(e, BinaryOp) and isinstance(e.lhs, BinaryOp)
    assert [str(e.range), str(e.lhs.range), str(e.lhs.rhs.range), str(e.rhs.range)] == [
        "f.hcl:4,9-5,1",
        "f.hcl:4,9-28",
        "f.hcl:4,12-18",
        "f.hcl:4,30-31",
    ]
    e = parse_expression("(x ?\n  y :\n  z) || ! w", "f.hcl", Pos(4, 9))
    assert isinstance(e, BinaryOp) and isinstance(e.lhs, Conditional)
    assert [str(e.range), str(e.lhs.range), str(e.lhs.false_result.range), str(e.rhs.range)] == [
        "f.hcl:4,9-6,12",
        "f.hcl:4,10-6,4",
        "f.hcl:6,3-4",
        "f.hcl:6,9-12",
    ]


def test_template_part_ranges() -> None:
    t = parse_template('img/${ R != null ? R : "d" }:${T}', "f.json", Pos(2, 3))
    assert isinstance(t, Template)
    assert str(t.range) == "f.json:2,3-36"
    assert [str(part.range) for part in t.parts] == ["f.json:2,3-7", "f.json:2,7-31", "f.json:2,31-32", "f.json:2,32-36"]
    interp = t.parts[1]
    assert isinstance(interp, InterpPart) and isinstance(interp.expr, Conditional)
    assert str(interp.expr.condition.range) == "f.json:2,10-20"
    assert t.variables() == ["R", "R", "T"]
