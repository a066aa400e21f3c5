"""buildx's hclparser.Parse: variables (defaults, env overrides, types), validation, user
functions, block names, and decoding target/group blocks, with buildx's diagnostics."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .body import Attribute, Block, Body, File
from .diagnostics import BakeError, Diagnostic, DiagnosticsError, Range, fail
from .expressions import Context, Expression, FunctionCall, Result
from .expressions import Variable as VariableRef
from .functions import FUNCTIONS, Function, Param
from .goparse import GoParseError, csv_fields, parse_bool, parse_float
from .parser import ParseError, _levenshtein
from .types import TypeError_, convert, friendly, is_primitive, type_from_expression
from .values import UNKNOWN, ConversionError, Value, normalize_number, type_name

JSON_OVERRIDE_SUFFIX = "_JSON"
BLOCK_TYPES = ("target", "group")


class _PlainError(Exception):
    """A Go error without a position: buildx wraps it as "Invalid value" at the variable."""


@dataclass
class VariableDef:
    name: str
    body: Body
    default: Attribute | None
    type_expr: Expression | None
    validations: list[tuple[Expression, Expression | None]] = field(default_factory=list)


class Scope:
    def __init__(self, parser: BakeParser, bindings: dict[str, Value] | None = None, parent: Scope | None = None) -> None:
        self.parser = parser
        self.bindings = bindings or {}
        self.parent = parent

    def lookup(self, name: str, subject: Range) -> Result:
        scope: Scope | None = self
        while scope is not None:
            if name in scope.bindings:
                return scope.bindings[name], []
            scope = scope.parent
        return self.parser.lookup(name, subject)

    def function(self, name: str) -> Function | None:
        return self.parser.function(name)

    def child(self, bindings: dict[str, Value]) -> Context:
        return Scope(self.parser, bindings, self)


def keyword(expr: Expression) -> str | None:
    if isinstance(expr, VariableRef):
        return expr.name
    as_keyword = getattr(expr, "as_keyword", None)
    return as_keyword() if as_keyword else None


def native(expr: Expression) -> Expression:
    # hcl's static analysis of JSON: a string is read as a native expression (types, params).
    as_native = getattr(expr, "as_native", None)
    return as_native() if as_native else expr


class BakeParser:
    def __init__(self, files: list[File], env: Mapping[str, str], builtins: dict[str, str], lookup_env: bool) -> None:
        self.env = env
        self.lookup_env = lookup_env
        self.builtins = builtins
        self.values: dict[str, Value] = {}
        self.in_progress: list[str] = []
        # Undefined names met by load_deps: buildx marks them in progress and never clears them.
        self.undefined: set[str] = set()
        self.vars: dict[str, VariableDef] = {}
        self.attrs: dict[str, Attribute] = {}
        self.user_functions: dict[str, Block] = {}
        self.functions: dict[str, Function] = {}
        self.blocks: list[Block] = []
        self.scope = Scope(self)
        reserved = set(BLOCK_TYPES) | set(builtins)
        for file in files:
            for block in file.body.blocks:
                if block.type == "variable" and block.labels[0] not in reserved:
                    self.vars[block.labels[0]] = self._variable(block)
                elif block.type == "function" and block.labels[0] not in reserved:
                    self.user_functions[block.labels[0]] = block
                elif block.type in BLOCK_TYPES:
                    self.blocks.append(block)
            for attribute in file.body.attributes:
                if attribute.name not in reserved and attribute.name not in ("variable", "function"):
                    self.attrs[attribute.name] = attribute

    @staticmethod
    def _variable(block: Block) -> VariableDef:
        body = block.body
        type_attr = body.attribute("type")
        definition = VariableDef(block.labels[0], body, body.attribute("default"), type_attr.expr if type_attr else None)
        for rule in body.blocks:
            if rule.type == "validation":
                condition = rule.body.attribute("condition")
                message = rule.body.attribute("error_message")
                if condition is not None:
                    definition.validations.append((condition.expr, message.expr if message else None))
        return definition

    # ---------------------------------------------------------------- name lookup

    def lookup(self, name: str, subject: Range) -> Result:
        if name in self.values:
            return self.values[name], []
        if name in self.builtins or name in self.vars or name in self.attrs:
            self.resolve(name)
            return self.values[name], []
        candidates = list(self.values) + list(self.vars) + list(self.attrs) + list(BLOCK_TYPES)
        detail = f'There is no variable named "{name}".'
        close = [c for c in candidates if _levenshtein(name, c) < 3]
        if close:
            detail += f' Did you mean "{close[0]}"?'
        return UNKNOWN, [Diagnostic("Unknown variable", detail, subject)]

    def function(self, name: str) -> Function | None:
        if name in self.functions:
            return self.functions[name]
        if name in self.user_functions:
            return self._define_function(name)
        return FUNCTIONS.get(name)

    def load_deps(self, expr: Expression) -> list[Diagnostic]:
        """buildx's loadDeps(allowMissing=true) before an expression is evaluated, for its
        undefined names: resolveValue marks a name in progress before finding it undefined and
        never unmarks it, so the next expression that names it again (or the same one, twice)
        fails with "variable cycle not allowed" instead of "Unknown variable"
        (bake/hclparser/hclparser.go, resolveValue and loadDeps)."""
        for name in expr.variables():
            if name in self.values or name in self.builtins or name in self.vars or name in self.attrs:
                continue
            if name in BLOCK_TYPES:
                continue
            if name in self.undefined:
                return [Diagnostic("Invalid expression", f"variable cycle not allowed for {name}", expr.range)]
            self.undefined.add(name)
        return []

    # ---------------------------------------------------------------- variables

    def env_lookup(self, name: str) -> str | None:
        # cty.StringVal normalizes every string to NFC: an NFD branch name hashes as NFC.
        value = self.env.get(name) if self.lookup_env else None
        return None if value is None else unicodedata.normalize("NFC", value)

    def _override(self, name: str, favor_json: bool) -> tuple[str | None, bool]:
        value = self.env_lookup(name)
        if value is None or favor_json:
            json_name = name + JSON_OVERRIDE_SUFFIX
            if json_name not in self.vars and json_name not in self.builtins:
                json_value = self.env_lookup(json_name)
                if json_value is not None:
                    return json_value, True
        return value, False

    def resolve(self, name: str) -> None:
        """resolveValue: raise DiagnosticsError, or _PlainError for Go errors without a range."""
        if name in self.values:
            return
        if name in self.in_progress:
            current = self.in_progress[-1]
            subject = self._default_range(current)
            raise DiagnosticsError([Diagnostic("Invalid expression", f"variable cycle not allowed for {name}", subject)])
        if name in self.builtins:
            self.values[name] = self.builtins[name]
            return
        self.in_progress.append(name)
        try:
            self.values[name] = self._resolve(name)
        finally:
            self.in_progress.pop()

    def _default_range(self, name: str) -> Range | None:
        if name in self.attrs:
            return self.attrs[name].expr.range
        definition = self.vars.get(name)
        if definition and definition.default:
            return definition.default.expr.range
        return None

    def _resolve(self, name: str) -> Value:
        var_type: Any = "any"
        type_specified = False
        attribute = self.attrs.get(name)
        definition = self.vars.get(name)
        default: Attribute | None
        if attribute is not None:
            default = attribute
        else:
            assert definition is not None
            default = definition.default
            if definition.type_expr is not None:
                type_expr = definition.type_expr
                if not (keyword(type_expr) is None and _is_null_literal(type_expr)):
                    try:
                        var_type = type_from_expression(native(type_expr))
                    except (TypeError_, ParseError) as error:
                        raise fail("Invalid type specification", str(error), type_expr.range) from None
                    type_specified = True
        if default is None:
            override, _ = self._override(name, False)
            if override is None:
                return None if type_specified else ""
        value: Value = None
        if default is not None:
            dependency_diags = self.load_deps(default.expr)
            if dependency_diags:
                raise DiagnosticsError(dependency_diags)
            value, diags = default.expr.value(self.scope)
            if diags:
                raise DiagnosticsError(diags)
            try:
                value = convert(value, var_type)
            except ConversionError as error:
                raise _PlainError(f"invalid type {friendly(var_type)} for variable {name} default value: {error}") from None
        override, is_json = self._override(name, type_specified)
        if override is None or definition is None or attribute is not None:
            return value
        try:
            if type_specified and is_json:
                try:
                    return convert(json.loads(override, parse_float=lambda t: normalize_number(float(t))), var_type)
                except (ValueError, ConversionError) as error:
                    raise _PlainError(f"failed to convert variable {name} from JSON: {error}") from None
            if isinstance(var_type, tuple) and var_type[0] in ("list", "set", "tuple", "map"):
                return self._from_csv(name, override, var_type)
            if type_specified and is_primitive(var_type):
                return _convert_primitive(name, override, var_type)
            if type_specified:
                raise _PlainError(f"unsupported type {friendly(var_type)} for variable {name}")
            if default is None or value is None:
                return override
            primitive = type_name(value)
            if primitive in ("string", "number", "bool"):
                return _convert_primitive(name, override, primitive)
            raise _PlainError(f"unsupported type {primitive} for variable {name}")
        except GoParseError as error:
            raise _PlainError(str(error)) from None

    def _from_csv(self, name: str, text: str, var_type: Any) -> Value:
        fields = csv_fields(text)
        kind, element = var_type
        if kind in ("list", "set"):
            if not is_primitive(element):
                raise _PlainError(f"unsupported type {friendly(var_type)} for CSV specification")
            try:
                return [_convert_primitive(name, f, element) for f in fields]
            except (GoParseError, _PlainError) as error:
                raise _PlainError(f"failed to parse element of type {friendly(var_type)}: {error}") from None
        if kind == "map":
            result: dict[str, Value] = {}
            for f in fields:
                pieces = f.split(":")
                if len(pieces) != 2:
                    raise _PlainError(f"expected one k/v pair but got {len(pieces)} pieces from {f}")
                result[pieces[0]] = _convert_primitive(name, pieces[1], element)
            return result
        return [_convert_primitive(name, f, t) for f, t in zip(fields, element)]

    def resolve_all(self) -> None:
        for name in self.builtins:
            self.resolve(name)
        for name, definition in self.vars.items():
            try:
                self.resolve(name)
            except _PlainError as error:
                raise fail("Invalid value", str(error), definition.body.missing_item_range) from None

    def validate(self) -> None:
        diags: list[Diagnostic] = []
        for definition in self.vars.values():
            for condition, message in definition.validations:
                result, cond_diags = condition.value(self.scope)
                if cond_diags:
                    diags += cond_diags
                    continue
                if result is None:
                    diags.append(Diagnostic("Invalid condition result", "Condition expression must return either true or false, not null.", condition.range))
                    continue
                if result is UNKNOWN:
                    continue
                try:
                    ok = _to_bool_strict(result)
                except ConversionError as error:
                    diags.append(Diagnostic("Invalid condition result", f"Invalid condition result value: {error}", condition.range))
                    continue
                if ok:
                    continue
                text: Value = None
                if message is not None:
                    text, message_diags = message.value(self.scope)
                    if message_diags:
                        diags += message_diags
                        continue
                if text is None:
                    text = "This check failed, but has an invalid error message."
                diags.append(Diagnostic("Validation failed", str(text), condition.range))
        if diags:
            raise DiagnosticsError(diags)

    # ---------------------------------------------------------------- functions

    def _define_function(self, name: str) -> Function:
        block = self.user_functions[name]
        params_attr = block.body.attribute("params")
        result_attr = block.body.attribute("result")
        variadic_attr = block.body.attribute("variadic_params")
        if result_attr is None:
            raise fail("Invalid function", f"empty result not allowed for {name}", params_attr.range if params_attr else block.label_ranges[0])
        if params_attr is None:
            raise fail("Invalid function", f"empty params not allowed for {name}", block.label_ranges[0])
        params_expr = native_list(params_attr.expr)
        names = [keyword(native(p)) or "" for p in params_expr]
        variadic = keyword(native(variadic_attr.expr)) if variadic_attr else None
        body = result_attr.expr
        parser = self

        def impl(*args: Value) -> Value:
            bindings = dict(zip(names, args))
            if variadic is not None:
                bindings[variadic] = list(args[len(names):])
            value, diags = body.value(Scope(parser, bindings))
            if diags:
                raise _FunctionBodyError(diags)
            return value

        function = _UserFunction(name, [Param(n, "any", True) for n in names], Param(variadic, "any", True) if variadic else None, impl)
        self.functions[name] = function
        return function

    def define_functions(self) -> None:
        for name in self.user_functions:
            self.function(name)


class _FunctionBodyError(Exception):
    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__("function body failed")
        self.diagnostics = diagnostics


class _UserFunction(Function):
    """A bake `function` block: a failure in its body is reported as the body's own diagnostics."""

    def call(self, call: FunctionCall, args: list[Value], ranges: list[Range]) -> Result:
        try:
            return super().call(call, args, ranges)
        except _FunctionBodyError as error:
            return UNKNOWN, error.diagnostics


def native_list(expr: Expression) -> list[Expression]:
    from .expressions import TupleCons
    from .jsonfile import JsonArray, JsonExpression

    if isinstance(expr, JsonExpression) and isinstance(expr.node, JsonArray):
        return [JsonExpression(item) for item in expr.node.items]
    if isinstance(expr, TupleCons):
        return expr.items
    raise fail("Invalid expression", "A static list expression is required.", expr.range)


def _is_null_literal(expr: Expression) -> bool:
    from .expressions import Literal
    from .jsonfile import JsonExpression, JsonScalar

    if isinstance(expr, Literal):
        return expr.literal is None
    return isinstance(expr, JsonExpression) and isinstance(expr.node, JsonScalar) and expr.node.scalar is None


def _to_bool_strict(value: Value) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value in ("true", "false"):
        return value == "true"
    raise ConversionError("a bool is required")


def _convert_primitive(name: str, text: str, target: str) -> Value:
    if target == "string":
        return text
    if target == "bool":
        try:
            return parse_bool(text)
        except GoParseError as error:
            raise _PlainError(f"failed to parse {name} as bool: {error}") from None
    try:
        return normalize_number(parse_float(text))
    except GoParseError as error:
        raise _PlainError(f"failed to parse {name} as number: {error}") from None
    except OverflowError:
        raise _PlainError(f"failed to parse {name} as number: invalid number value") from None


def check_errors(fn: Callable[[], None]) -> None:
    try:
        fn()
    except _PlainError as error:
        raise BakeError(str(error)) from None
