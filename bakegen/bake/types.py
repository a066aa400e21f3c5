"""Variable type constraints (hcl typeexpr) and conversion of values and env strings to them."""

from __future__ import annotations

from typing import Any

from .expressions import Expression, FunctionCall, Literal, ObjectCons, TupleCons, Variable
from .values import ConversionError, Value, to_bool, to_number, to_string, type_name

Type = Any  # "string" | "number" | "bool" | "any" | ("list"|"set"|"map", T) | ("tuple", [T]) | ("object", {k: T})


class TypeError_(Exception):
    pass


def type_from_expression(expr: Expression) -> Type:
    if isinstance(expr, Variable) and expr.name in ("string", "number", "bool", "any"):
        return expr.name
    if isinstance(expr, FunctionCall) and len(expr.args) == 1:
        if expr.name in ("list", "set", "map"):
            return (expr.name, type_from_expression(expr.args[0]))
        if expr.name == "tuple" and isinstance(expr.args[0], TupleCons):
            return ("tuple", [type_from_expression(e) for e in expr.args[0].items])
        if expr.name == "object" and isinstance(expr.args[0], ObjectCons):
            fields = {}
            for key, value in expr.args[0].items:
                if isinstance(key, Literal):
                    fields[str(key.literal)] = type_from_expression(value)
                elif isinstance(key, Variable):
                    fields[key.name] = type_from_expression(value)
            return ("object", fields)
    raise TypeError_("A type specification is either a primitive type keyword (bool, number, string) or a complex type constructor call, like list(string).")


def friendly(t: Type) -> str:
    if isinstance(t, str):
        return "any single type" if t == "any" else t
    if t[0] in ("list", "set", "map"):
        return f"{t[0]} of {friendly(t[1])}"
    return str(t[0])


def convert(value: Value, t: Type) -> Value:
    if value is None or t == "any":
        return value
    if t == "string":
        return to_string(value)
    if t == "number":
        return to_number(value)
    if t == "bool":
        return to_bool(value)
    kind = t[0]
    if kind in ("list", "set", "tuple"):
        if not isinstance(value, list):
            raise ConversionError(f"{friendly(t)} required, but have {type_name(value)}")
        if kind == "tuple":
            return [convert(v, e) for v, e in zip(value, t[1])]
        return [convert(v, t[1]) for v in value]
    if not isinstance(value, dict):
        raise ConversionError(f"{friendly(t)} required, but have {type_name(value)}")
    if kind == "map":
        return {k: convert(v, t[1]) for k, v in value.items()}
    return {k: convert(value.get(k), e) for k, e in t[1].items()}


def is_primitive(t: Type) -> bool:
    return t in ("string", "number", "bool")
