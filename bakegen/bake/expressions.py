"""HCL expression and template nodes, and their evaluation with hcl's diagnostics.

Every `value()` returns (value, diagnostics) like hclsyntax: an erroring expression yields
UNKNOWN, so the caller (bake's decoder) can add its own "Unsuitable value" diagnostic on top,
which is where buildx's ", and 1 other diagnostic(s)" comes from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from .diagnostics import Diagnostic, Range
from .values import (
    UNKNOWN,
    ConversionError,
    Value,
    equal,
    is_number,
    kind,
    normalize_number,
    to_bool,
    to_number,
    to_string,
    type_name,
)

if TYPE_CHECKING:
    from .functions import Function

Result = tuple[Value, list[Diagnostic]]


class Context(Protocol):
    def lookup(self, name: str, subject: Range) -> Result: ...

    def function(self, name: str) -> Function | None: ...

    def child(self, bindings: dict[str, Value]) -> Context: ...


class Expression:
    range: Range

    def value(self, ctx: Context) -> Result:
        raise NotImplementedError

    @property
    def start_range(self) -> Range:
        return self.range

    def variables(self) -> list[str]:
        return []


@dataclass
class Literal(Expression):
    literal: Value
    range: Range

    def value(self, ctx: Context) -> Result:
        return self.literal, []


@dataclass
class Variable(Expression):
    name: str
    range: Range

    def value(self, ctx: Context) -> Result:
        return ctx.lookup(self.name, self.range)

    def variables(self) -> list[str]:
        return [self.name]


def _diag(summary: str, detail: str, subject: Range) -> list[Diagnostic]:
    return [Diagnostic(summary, detail, subject)]


@dataclass
class GetAttr(Expression):
    source: Expression
    name: str
    name_range: Range
    range: Range

    def value(self, ctx: Context) -> Result:
        obj, diags = self.source.value(ctx)
        if obj is UNKNOWN or diags:
            return UNKNOWN, diags
        if obj is None:
            return UNKNOWN, _diag(
                "Attempt to get attribute from null value",
                "This value is null, so it does not have any attributes.",
                self.name_range,
            )
        if isinstance(obj, dict):
            if self.name in obj:
                return obj[self.name], []
            return UNKNOWN, _diag(
                "Unsupported attribute",
                f'This object does not have an attribute named "{self.name}".',
                self.name_range,
            )
        return UNKNOWN, _diag(
            "Unsupported attribute",
            f"Can't access attributes on a primitive-typed value ({type_name(obj)}).",
            self.name_range,
        )

    def variables(self) -> list[str]:
        return self.source.variables()


@dataclass
class Index(Expression):
    source: Expression
    key: Expression
    bracket_range: Range
    range: Range

    def value(self, ctx: Context) -> Result:
        obj, diags = self.source.value(ctx)
        key, key_diags = self.key.value(ctx)
        diags = diags + key_diags
        if obj is UNKNOWN or key is UNKNOWN or diags:
            return UNKNOWN, diags
        return index_value(obj, key, self.bracket_range)

    def variables(self) -> list[str]:
        return self.source.variables() + self.key.variables()


def index_value(obj: Value, key: Value, subject: Range) -> Result:
    if obj is None:
        return UNKNOWN, _diag("Invalid index", "Can't use a null value as an indexed collection.", subject)
    if isinstance(obj, list):
        try:
            number = to_number(key)
        except ConversionError:
            return UNKNOWN, _diag("Invalid index", "The given key does not identify an element in this collection value: a number is required.", subject)
        if number != int(number) or not 0 <= int(number) < len(obj):
            return UNKNOWN, _diag("Invalid index", "The given key does not identify an element in this collection value: the given index is greater than or equal to the length of the collection.", subject)
        return obj[int(number)], []
    if isinstance(obj, dict):
        try:
            name = to_string(key)
        except ConversionError:
            return UNKNOWN, _diag("Invalid index", "The given key does not identify an element in this collection value: string required.", subject)
        if name not in obj:
            return UNKNOWN, _diag("Invalid index", "The given key does not identify an element in this collection value.", subject)
        return obj[name], []
    return UNKNOWN, _diag("Invalid index", "This value does not have any indices.", subject)


@dataclass
class FunctionCall(Expression):
    name: str
    name_range: Range
    open_range: Range
    args: list[Expression]
    expand_final: bool
    range: Range

    @property
    def start_range(self) -> Range:
        return self.name_range.to(self.open_range)

    def variables(self) -> list[str]:
        return [name for arg in self.args for name in arg.variables()]

    def value(self, ctx: Context) -> Result:
        function = ctx.function(self.name)
        if function is None:
            return UNKNOWN, _diag(
                "Call to unknown function",
                f'There is no function named "{self.name}".',
                self.name_range,
            )
        if function.special is not None:
            return function.special(self, ctx)
        values: list[Value] = []
        ranges: list[Range] = []
        diags: list[Diagnostic] = []
        for arg in self.args:
            value, arg_diags = arg.value(ctx)
            diags += arg_diags
            values.append(value)
            ranges.append(arg.range)
        if diags:
            return UNKNOWN, diags
        if self.expand_final and values:
            last = values.pop()
            last_range = ranges.pop()
            if isinstance(last, list):
                values.extend(last)
                ranges.extend([last_range] * len(last))
            elif last is not None and last is not UNKNOWN:
                return UNKNOWN, _diag("Invalid expanding argument value", "The expanding argument (indicated by ...) must be of a tuple, list, or set type.", last_range)
        if any(value is UNKNOWN for value in values):
            return UNKNOWN, []
        return function.call(self, values, ranges)


@dataclass
class Conditional(Expression):
    condition: Expression
    true_result: Expression
    false_result: Expression
    range: Range

    def variables(self) -> list[str]:
        return (
            self.condition.variables()
            + self.true_result.variables()
            + self.false_result.variables()
        )

    def value(self, ctx: Context) -> Result:
        # hcl evaluates both results to unify their types, keeping only the chosen one's
        # diagnostics: an error in the branch not taken is silent.
        true_value, true_diags = self.true_result.value(ctx)
        false_value, false_diags = self.false_result.value(ctx)
        mixed_primitives = False
        true_kind, false_kind = kind(true_value), kind(false_value)
        if "dynamic" not in (true_kind, false_kind):
            if true_kind != false_kind:
                return UNKNOWN, _diag(
                    "Inconsistent conditional result types",
                    "The true and false result expressions must have consistent types. "
                    f"The 'true' value is {type_name(true_value)}, but the 'false' value "
                    f"is {type_name(false_value)}.",
                    self.true_result.range.to(self.false_result.range),
                )
            mixed_primitives = true_kind == "primitive" and type_name(true_value) != type_name(false_value)
        condition, diags = self.condition.value(ctx)
        if condition is UNKNOWN or diags:
            return UNKNOWN, diags
        if condition is None:
            return UNKNOWN, _diag(
                "Null condition",
                "The condition value is null. Conditions must either be true or false.",
                self.condition.range,
            )
        try:
            chosen = to_bool(condition)
        except ConversionError as error:
            return UNKNOWN, _diag(
                "Incorrect condition type",
                f"The condition expression must be of type bool: {error}.",
                self.condition.range,
            )
        value, branch_diags = (true_value, true_diags) if chosen else (false_value, false_diags)
        if mixed_primitives and value is not None and value is not UNKNOWN:
            value = to_string(value)
        return value, branch_diags


_ARITHMETIC = {"+", "-", "*", "/", "%"}
_COMPARE = {"<", ">", "<=", ">="}


@dataclass
class BinaryOp(Expression):
    op: str
    lhs: Expression
    rhs: Expression
    range: Range

    def variables(self) -> list[str]:
        return self.lhs.variables() + self.rhs.variables()

    def value(self, ctx: Context) -> Result:
        if self.op in ("&&", "||"):
            return self._logic(ctx)
        left, diags = self.lhs.value(ctx)
        right, right_diags = self.rhs.value(ctx)
        diags = diags + right_diags
        if diags or left is UNKNOWN or right is UNKNOWN:
            return UNKNOWN, diags
        if self.op == "==":
            return equal(left, right), []
        if self.op == "!=":
            return not equal(left, right), []
        numbers: list[int | float] = []
        for side, operand, expr in (("left", left, self.lhs), ("right", right, self.rhs)):
            if operand is None:
                return UNKNOWN, _diag("Invalid operand", f"Unsuitable value for {side} operand: argument must not be null.", expr.range)
            try:
                numbers.append(to_number(operand))
            except ConversionError as error:
                return UNKNOWN, _diag("Invalid operand", f"Unsuitable value for {side} operand: {error}.", expr.range)
        a, b = numbers
        if self.op == "+":
            return normalize_number(a + b), []
        if self.op == "-":
            return normalize_number(a - b), []
        if self.op == "*":
            return normalize_number(a * b), []
        if self.op == "/":
            if b == 0:
                return UNKNOWN, _diag("Operation failed", "Error during operation: can't divide by zero.", self.range)
            return normalize_number(a / b), []
        if self.op == "%":
            if b == 0:
                return UNKNOWN, _diag("Operation failed", "Error during operation: can't use modulo by zero.", self.range)
            result = abs(a) % abs(b)
            return normalize_number(result if a >= 0 else -result), []
        return {"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[self.op], []

    def _logic(self, ctx: Context) -> Result:
        # buildx's hcl short-circuits && and || (so `V != null && strlen(V) > 0` is safe),
        # and a null operand counts as false (`null && true` is false).
        left, diags = self.lhs.value(ctx)
        if diags or left is UNKNOWN:
            return UNKNOWN, diags
        left_bool, error = _logic_operand(left, "left", self.lhs)
        if error:
            return UNKNOWN, error
        if self.op == "&&" and not left_bool:
            return False, []
        if self.op == "||" and left_bool:
            return True, []
        right, diags = self.rhs.value(ctx)
        if diags or right is UNKNOWN:
            return UNKNOWN, diags
        right_bool, error = _logic_operand(right, "right", self.rhs)
        if error:
            return UNKNOWN, error
        return right_bool, []


def _logic_operand(value: Value, side: str, expr: Expression) -> tuple[bool, list[Diagnostic]]:
    if value is None:
        return False, []
    try:
        return to_bool(value), []
    except ConversionError as error:
        return False, _diag("Invalid operand", f"Unsuitable value for {side} operand: {error}.", expr.range)


@dataclass
class UnaryOp(Expression):
    op: str
    operand: Expression
    range: Range

    def variables(self) -> list[str]:
        return self.operand.variables()

    def value(self, ctx: Context) -> Result:
        value, diags = self.operand.value(ctx)
        if diags or value is UNKNOWN:
            return UNKNOWN, diags
        try:
            if self.op == "!":
                return not to_bool(value), []
            return normalize_number(-to_number(value)), []
        except ConversionError as error:
            return UNKNOWN, _diag("Invalid operand", f"Unsuitable value for unary operand: {error}.", self.operand.range)


@dataclass
class TupleCons(Expression):
    items: list[Expression]
    range: Range

    @property
    def start_range(self) -> Range:
        return Range(self.range.filename, self.range.start, _next_col(self.range.start))

    def variables(self) -> list[str]:
        return [name for item in self.items for name in item.variables()]

    def value(self, ctx: Context) -> Result:
        values: list[Value] = []
        diags: list[Diagnostic] = []
        unknown = False
        for item in self.items:
            value, item_diags = item.value(ctx)
            diags += item_diags
            unknown = unknown or value is UNKNOWN
            values.append(value)
        return (UNKNOWN if unknown else values), diags


def _next_col(pos: Any) -> Any:
    return type(pos)(pos.line, pos.column + 1)


@dataclass
class ObjectCons(Expression):
    items: list[tuple[Expression, Expression]]
    range: Range

    @property
    def start_range(self) -> Range:
        return Range(self.range.filename, self.range.start, _next_col(self.range.start))

    def variables(self) -> list[str]:
        return [name for k, v in self.items for name in k.variables() + v.variables()]

    def value(self, ctx: Context) -> Result:
        result: dict[str, Value] = {}
        diags: list[Diagnostic] = []
        unknown = False
        for key_expr, value_expr in self.items:
            key, key_diags = key_expr.value(ctx)
            value, value_diags = value_expr.value(ctx)
            diags += key_diags + value_diags
            if key is UNKNOWN or value is UNKNOWN:
                unknown = True
                continue
            if key is None:
                diags += _diag("Null value as key", "Can't use a null value as a key.", key_expr.range)
                continue
            try:
                result[to_string(key)] = value
            except ConversionError as error:
                diags += _diag("Incorrect key type", f"Can't use this value as a key: {error}.", key_expr.range)
        return (UNKNOWN if unknown or diags else result), diags


@dataclass
class ForExpr(Expression):
    key_var: str | None
    value_var: str
    collection: Expression
    key_expr: Expression | None
    value_expr: Expression
    condition: Expression | None
    grouping: bool
    range: Range

    def variables(self) -> list[str]:
        bound = {self.key_var, self.value_var}
        names = [n for n in self.value_expr.variables() if n not in bound]
        if self.key_expr is not None:
            names += [n for n in self.key_expr.variables() if n not in bound]
        return self.collection.variables() + names

    def value(self, ctx: Context) -> Result:
        collection, diags = self.collection.value(ctx)
        if diags or collection is UNKNOWN:
            return UNKNOWN, diags
        if collection is None:
            return UNKNOWN, _diag("Iteration over null value", "A null value cannot be used as the collection in a 'for' expression.", self.collection.range)
        pairs = _iterate(collection)
        if pairs is None:
            return UNKNOWN, _diag("Iteration over non-iterable value", f"A value of type {type_name(collection)} cannot be used as the collection in a 'for' expression.", self.collection.range)
        items: list[Value] = []
        mapping: dict[str, Value] = {}
        for key, item in pairs:
            bindings = {self.value_var: item}
            if self.key_var is not None:
                bindings[self.key_var] = key
            child = ctx.child(bindings)
            if self.condition is not None:
                keep, cond_diags = self.condition.value(child)
                if cond_diags or keep is UNKNOWN:
                    return UNKNOWN, cond_diags
                try:
                    if not to_bool(keep):
                        continue
                except ConversionError as error:
                    return UNKNOWN, _diag("Invalid 'for' condition", f"The 'if' clause value is invalid: {error}.", self.condition.range)
            value, value_diags = self.value_expr.value(child)
            if value_diags or value is UNKNOWN:
                return UNKNOWN, value_diags
            if self.key_expr is None:
                items.append(value)
                continue
            key_value, key_diags = self.key_expr.value(child)
            if key_diags or key_value is UNKNOWN:
                return UNKNOWN, key_diags
            try:
                name = to_string(key_value)
            except ConversionError as error:
                return UNKNOWN, _diag("Invalid object key", f"The key expression produced an invalid result: {error}.", self.key_expr.range)
            if self.grouping:
                mapping.setdefault(name, []).append(value)
            elif name in mapping:
                return UNKNOWN, _diag("Duplicate object key", f"Two different items produced the key {name!r} in this 'for' expression. If duplicates are expected, use the ellipsis (...) after the value expression to enable grouping by key.", self.key_expr.range)
            else:
                mapping[name] = value
        return (items if self.key_expr is None else mapping), []


def _iterate(collection: Value) -> list[tuple[Value, Value]] | None:
    if isinstance(collection, list):
        return list(enumerate(collection))
    if isinstance(collection, dict):
        return [(key, collection[key]) for key in sorted(collection)]
    return None


# ----------------------------------------------------------------------------- templates


@dataclass
class TemplatePart:
    range: Range


@dataclass
class LiteralPart(TemplatePart):
    text: str


@dataclass
class InterpPart(TemplatePart):
    expr: Expression


@dataclass
class IfPart(TemplatePart):
    condition: Expression
    then_parts: list[TemplatePart] = field(default_factory=list)
    else_parts: list[TemplatePart] = field(default_factory=list)


@dataclass
class ForPart(TemplatePart):
    key_var: str | None
    value_var: str
    collection: Expression
    body: list[TemplatePart] = field(default_factory=list)


def _part_variables(parts: list[TemplatePart]) -> list[str]:
    names: list[str] = []
    for part in parts:
        if isinstance(part, InterpPart):
            names += part.expr.variables()
        elif isinstance(part, IfPart):
            names += part.condition.variables() + _part_variables(part.then_parts) + _part_variables(part.else_parts)
        elif isinstance(part, ForPart):
            names += part.collection.variables() + _part_variables(part.body)
    return names


@dataclass
class Template(Expression):
    parts: list[TemplatePart]
    range: Range

    def variables(self) -> list[str]:
        return _part_variables(self.parts)

    def value(self, ctx: Context) -> Result:
        out: list[str] = []
        diags: list[Diagnostic] = []
        known = _render(self.parts, ctx, out, diags)
        return (("".join(out)) if known else UNKNOWN), diags


def _render(parts: list[TemplatePart], ctx: Context, out: list[str], diags: list[Diagnostic]) -> bool:
    known = True
    for part in parts:
        if isinstance(part, LiteralPart):
            out.append(part.text)
        elif isinstance(part, InterpPart):
            value, part_diags = part.expr.value(ctx)
            diags += part_diags
            if value is None:
                diags += _diag(
                    "Invalid template interpolation value",
                    "The expression result is null. Cannot include a null value in a string template.",
                    part.expr.range,
                )
                continue
            if value is UNKNOWN:
                known = False
                continue
            try:
                out.append(to_string(value))
            except ConversionError as error:
                diags += _diag(
                    "Invalid template interpolation value",
                    f"Cannot include the given value in a string template: {error}.",
                    part.expr.range,
                )
        elif isinstance(part, IfPart):
            condition, cond_diags = part.condition.value(ctx)
            diags += cond_diags
            if condition is UNKNOWN:
                known = False
                continue
            try:
                chosen = to_bool(condition) if condition is not None else None
            except ConversionError:
                chosen = None
            if chosen is None:
                diags += _diag("Invalid template directive", "The condition must be a bool.", part.condition.range)
                continue
            known = _render(part.then_parts if chosen else part.else_parts, ctx, out, diags) and known
        elif isinstance(part, ForPart):
            collection, coll_diags = part.collection.value(ctx)
            diags += coll_diags
            if collection is UNKNOWN:
                known = False
                continue
            pairs = _iterate(collection) if collection is not None else None
            if pairs is None:
                diags += _diag("Invalid template directive", "The 'for' collection must be a list, map or object.", part.collection.range)
                continue
            for key, item in pairs:
                bindings = {part.value_var: item}
                if part.key_var is not None:
                    bindings[part.key_var] = key
                known = _render(part.body, ctx.child(bindings), out, diags) and known
    return known


@dataclass
class TemplateWrap(Expression):
    """A template that is exactly one `${…}`: its value is the expression's, unconverted."""

    expr: Expression
    range: Range

    def variables(self) -> list[str]:
        return self.expr.variables()

    def value(self, ctx: Context) -> Result:
        return self.expr.value(ctx)


def is_number_value(value: Value) -> bool:
    return is_number(value)
