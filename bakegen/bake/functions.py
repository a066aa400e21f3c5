"""The functions buildx puts in scope (bake/hclparser/stdlib.go), with cty's parameter names
and error texts, since those reach the user in "Invalid function argument" diagnostics."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .diagnostics import Diagnostic, Range
from .values import (
    UNKNOWN,
    ConversionError,
    Value,
    equal,
    format_number,
    is_number,
    normalize_number,
    to_bool,
    to_number,
    to_string,
    type_name,
)

if TYPE_CHECKING:
    from .expressions import Context, FunctionCall, Result


class FunctionError(Exception):
    """A failure of the whole call: "Error in function call"."""


class ArgumentError(Exception):
    """A failure blamed on one argument: "Invalid function argument"."""

    def __init__(self, index: int, message: str) -> None:
        super().__init__(message)
        self.index = index


@dataclass
class Param:
    name: str
    type: str = "any"  # string | number | bool | list | map | any
    allow_null: bool = False


@dataclass
class Function:
    name: str
    params: list[Param]
    variadic: Param | None
    impl: Callable[..., Value] | None = None
    special: Callable[[FunctionCall, Context], Result] | None = None

    def call(self, call: FunctionCall, args: list[Value], ranges: list[Range]) -> Result:
        def diag(summary: str, detail: str, subject: Range) -> Result:
            return UNKNOWN, [Diagnostic(summary, detail, subject)]

        if len(args) < len(self.params):
            missing = self.params[len(args)]
            return diag(
                "Not enough function arguments",
                f'Function "{self.name}" expects {len(self.params)} argument(s). '
                f'Missing value for "{missing.name}".',
                call.range,
            )
        if len(args) > len(self.params) and self.variadic is None:
            return diag(
                "Too many function arguments",
                f'Function "{self.name}" expects only {len(self.params)} argument(s).',
                ranges[len(self.params)],
            )
        converted: list[Value] = []
        for index, arg in enumerate(args):
            param = self.params[index] if index < len(self.params) else self.variadic
            assert param is not None
            if arg is None and not param.allow_null:
                return diag(
                    "Invalid function argument",
                    f'Invalid value for "{param.name}" parameter: argument must not be null.',
                    ranges[index],
                )
            try:
                converted.append(_convert_param(arg, param.type))
            except ConversionError as error:
                return diag(
                    "Invalid function argument",
                    f'Invalid value for "{param.name}" parameter: {error}.',
                    ranges[index],
                )
        try:
            assert self.impl is not None
            return self.impl(*converted), []
        except ArgumentError as error:
            param = self.params[error.index] if error.index < len(self.params) else self.variadic
            return diag(
                "Invalid function argument",
                f'Invalid value for "{param.name if param else "?"}" parameter: {error}.',
                ranges[error.index],
            )
        except (FunctionError, ConversionError) as error:
            return diag(
                "Error in function call",
                f'Call to function "{self.name}" failed: {error}.',
                call.start_range,
            )


def _convert_param(value: Value, kind: str) -> Value:
    if value is None or kind == "any":
        return value
    if kind == "string":
        return to_string(value)
    if kind == "number":
        return to_number(value)
    if kind == "bool":
        return to_bool(value)
    if kind == "list":
        if not isinstance(value, list):
            raise ConversionError(f"list of any single type required, but have {type_name(value)}")
        return value
    if kind == "map":
        if not isinstance(value, dict):
            raise ConversionError(f"map of any single type required, but have {type_name(value)}")
        return value
    return value


FUNCTIONS: dict[str, Function] = {}


def define(name: str, *params: str, variadic: str | None = None) -> Callable[[Callable[..., Value]], Callable[..., Value]]:
    """Parameters are written "name:type", with a trailing "?" when null is accepted."""

    def parse(spec: str) -> Param:
        allow_null = spec.endswith("?")
        spec = spec.rstrip("?")
        pname, _, ptype = spec.partition(":")
        return Param(pname, ptype or "any", allow_null)

    def register(impl: Callable[..., Value]) -> Callable[..., Value]:
        FUNCTIONS[name] = Function(
            name,
            [parse(p) for p in params],
            parse(variadic) if variadic else None,
            impl,
        )
        return impl

    return register


# ------------------------------------------------------------------------------ strings

define("lower", "str:string")(lambda s: s.lower())
define("upper", "str:string")(lambda s: s.upper())
define("trimspace", "str:string")(lambda s: s.strip(" \t\n\r\v\f\u0085\u00a0"))
define("trimprefix", "str:string", "prefix:string")(lambda s, p: s.removeprefix(p))
define("trimsuffix", "str:string", "suffix:string")(lambda s, p: s[: len(s) - len(p)] if p and s.endswith(p) else s)
define("trim", "str:string", "cutset:string")(lambda s, c: s.strip(c))
define("chomp", "str:string")(lambda s: re.sub(r"(\r\n|\n|\r)+$", "", s))
define("strlen", "str:string")(lambda s: len(s))
define("reverse", "str:string")(lambda s: s[::-1])


@define("title", "str:string")
def _title(s: str) -> str:
    out: list[str] = []
    previous = " "
    for ch in s:
        out.append(ch.upper() if not (previous.isalnum() or previous == "_") else ch)
        previous = ch
    return "".join(out)


@define("substr", "str:string", "offset:number", "length:number")
def _substr(s: str, offset: float, length: float) -> str:
    offset, length = int(offset), int(length)
    if offset < 0:
        offset += len(s)
        offset = max(offset, 0)
    if offset >= len(s):
        return ""
    if length < 0:
        return s[offset:]
    return s[offset : offset + length]


def go_regex(pattern: str) -> re.Pattern[str]:
    # RE2 and Python agree on the constructs bake files use; RE2's (?P<n>) is Python's too.
    try:
        return re.compile(pattern)
    except re.error as error:
        raise FunctionError(f"invalid regular expression: {error}") from None


def _expand(match: re.Match[str], template: str) -> str:
    # Go's Regexp.Expand: $name / ${name}, the longest name wins ($1x is group "1x").
    out: list[str] = []
    i = 0
    while i < len(template):
        ch = template[i]
        if ch != "$":
            out.append(ch)
            i += 1
            continue
        if template.startswith("$$", i):
            out.append("$")
            i += 2
            continue
        braced = re.compile(r"\{([A-Za-z0-9_]+)\}").match(template, i + 1)
        bare = re.compile(r"[A-Za-z0-9_]+").match(template, i + 1)
        found = braced or bare
        if not found:
            out.append("$")
            i += 1
            continue
        name = found.group(1) if braced else found.group()
        i = found.end()
        try:
            group = match.group(int(name)) if name.isdigit() else match.group(name)
        except (IndexError, error_types()):
            group = None
        out.append(group or "")
    return "".join(out)


def error_types() -> type[Exception]:
    return IndexError


@define("regex_replace", "str:string", "substr:string", "replace:string")
def _regex_replace(s: str, pattern: str, replacement: str) -> str:
    return go_regex(pattern).sub(lambda m: _expand(m, replacement), s)


@define("replace", "str:string", "substr:string", "replace:string")
def _replace(s: str, old: str, new: str) -> str:
    # cty's replace is literal: the "/re/" form is Terraform's, not buildx's.
    return s.replace(old, new)


def _regex_result(pattern: re.Pattern[str], match: re.Match[str]) -> Value:
    if pattern.groups == 0:
        return match.group()
    if pattern.groupindex:
        return {name: match.group(name) for name in pattern.groupindex}
    return [match.group(i + 1) for i in range(pattern.groups)]


@define("regex", "pattern:string", "string:string")
def _regex(pattern_text: str, s: str) -> Value:
    pattern = go_regex(pattern_text)
    match = pattern.search(s)
    if match is None:
        raise FunctionError("pattern did not match any part of the given string")
    return _regex_result(pattern, match)


@define("regexall", "pattern:string", "string:string")
def _regexall(pattern_text: str, s: str) -> Value:
    pattern = go_regex(pattern_text)
    return [_regex_result(pattern, m) for m in pattern.finditer(s)]


@define("sanitize", "name:string")
def _sanitize(s: str) -> str:
    return "".join(ch if re.fullmatch(r"[A-Za-z0-9_-]", ch) else "_" for ch in s)


@define("split", "separator:string", "str:string")
def _split(sep: str, s: str) -> list[str]:
    return s.split(sep) if sep else list(s)


@define("join", "separator:string", variadic="lists:list")
def _join(sep: str, *lists: list[Value]) -> str:
    if not lists:
        raise FunctionError("at least one list is required")
    items: list[str] = []
    for index, items_list in enumerate(lists):
        for item in items_list:
            if item is None:
                raise ArgumentError(index + 1, "element must not be null")
            items.append(to_string(item))
    return sep.join(items)


@define("indent", "spaces:number", "str:string")
def _indent(spaces: float, s: str) -> str:
    pad = " " * int(spaces)
    return s.replace("\n", "\n" + pad)


_VERB = re.compile(r"%([-+# 0]*)(\d+|\*)?(?:\.(\d+))?([a-zA-Z%])")


def _format(fmt: str, args: tuple[Value, ...]) -> str:
    out: list[str] = []
    pos = 0
    arg_index = 0
    for match in _VERB.finditer(fmt):
        out.append(fmt[pos : match.start()])
        pos = match.end()
        flags, width, precision, verb = match.groups()
        if verb == "%":
            out.append("%")
            continue
        if arg_index >= len(args):
            raise FunctionError(f"not enough arguments for %{verb} at {match.start()}")
        arg = args[arg_index]
        arg_index += 1
        if verb == "s":
            text = to_string(arg) if arg is not None else "null"
        elif verb == "v":
            text = _json_text(arg) if isinstance(arg, (list, dict)) else (to_string(arg) if arg is not None else "null")
        elif verb == "q":
            text = '"' + to_string(arg).replace("\\", "\\\\").replace('"', '\\"') + '"'
        elif verb == "t":
            text = "true" if to_bool(arg) else "false"
        elif verb in "dboxX":
            number = to_number(arg)
            if number != int(number):
                raise FunctionError(f"unsupported value for %{verb} at {match.start()}: number has a fractional part")
            base = {"d": "d", "b": "b", "o": "o", "x": "x", "X": "X"}[verb]
            text = format(int(number), base)
        elif verb in "feEgG":
            text = format(float(to_number(arg)), f".{precision or 6}{verb}")
            precision = None
        else:
            raise FunctionError(f"unrecognized format character {verb!r} at offset {match.start()}")
        if precision is not None and verb in "sq":
            text = text[: int(precision)]
        if width and width != "*":
            w = int(width)
            if "-" in flags:
                text = text.ljust(w)
            elif "0" in flags and verb not in "sq":
                text = text.rjust(w, "0")
            else:
                text = text.rjust(w)
        out.append(text)
    out.append(fmt[pos:])
    return "".join(out)


define("format", "format:string", variadic="args:any?")(lambda fmt, *args: _format(fmt, args))


@define("formatlist", "format:string", variadic="args:any?")
def _formatlist(fmt: str, *args: Value) -> list[str]:
    lengths = {len(a) for a in args if isinstance(a, list)}
    if len(lengths) > 1:
        raise FunctionError("all list arguments must have the same length")
    count = lengths.pop() if lengths else 1
    return [_format(fmt, tuple(a[i] if isinstance(a, list) else a for a in args)) for i in range(count)]


# ------------------------------------------------------------------------- collections


@define("length", "value:any")
def _length(value: Value) -> int:
    if isinstance(value, (list, dict)):
        return len(value)
    raise FunctionError("collection must be a list, a map or a tuple")


@define("element", "list:any", "index:number")
def _element(items: Value, index: float) -> Value:
    if not isinstance(items, list):
        raise ArgumentError(0, "list of any single type required")
    if not items:
        raise FunctionError("cannot use element function with an empty list")
    if index < 0:
        raise FunctionError("cannot use element function with a negative index")
    return items[int(index) % len(items)]


@define("index", "collection:any", "key:any")
def _index(collection: Value, key: Value) -> Value:
    if isinstance(collection, list):
        number = int(to_number(key))
        if 0 <= number < len(collection):
            return collection[number]
        raise FunctionError("the given index is greater than or equal to the length of the collection")
    if isinstance(collection, dict):
        name = to_string(key)
        if name in collection:
            return collection[name]
        raise FunctionError("the given key does not identify an element in this collection value")
    raise FunctionError("cannot index a value of type " + type_name(collection))


@define("indexof", "list:any", "value:any?")
def _indexof(items: Value, value: Value) -> int:
    if not isinstance(items, list):
        raise ArgumentError(0, "argument must be a list or tuple")
    for n, item in enumerate(items):
        if equal(item, value):
            return n
    raise FunctionError("item not found")


@define("concat", variadic="seqs:list")
def _concat(*seqs: list[Value]) -> list[Value]:
    return [item for seq in seqs for item in seq]


@define("distinct", "list:list")
def _distinct(items: list[Value]) -> list[Value]:
    out: list[Value] = []
    for item in items:
        if not any(equal(item, seen) for seen in out):
            out.append(item)
    return out


@define("compact", "list:list")
def _compact(items: list[Value]) -> list[Value]:
    return [to_string(item) for item in items if item is not None and item != ""]


define("contains", "list:list", "value:any?")(lambda items, value: any(equal(i, value) for i in items))


@define("coalesce", variadic="vals:any?")
def _coalesce(*values: Value) -> Value:
    # Only null is skipped: coalesce("", "x") is "" (a BAKE-FACTS trap).
    present = [v for v in values if v is not None]
    if not present:
        raise FunctionError("no non-null arguments")
    kinds = {type_name(v) for v in present}
    if len(kinds) > 1 and kinds <= {"string", "number", "bool"}:
        return to_string(present[0])
    return present[0]


@define("coalescelist", variadic="vals:any")
def _coalescelist(*values: Value) -> Value:
    for value in values:
        if isinstance(value, list) and value:
            return value
    raise FunctionError("no non-null arguments")


@define("flatten", "list:list")
def _flatten(items: list[Value]) -> list[Value]:
    out: list[Value] = []
    for item in items:
        if isinstance(item, list):
            out.extend(_flatten(item))
        else:
            out.append(item)
    return out


define("keys", "inputMap:map")(lambda m: sorted(m))
define("values", "mapping:map")(lambda m: [m[k] for k in sorted(m)])


@define("lookup", "inputMap:map", "key:string", variadic="default:any?")
def _lookup(m: dict[str, Value], key: str, *default: Value) -> Value:
    if key in m:
        return m[key]
    if default:
        return default[0]
    raise FunctionError(f'lookup failed to find key "{key}"')


@define("merge", variadic="maps:any?")
def _merge(*maps: Value) -> Value:
    out: dict[str, Value] = {}
    for m in maps:
        if m is not None:
            out.update(m)
    return out


define("reverselist", "list:list")(lambda items: list(reversed(items)))
define("sort", "list:list")(lambda items: sorted(to_string(i) for i in items))
define("slice", "list:list", "start_index:number", "end_index:number")(lambda items, a, b: items[int(a) : int(b)])
define("zipmap", "keys:list", "values:list")(lambda k, v: {to_string(a): b for a, b in zip(k, v)})
define("hasindex", "collection:any", "key:any")(lambda c, k: (isinstance(c, list) and 0 <= int(to_number(k)) < len(c)) or (isinstance(c, dict) and to_string(k) in c))
define("chunklist", "list:list", "size:number")(lambda items, n: [items[i : i + int(n)] for i in range(0, len(items), int(n))] if n else [items])


@define("range", variadic="params:number")
def _range(*params: float) -> list[Value]:
    start: int | float = 0
    step: int | float = 1
    if len(params) == 1:
        end = params[0]
    elif len(params) == 2:
        start, end = params
    else:
        start, end, step = params[:3]
    out: list[Value] = []
    value = start
    while (step > 0 and value < end) or (step < 0 and value > end):
        out.append(normalize_number(value))
        value += step
    return out


# ----------------------------------------------------------------------- numbers, logic

define("abs", "num:number")(lambda n: abs(n))
define("ceil", "num:number")(lambda n: -int(-n // 1))
define("floor", "num:number")(lambda n: int(n // 1))
define("signum", "num:number")(lambda n: (n > 0) - (n < 0))
define("pow", "num:number", "power:number")(lambda a, b: normalize_number(a**b))
define("int", "num:number")(lambda n: int(n))
define("max", variadic="numbers:number")(lambda *n: max(n))
define("min", variadic="numbers:number")(lambda *n: min(n))
define("add", "a:number", "b:number")(lambda a, b: normalize_number(a + b))
define("subtract", "a:number", "b:number")(lambda a, b: normalize_number(a - b))
define("multiply", "a:number", "b:number")(lambda a, b: normalize_number(a * b))
define("negate", "num:number")(lambda a: -a)


@define("divide", "a:number", "b:number")
def _divide(a: float, b: float) -> Value:
    if b == 0:
        raise FunctionError("can't divide by zero")
    return normalize_number(a / b)


@define("modulo", "a:number", "b:number")
def _modulo(a: float, b: float) -> Value:
    if b == 0:
        raise FunctionError("can't use modulo by zero")
    result = abs(a) % abs(b)
    return normalize_number(result if a >= 0 else -result)


@define("parseint", "number:any", "base:number")
def _parseint(text: Value, base: float) -> int:
    try:
        return int(to_string(text), int(base))
    except ValueError:
        raise FunctionError(f"cannot parse {to_string(text)!r} as a base {format_number(base)} integer") from None


define("and", "a:bool", "b:bool")(lambda a, b: a and b)
define("or", "a:bool", "b:bool")(lambda a, b: a or b)
define("not", "val:bool")(lambda a: not a)
define("equal", "a:any?", "b:any?")(lambda a, b: equal(a, b))
define("notequal", "a:any?", "b:any?")(lambda a, b: not equal(a, b))
define("greaterthan", "a:number", "b:number")(lambda a, b: a > b)
define("greaterthanorequalto", "a:number", "b:number")(lambda a, b: a >= b)
define("lessthan", "a:number", "b:number")(lambda a, b: a < b)
define("lessthanorequalto", "a:number", "b:number")(lambda a, b: a <= b)


# --------------------------------------------------------------------- encoding, hashing


def _json_text(value: Value) -> str:
    import json

    def plain(v: Value) -> Any:
        if is_number(v):
            return normalize_number(v)
        if isinstance(v, list):
            return [plain(i) for i in v]
        if isinstance(v, dict):
            return {k: plain(v[k]) for k in v}
        return v

    return json.dumps(plain(value), separators=(",", ":"), ensure_ascii=False)


def _hash(name: str) -> Callable[[str], str]:
    def digest(s: str) -> str:
        import hashlib

        return hashlib.new(name, s.encode()).hexdigest()

    return digest


for _name in ("md5", "sha1", "sha256", "sha512"):
    define(_name, "str:string")(_hash(_name))


@define("base64encode", "str:string")
def _b64encode(s: str) -> str:
    import base64

    return base64.b64encode(s.encode()).decode()


@define("base64decode", "str:string")
def _b64decode(s: str) -> str:
    import base64
    import binascii

    try:
        return base64.b64decode(s.encode(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise FunctionError("failed to decode base64 data") from None


@define("urlencode", "str:string")
def _urlencode(s: str) -> str:
    from urllib.parse import quote_plus

    return quote_plus(s, safe="-_.~")


define("jsonencode", "val:any?")(lambda v: _json_text(v))


@define("jsondecode", "str:string")
def _jsondecode(s: str) -> Value:
    import json

    try:
        return json.loads(s, parse_float=lambda t: normalize_number(float(t)))
    except ValueError as error:
        raise FunctionError(str(error)) from None


@define("semvercmp", "version:string", "constraint:string")
def _semvercmp(version: str, constraint: str) -> bool:
    def parse(text: str) -> tuple[int, ...]:
        core = text.strip().lstrip("v").split("-")[0].split("+")[0]
        parts = [int(p) for p in core.split(".") if p.isdigit()]
        return tuple((parts + [0, 0, 0])[:3])

    actual = parse(version)
    for clause in constraint.split(","):
        clause = clause.strip()
        match = re.match(r"(>=|<=|!=|=|>|<|~>|\^|~)?\s*(.*)", clause)
        assert match
        op, wanted_text = match.group(1) or "=", match.group(2)
        wanted = parse(wanted_text)
        ok = {
            "=": actual == wanted,
            "!=": actual != wanted,
            ">": actual > wanted,
            "<": actual < wanted,
            ">=": actual >= wanted,
            "<=": actual <= wanted,
            "~>": actual >= wanted and actual[:2] == wanted[:2],
            "~": actual >= wanted and actual[:2] == wanted[:2],
            "^": actual >= wanted and actual[0] == wanted[0],
        }[op]
        if not ok:
            return False
    return True


# ---------------------------------------------------------------- try / can (special forms)


def _try(call: FunctionCall, ctx: Context) -> Result:
    details: list[str] = []
    for arg in call.args:
        value, diags = arg.value(ctx)
        if not diags and value is not UNKNOWN:
            return value, []
        details += [f"- {d.subject}: {d.summary}; {d.detail}" for d in diags]
    return UNKNOWN, [
        Diagnostic(
            "Error in function call",
            'Call to function "try" failed: no expression succeeded:\n' + "\n".join(details) + ".",
            call.start_range,
        )
    ]


def _can(call: FunctionCall, ctx: Context) -> Result:
    if len(call.args) != 1:
        return UNKNOWN, [Diagnostic("Not enough function arguments", 'Function "can" expects 1 argument(s). Missing value for "expression".', call.range)]
    value, diags = call.args[0].value(ctx)
    return (not diags and value is not UNKNOWN), []


FUNCTIONS["try"] = Function("try", [], Param("expressions"), special=_try)
FUNCTIONS["can"] = Function("can", [Param("expression")], None, special=_can)
