"""Compose's ``${…}`` interpolation grammar: parse, evaluate, compile to bake templates.

The grammar is the one compose-go's ``template`` package implements (docker compose v2).
Its behaviour, including its oddities, is reproduced here from observation of the real
``docker compose config`` (see tests/test_interpolation_oracle.py):

* ``$$`` is a literal ``$``; ``$NAME`` and ``${NAME}`` substitute (unset → ``""``).
  Names are ``[_A-Za-z][_A-Za-z0-9]*`` (compose matches them case-insensitively, but
  values are looked up with the exact spelling; Go's case folding lets ``ſ`` and the
  Kelvin sign ``K`` into names too).
* ``${NAME<op>ARG}`` with ``<op>`` one of ``:-`` ``-`` ``:+`` ``+`` ``:?`` ``?``.  The
  argument is itself a template.  Compose finds its end in two steps: the match runs to
  the *last* ``}`` on the same line, then a brace counter cuts it at the first ``}`` that
  balances the opening ``{`` (the counter skips the character right after every ``{``).
  A braced form never spans a newline.
* ``${`` that does not start a valid braced form is an error (``${``, ``${}``, ``${1X}``,
  ``${A``, ``${A:x}``, ``${A B}``).  A ``$`` followed by anything else (``$1``, ``$-``,
  ``$ ``, a trailing ``$``) is a literal ``$``.
* Arguments are substituted lazily (only when the branch is taken), as compose-go does
  since v2.10.1.  Older compose (v2.40 and before) substituted them eagerly, so an error
  inside an unused default also failed there; ``evaluate(..., eager=True)`` reproduces it.
  ``parse`` always rejects invalid syntax anywhere, used or not: an invalid template is a
  mistake whichever branch the environment selects.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import NamedTuple

from bakegen import hcl

__all__ = [
    "Alias",
    "BakeTemplate",
    "InterpolationError",
    "Literal",
    "RequiredVariableError",
    "Substitution",
    "SubstitutionMemo",
    "Template",
    "evaluate",
    "parse",
    "to_bake",
    "valid_syntax",
]

OPERATORS = (":-", "-", ":+", "+", ":?", "?")

# Words that HCL reads as something other than a variable reference.

# Compose matches names with a case-insensitive `[_a-z][_a-z0-9]*`; Go's case folding makes
# that also match U+017F (long s, folds to s) and U+212A (Kelvin sign, folds to k).
_NAME_START = frozenset("_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ\u017f\u212a")
_NAME_CHARS = _NAME_START | frozenset("0123456789")
# Runs of _NAME_CHARS and the braces compose counts, found by regex rather than a loop over
# characters (measured: parsing 1000 distinct image names 9 -> 6 ms).
_NAME_RUN = re.compile("[" + "".join(sorted(_NAME_CHARS)) + "]*")
_BRACE = re.compile("[{}]")


# The parsed template: immutable values, compared and hashed by content (a Substitution is a
# memo key). NamedTuples, not frozen dataclasses: no module a render imports uses dataclasses,
# whose import (inspect, ast, dis, tokenize) and class definitions cost ~10 ms of every render.
class Literal(NamedTuple):
    text: str


class Substitution(NamedTuple):
    name: str
    operator: str | None = None  # None, ":-", "-", ":+", "+", ":?", "?"
    argument: Template | None = None  # set exactly when operator is set (may be empty)


class Template(NamedTuple):
    parts: tuple[Literal | Substitution, ...] = ()

    def variables(self) -> frozenset[str]:
        """Every variable the template may read, including inside arguments."""
        names: set[str] = set()
        for part in self.parts:
            if isinstance(part, Substitution):
                names.add(part.name)
                if part.argument is not None:
                    names |= part.argument.variables()
        return frozenset(names)

    def is_literal(self) -> bool:
        return all(isinstance(part, Literal) for part in self.parts)

    def literal_text(self) -> str:
        """The text of a template without substitutions (``$$`` already folded to ``$``)."""
        if not self.is_literal():
            raise ValueError("template has substitutions")
        return "".join(part.text for part in self.parts)  # type: ignore[union-attr]


class InterpolationError(Exception):
    """Invalid template syntax (or a name bake cannot use).

    ``offset`` is the 0-based index into the parsed string of the offending ``$``;
    ``template`` is the text compose quotes in its own error (the whole value, or the
    argument or tail in which the bad ``${`` sits).
    """

    def __init__(self, message: str, offset: int, template: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset
        self.template = template


class RequiredVariableError(Exception):
    """``${V:?msg}`` / ``${V?msg}`` failed; ``message`` is compose's exact text."""

    def __init__(self, name: str, reason: str) -> None:
        self.name = name
        self.reason = reason
        self.message = f"required variable {name} is missing a value"
        if reason:
            self.message += f": {reason}"
        super().__init__(self.message)


# --------------------------------------------------------------------------- parsing


# Parsed templates by text. Cached: compose files repeat the same values across services
# (``${REGISTRY:-…}`` in every image, anchors), and a Template is immutable, so it can be shared.
# Invalid texts raise and are not cached.
_PARSED: dict[str, Template] = {}


def parse(text: str) -> Template:
    """Parse a compose value; raises InterpolationError on invalid ``${`` forms."""
    parsed = _PARSED.get(text)
    if parsed is None:
        parsed = _PARSED[text] = Template(tuple(_parse_segment(text, 0, len(text))))
    return parsed


def valid_syntax(text: str) -> bool:
    """Whether ``parse(text)`` succeeds (the caller locates the error only when it does not)."""
    try:
        parse(text)
    except InterpolationError:
        return False
    return True


def _parse_segment(text: str, start: int, end: int) -> list[Literal | Substitution]:
    # `scope` is what compose would quote in its "invalid interpolation format" error: it
    # re-runs its substitution on each argument and on the tail that follows a cut match.
    scope = text[start:end]
    parts: list[Literal | Substitution] = []
    literal: list[str] = []

    def flush() -> None:
        joined = "".join(literal)
        literal.clear()
        if joined:
            parts.append(Literal(joined))

    i = start
    while i < end:
        dollar = text.find("$", i, end)
        if dollar < 0:
            literal.append(text[i:end])
            break
        literal.append(text[i:dollar])
        i = dollar
        nxt = text[i + 1] if i + 1 < end else ""
        if nxt == "$":
            literal.append("$")
            i += 2
        elif nxt in _NAME_START and nxt:
            j = _end_of_name(text, i + 1, end)
            flush()
            parts.append(Substitution(text[i + 1 : j]))
            i = j
        elif nxt == "{":
            flush()
            i = _parse_braced(text, i, end, scope, parts)
        else:
            # Compose's pattern does not match: the `$` stays as it is.
            literal.append("$")
            i += 1
    flush()
    return parts


def _end_of_name(text: str, start: int, end: int) -> int:
    """Index after the run of name characters at ``text[start:end]``."""
    return _NAME_RUN.match(text, start, end).end()  # type: ignore[union-attr]  # `*` always matches


def _invalid(text: str, at: int, scope: str, why: str) -> InterpolationError:
    return InterpolationError(
        f"invalid interpolation format at {text[at:at + 20]!r}: {why} (write $$ for a literal $)",
        at,
        scope,
    )


def _parse_braced(
    text: str, i: int, end: int, scope: str, parts: list[Literal | Substitution]
) -> int:
    """Parse the ``${…}`` at ``text[i]``, append its parts, return the index after it."""
    newline = text.find("\n", i, end)
    line_end = end if newline < 0 else newline
    j = i + 2
    if j >= line_end or text[j] not in _NAME_START:
        if j >= line_end:
            why = "'${' is not closed on its line"
        elif text[j] == "}":
            why = "'${}' has no variable name"
        else:
            why = f"a variable name must start with a letter or '_', not {text[j]!r}"
        raise _invalid(text, i, scope, why)
    k = _end_of_name(text, j, line_end)
    name = text[j:k]
    if k < line_end and text[k] == "}":
        parts.append(Substitution(name))
        return k + 1
    if text.startswith(":", k) and k + 1 < line_end and text[k + 1] in "-+?":
        operator, arg_start = text[k : k + 2], k + 2
    elif k < line_end and text[k] in "-+?":
        operator, arg_start = text[k], k + 1
    else:
        if k >= line_end:
            why = f"'${{{name}' is not closed on its line"
        else:
            why = (
                f"unexpected {text[k]!r} after '${{{name}' "
                "(expected '}', ':-', '-', ':+', '+', ':?' or '?')"
            )
        raise _invalid(text, i, scope, why)
    last_close = text.rfind("}", arg_start, line_end)
    if last_close < 0:
        raise _invalid(text, i, scope, f"'${{{name}{operator}' is not closed on its line")
    match_end = last_close + 1
    cut = _first_balanced_close(text, i, match_end)
    if cut < 0:
        argument_end, tail_end = last_close, match_end
    else:
        argument_end, tail_end = cut, match_end
    argument = Template(tuple(_parse_segment(text, arg_start, argument_end)))
    parts.append(Substitution(name, operator, argument))
    if cut >= 0 and cut + 1 < tail_end:
        # Compose substitutes the rest of its (greedy) match separately; the result is the
        # same as reading on, except for the text quoted in an error.
        parts.extend(_parse_segment(text, cut + 1, tail_end))
    return tail_end


def _first_balanced_close(text: str, start: int, end: int) -> int:
    """Index of the ``}`` closing the ``{`` at ``start + 1``, as compose counts, or -1.

    Compose's counter steps over the character that follows each ``{``; keep that, since
    it decides where a default such as ``{}}x`` ends.
    """
    depth = 0
    i = start
    while True:
        found = _BRACE.search(text, i, end)
        if found is None:
            return -1
        i = found.start()
        if text[i] == "}":
            depth -= 1
            if depth == 0:
                return i
            i += 1
        else:
            depth += 1
            i += 2


# ------------------------------------------------------------------------ evaluation


def evaluate(
    template: Template, lookup: Callable[[str], str | None], *, eager: bool = False
) -> str:
    """The value compose gives ``template``; ``lookup`` returns None for unset names.

    ``eager=True`` substitutes every argument even when its branch is not taken, as
    compose-go before v2.10.1 (docker compose ≤ 2.40) did: errors inside unused
    arguments then surface too.
    """
    out: list[str] = []
    for part in template.parts:
        if isinstance(part, Literal):
            out.append(part.text)
        else:
            out.append(_evaluate_substitution(part, lookup, eager))
    return "".join(out)


def _evaluate_substitution(
    sub: Substitution, lookup: Callable[[str], str | None], eager: bool
) -> str:
    value = lookup(sub.name)
    op = sub.operator
    if op is None:
        return value if value is not None else ""
    assert sub.argument is not None
    argument = sub.argument
    pre: str | None = evaluate(argument, lookup, eager=True) if eager else None

    def arg() -> str:
        return pre if pre is not None else evaluate(argument, lookup)

    if op == ":-":
        return arg() if not value else value
    if op == "-":
        return arg() if value is None else value
    if op == ":+":
        return arg() if value else ""
    if op == "+":
        return arg() if value is not None else ""
    if op == ":?":
        if not value:
            raise RequiredVariableError(sub.name, arg())
        return value
    if op == "?":
        if value is None:
            raise RequiredVariableError(sub.name, arg())
        return value
    raise AssertionError(op)


# ------------------------------------------------------------------ bake compilation


class BakeTemplate(NamedTuple):
    """A compose template compiled for bake.

    ``text`` is the content of a bake (HCL) template string, before JSON escaping.
    ``validations`` are (variable, condition, error_message), ready to be the
    ``condition`` and ``error_message`` of an entry in ``variable.<variable>.validation``:
    ``condition`` is a whole-string template ``${…}`` that is true when the value is fine;
    ``error_message`` is bake template text (already escaped) giving compose's message.
    """

    text: str
    validations: tuple[tuple[str, str, str], ...] = ()


class Alias(NamedTuple):
    """A variable compose always sets itself, to a value that is never empty.

    compose interpolates ``${COMPOSE_PROJECT_NAME}`` as the project's name, whatever the
    environment holds (compose-go ``loader.projectName``). ``value`` is that value as literal
    text, or (``expression``) an HCL expression bake evaluates to it.
    """

    value: str
    expression: bool = False


# The pieces of a compiled template are plain slotted classes, never changed after creation:
# a class with value semantics costs more to define (every render imports this module) and is
# slower to create (to_bake makes several per template).
class _Lit:
    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


class _Expr:
    __slots__ = ("code", "conditional")

    def __init__(self, code: str, conditional: bool) -> None:
        self.code = code
        self.conditional = conditional  # a `?:` expression: parenthesize unless it is a false branch


_Piece = _Lit | _Expr


# Compiled top-level substitutions: what ``_Compiler.substitution`` returned, and the validations
# it added. Valid for one ``nullable`` and no fallbacks (the Interpolator keeps one per compile).
SubstitutionMemo = dict["Substitution", tuple["_Piece | list[_Piece]", tuple[tuple[str, str, str], ...]]]


def to_bake(
    template: Template,
    nullable: Callable[[str], bool],
    fallbacks: Mapping[str, str] = {},
    memo: SubstitutionMemo | None = None,
    aliases: Mapping[str, Alias] = {},
) -> BakeTemplate:
    """Compile to a bake template that buildx evaluates to compose's value.

    ``nullable(name)``: the bake variable ``name`` has ``default: null`` (so ``null``
    means unset); otherwise it always holds a string.

    ``fallbacks``: for some nullable names, an HCL expression (a string) that is the
    variable's value when the bake variable is null: compose reads such a variable from the
    environment when set there (even empty), else from a fixed source (an include's env
    file).  The variable then always has a value: ``(V != null ? V : <fallback>)``.

    ``memo``: compiled substitutions shared by the calls that pass the same ``nullable``,
    ``aliases`` and no ``fallbacks``; compose projects repeat ``${REGISTRY:-…}`` in texts that
    differ elsewhere.

    ``aliases``: names compose sets itself, never empty (``Alias``); the environment is not read.
    """
    assert memo is None or not fallbacks, "a memo is for one nullable and no fallbacks"
    compiler = _Compiler(nullable, fallbacks, memo, aliases)
    pieces = compiler.pieces(template, guards=())
    return BakeTemplate(_template_body(pieces, quoted=False), tuple(compiler.validations))


class _Compiler:
    def __init__(
        self,
        nullable: Callable[[str], bool],
        fallbacks: Mapping[str, str],
        memo: SubstitutionMemo | None,
        aliases: Mapping[str, Alias] = {},
    ) -> None:
        self.nullable = nullable
        self.fallbacks = fallbacks
        self.aliases = aliases
        self.validations: list[tuple[str, str, str]] = []
        self._in_message = False
        self._memo = memo

    def _unguarded(self, sub: Substitution) -> _Piece | list[_Piece]:
        """``substitution(sub, ())``, memoized: outside guards and messages, the result and the
        validations depend only on ``sub`` (measured: −6 ms at 1000 services, whose image
        names share their ``${REGISTRY:-…}`` and ``${TAG:-…}``)."""
        if self._memo is None or self._in_message:
            return self.substitution(sub, ())
        known = self._memo.get(sub)
        if known is None:
            start = len(self.validations)
            found = self.substitution(sub, ())
            known = self._memo[sub] = (found, tuple(self.validations[start:]))
        else:
            self.validations.extend(known[1])
        return known[0]

    def pieces(self, template: Template, guards: tuple[str, ...]) -> list[_Piece]:
        """``guards``: conditions any of which, when true, means this text is not used."""
        out: list[_Piece] = []
        for part in template.parts:
            if isinstance(part, Literal):
                new: list[_Piece] = [_Lit(part.text)]
            else:
                found = self.substitution(part, guards) if guards else self._unguarded(part)
                new = found if isinstance(found, list) else [found]
            for piece in new:
                if isinstance(piece, _Lit) and out and isinstance(out[-1], _Lit):
                    out[-1] = _Lit(out[-1].text + piece.text)
                elif not (isinstance(piece, _Lit) and piece.text == ""):
                    out.append(piece)
        return out

    def substitution(
        self, sub: Substitution, guards: tuple[str, ...]
    ) -> _Piece | list[_Piece]:
        name = sub.name
        _check_name(name)
        alias = self.aliases.get(name)
        if alias is not None:
            # Set and never empty: a default never applies, `?`/`:?` never fail, and
            # `+`/`:+` always give their text.
            if sub.operator in ("+", ":+"):
                assert sub.argument is not None
                return self.pieces(sub.argument, guards)
            return _Expr(alias.value, False) if alias.expression else _Lit(alias.value)
        null = self.nullable(name)
        fallback = self.fallbacks.get(name) if null else None
        if fallback is not None:
            # Never unset: the environment's value, else the fixed one.
            null = False
            ref = f"({name} != null ? {name} : {fallback})"
            value = _Expr(ref[1:-1], True)
        else:
            ref, value = name, _Expr(name, False)
        plain = _Expr(f'{name} != null ? {name} : ""', True) if null else value
        op = sub.operator
        if op is None:
            return plain
        assert sub.argument is not None
        set_test = f"{name} != null"  # only meaningful when nullable
        full_test = f'{name} != null && {name} != ""' if null else f'{ref} != ""'

        if op in (":?", "?"):
            if self._in_message:
                raise InterpolationError(
                    f"'${{{name}{op}…}}' inside another required variable's error message "
                    "cannot be compiled to bake",
                    0,
                )
            check = full_test if op == ":?" else (set_test if null else None)
            if check is not None:
                self._in_message = True
                try:
                    reason = self.pieces(sub.argument, guards)
                finally:
                    self._in_message = False
                condition = "${" + " || ".join((*guards, check)) + "}"
                self.validations.append((name, condition, _message(name, reason)))
            return plain

        if op == ":-":
            arg = self.pieces(sub.argument, (*guards, full_test))
            return _conditional(full_test, value, arg)
        if op == "-":
            if not null:
                return plain  # never unset: the default can never apply
            arg = self.pieces(sub.argument, (*guards, set_test))
            return _conditional(set_test, _Expr(name, False), arg)
        negated = f'{name} == null || {name} == ""' if null else f'{ref} == ""'
        if op == ":+":
            arg = self.pieces(sub.argument, (*guards, negated))
            return _conditional(full_test, arg, [])
        if op == "+":
            if not null:
                return self.pieces(sub.argument, guards)  # always set: splice the text
            arg = self.pieces(sub.argument, (*guards, f"{name} == null"))
            return _conditional(set_test, arg, [])
        raise AssertionError(op)


_HCL_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _check_name(name: str) -> None:
    if name in hcl.KEYWORDS:
        raise InterpolationError(
            f"variable {name!r} cannot be used in a bake file: {name!r} is an HCL keyword",
            0,
        )
    if not _HCL_IDENTIFIER.fullmatch(name):
        raise InterpolationError(f"variable {name!r} is not a valid HCL identifier", 0)


def _as_piece(pieces: list[_Piece]) -> _Piece:
    if not pieces:
        return _Lit("")
    if len(pieces) == 1:
        return pieces[0]
    return _Expr(_quoted(pieces), False)


def _expr(value: _Piece | list[_Piece], branch_last: bool = False) -> str:
    piece = _as_piece(value) if isinstance(value, list) else value
    if isinstance(piece, _Lit):
        return _quoted([piece])
    if piece.conditional and not branch_last:
        return f"({piece.code})"
    return piece.code


def _conditional(test: str, then: _Piece | list[_Piece], other: _Piece | list[_Piece]) -> _Expr:
    return _Expr(f"{test} ? {_expr(then)} : {_expr(other, branch_last=True)}", True)


def _message(name: str, reason: list[_Piece]) -> str:
    prefix = f"required variable {name} is missing a value"
    if not reason:
        return _escape_literal(prefix, before_interpolation=False, quoted=False)
    if any(isinstance(p, _Lit) and p.text for p in reason):
        # Literal text in the reason: it can never substitute to "".
        return _template_body([_Lit(prefix + ": "), *reason], quoted=False)
    # Compose drops the ": " when the message substitutes to "".
    reason_code = _expr(reason)
    tail = _quoted([_Lit(": "), *reason])
    return _template_body(
        [_Lit(prefix), _Expr(f'{reason_code} != "" ? {tail} : ""', True)], quoted=False
    )


def _quoted(pieces: list[_Piece]) -> str:
    return '"' + _template_body(pieces, quoted=True) + '"'


def _template_body(pieces: list[_Piece], quoted: bool) -> str:
    out: list[str] = []
    for index, piece in enumerate(pieces):
        if isinstance(piece, _Lit):
            following = pieces[index + 1] if index + 1 < len(pieces) else None
            out.append(
                _escape_literal(piece.text, isinstance(following, _Expr), quoted=quoted)
            )
        else:
            out.append("${" + piece.code + "}")
    return "".join(out)


_HCL_STRING_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape_literal(text: str, before_interpolation: bool, quoted: bool) -> str:
    """Escape literal text for an HCL template (``quoted``: inside an HCL string literal).

    ``${`` and ``%{`` are doubled.  A run of ``$`` right before an interpolation would
    form ``$${`` (an escape, not ``$`` + value), so that run is written as ``${"$…"}``.
    """
    trailing = ""
    if before_interpolation:
        stripped = text.rstrip("$")
        trailing, text = text[len(stripped) :], stripped
    out = text.replace("${", "$${").replace("%{", "%%{")
    if quoted:
        out = _HCL_ESCAPED.sub(_hcl_escape, out)
    if trailing:
        out += '${"' + trailing + '"}'
    return out


# The characters _hcl_char changes: the rest of a literal is copied as it is.
_HCL_ESCAPED = re.compile(r'[\\"\x00-\x1f\x7f]')


def _hcl_escape(match: re.Match[str]) -> str:
    return _hcl_char(match.group())


def _hcl_char(c: str) -> str:
    if c in _HCL_STRING_ESCAPES:
        return _HCL_STRING_ESCAPES[c]
    if ord(c) < 0x20 or ord(c) == 0x7F:
        return f"\\u{ord(c):04x}"
    return c
