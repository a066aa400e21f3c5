"""The cty value model in plain Python: None is null, str, bool, int/float numbers,
list for tuples and lists, dict for objects and maps, and UNKNOWN for a failed result."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any


class _Unknown:
    """cty.DynamicVal: what a failed expression yields, so callers can add their own diagnostics."""

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:  # noqa: PYI034 - a singleton, not a subclassable type
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Any = _Unknown()

Value = Any


class ConversionError(Exception):
    pass


def is_number(value: Value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def type_name(value: Value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if is_number(value):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "tuple"
    if isinstance(value, dict):
        return "object"
    return "dynamic"


def format_number(value: float) -> str:
    # cty prints numbers as big.Float.Text('f', -1): no exponent, no trailing ".0".
    if isinstance(value, int):
        return str(value)
    if value == int(value):
        return str(int(value))
    text = format(Decimal(repr(value)), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def normalize_number(value: float) -> int | float:
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
        return int(value)
    return value


def to_string(value: Value) -> str:
    """cty convert to string for primitives; raises ConversionError otherwise."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if is_number(value):
        return format_number(value)
    if isinstance(value, str):
        return value
    raise ConversionError(f"string required, but have {type_name(value)}")


def to_bool(value: Value) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        if value == "true":
            return True
        if value == "false":
            return False
        # cty accepts "1"/"0" for bool as well since v1.13.
        if value == "1":
            return True
        if value == "0":
            return False
        raise ConversionError("a bool is required")
    raise ConversionError("a bool is required")


def parse_number_text(text: str) -> int | float | None:
    try:
        if text.strip() != text or "_" in text:
            return None
        if text.lstrip("+-").isdigit():
            return int(text)
        number = float(text)
    except ValueError:
        return None
    if math.isnan(number) or math.isinf(number):
        return None
    return normalize_number(number)


def to_number(value: Value) -> int | float:
    if is_number(value):
        return value  # type: ignore[no-any-return]
    if isinstance(value, str):
        number = parse_number_text(value)
        if number is not None:
            return number
    raise ConversionError("a number is required")


def equal(left: Value, right: Value) -> bool:
    if left is None or right is None:
        return left is None and right is None
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if is_number(left) and is_number(right):
        return bool(left == right)
    if type(left) is not type(right):
        return False
    if isinstance(left, list):
        return len(left) == len(right) and all(equal(a, b) for a, b in zip(left, right))
    if isinstance(left, dict):
        return left.keys() == right.keys() and all(equal(left[k], right[k]) for k in left)
    return bool(left == right)


def kind(value: Value) -> str:
    """A coarse type class for conditional-result unification."""
    if value is None or value is UNKNOWN:
        return "dynamic"
    if isinstance(value, (bool, int, float, str)):
        return "primitive"
    if isinstance(value, list):
        return "sequence"
    return "mapping"


def friendly_list_type(value: Value) -> str:
    return type_name(value)
