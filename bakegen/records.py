"""``Record``: the base of bakegen's small immutable value classes (the model, the policy…)."""

from __future__ import annotations

import operator

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import ClassVar


class Record:
    """A class whose fields are its ``__slots__`` (a parent's first): compared, hashed and
    printed by their values, as a frozen dataclass is. Instances are immutable (they are
    hashed): a subclass lists its fields in ``__slots__`` and assigns each once in its
    ``__init__``, as ``Final`` (``self.name: Final = name``), so mypy refuses a later assignment.

    Not dataclasses nor NamedTuples: a render defines about 20 such classes, which cost
    ~3 ms more to define as either (dataclasses exec() generated methods, and importing
    dataclasses loads inspect, ast, dis, tokenize: ~5 ms more; a NamedTuple eval()s its
    ``__new__`` and compiles each annotation) than as plain classes (tests/test_import_cost.py).
    """

    __slots__: tuple[str, ...] = ()
    # The field values of an instance (an operator.attrgetter of the class): read in C, as
    # hashing and comparing are on the hot path (a Substitution is a memo key).
    _field_values: ClassVar[Callable[[Record], object]]
    _field_names: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls) -> None:
        super().__init_subclass__()
        cls._field_names = (*cls._field_names, *cls.__dict__.get("__slots__", ()))  # a parent's first
        if cls._field_names:
            cls._field_values = operator.attrgetter(*cls._field_names)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Record) or other.__class__ is not self.__class__:
            return NotImplemented
        values = type(self)._field_values
        return values(self) == values(other)

    def __hash__(self) -> int:
        return hash(type(self)._field_values(self))

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._field_names)
        return f"{type(self).__name__}({fields})"
