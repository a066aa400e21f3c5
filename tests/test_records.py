"""records.Record: compared, hashed and printed by field values, as a frozen dataclass is."""

from __future__ import annotations

from bakegen.interpolation import Alias, Literal, Substitution, Template
from bakegen.records import Record


class Pair(Record):
    __slots__ = ("left", "right")

    def __init__(self, left: object, right: object = None) -> None:
        self.left = left
        self.right = right


class OtherPair(Pair):
    __slots__ = ()


def test_equal_by_values_of_the_same_class() -> None:
    assert Pair(1, "a") == Pair(1, "a")
    assert Pair(1, "a") != Pair(1, "b")
    assert Pair(1) != OtherPair(1)  # another class: never equal, as dataclasses
    assert Pair(1, "a") != (1, "a")
    assert hash(Pair(1, "a")) == hash(Pair(1, "a"))
    assert len({Pair(1, "a"), Pair(1, "a"), Pair(2, "a")}) == 2


def test_repr_names_every_field() -> None:
    assert repr(Pair(1, "a")) == "Pair(left=1, right='a')"
    assert repr(Substitution("A", ":-", Template((Literal("x"),)))) == (
        "Substitution(argument=Template(parts=(Literal(text='x'),)), name='A', operator=':-')"
    )


def test_nested_records_hash_as_memo_keys() -> None:
    memo = {Substitution("A", ":-", Template((Literal("x"),))): 1}
    assert memo[Substitution("A", ":-", Template((Literal("x"),)))] == 1
    assert Alias("x") == Alias("x", expression=False) != Alias("x", expression=True)


class Triple(Pair):
    __slots__ = ("third",)

    def __init__(self, left: object, right: object, third: object) -> None:
        super().__init__(left, right)
        self.third = third


def test_a_subclass_adds_fields_after_its_parents() -> None:
    assert repr(OtherPair(1)) == "OtherPair(left=1, right=None)"
    assert repr(Triple(1, 2, 3)) == "Triple(left=1, right=2, third=3)"
    assert Triple(1, 2, 3) != Triple(1, 2, 4)
    assert Triple(1, 2, 3) == Triple(1, 2, 3)
