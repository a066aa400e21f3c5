"""A character-level parser for HCL native expressions and templates (hclsyntax), keeping
positions so diagnostics carry buildx's `file:line,col-col` ranges."""

from __future__ import annotations

import bisect
import functools
import re

from .diagnostics import Diagnostic, DiagnosticsError, Pos, Range
from .expressions import (
    BinaryOp,
    Conditional,
    Expression,
    ForExpr,
    ForPart,
    FunctionCall,
    GetAttr,
    IfPart,
    Index,
    InterpPart,
    Literal,
    LiteralPart,
    ObjectCons,
    Template,
    TemplatePart,
    TemplateWrap,
    TupleCons,
    UnaryOp,
    Variable,
)
from .values import normalize_number

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_DIGITS = re.compile(r"[0-9]+")
_NUMBER = re.compile(r"[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?")
_BINARY_LEVELS: list[list[str]] = [
    ["||"],
    ["&&"],
    ["==", "!="],
    ["<=", ">=", "<", ">"],
    ["+", "-"],
    ["*", "/", "%"],
]
_KEYWORDS = ["if", "else", "endif", "for", "endfor"]
# The level in _BINARY_LEVELS of every binary operator starting with a character (each
# level's operators start with their own characters).
_OPERATOR_LEVEL = {op[0]: level for level, ops in enumerate(_BINARY_LEVELS) for op in ops}
# Characters that can start whitespace or a comment for skip_ws.
_WS_START = frozenset(" \t\r\n#/")
# Whitespace and comments (a comment unterminated up to the end of the text), with newlines
# inside brackets (nl_depth > 0) or without.
_COMMENT = r"|#[^\n]*|//[^\n]*|/\*(?:.*?\*/|.*\Z)"
_SPACE = re.compile(r"(?:[ \t\r]+" + _COMMENT + ")*", re.DOTALL)
_SPACE_NL = re.compile(r"(?:[ \t\r\n]+" + _COMMENT + ")*", re.DOTALL)
# Characters of a template that may start something other than literal text.
_TEMPLATE_SPECIAL = re.compile(r"[$%]")
_QUOTED_TEMPLATE_SPECIAL = re.compile(r'[$%"\\]')


class ParseError(DiagnosticsError):
    pass


def _levenshtein(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


FIRST_POSITION = Pos(1, 1)


class Parser:
    def __init__(self, src: str, filename: str, base: Pos = FIRST_POSITION) -> None:
        self.src = src
        self.filename = filename
        self.base = base
        self.i = 0
        self.nl_depth = 0

    # ------------------------------------------------------------------ positions

    @functools.cached_property
    def line_starts(self) -> list[int]:
        """Offsets where lines start, for positions (made only when one is asked for)."""
        return [0] + [newline.end() for newline in re.finditer("\n", self.src)]

    def pos(self, i: int) -> Pos:
        k = bisect.bisect_right(self.line_starts, i) - 1
        if k == 0:
            return Pos(self.base.line, self.base.column + i)
        return Pos(self.base.line + k, i - self.line_starts[k] + 1)

    def rng(self, a: int, b: int) -> Range:
        return Range.at_offsets(self.filename, self.pos, a, b)

    def error(self, summary: str, detail: str, a: int, b: int | None = None) -> ParseError:
        return ParseError([Diagnostic(summary, detail, self.rng(a, b if b is not None else a + 1))])

    def peek(self, n: int = 1) -> str:
        return self.src[self.i : self.i + n]

    def at_end(self) -> bool:
        return self.i >= len(self.src)

    # ------------------------------------------------------------------ whitespace

    def skip_ws(self) -> None:
        self.i = self._after_ws()

    def _after_ws(self) -> int:
        """Where the next token starts (the offset, without moving there)."""
        src, i = self.src, self.i
        if i < len(src) and src[i] in _WS_START:  # measured: most calls find a token at once
            return (_SPACE_NL if self.nl_depth > 0 else _SPACE).match(src, i).end()  # type: ignore[union-attr]
        return i

    def expect(self, token: str, what: str) -> None:
        self.skip_ws()
        if not self.src.startswith(token, self.i):
            found = self.src[self.i] if not self.at_end() else "end of input"
            raise self.error(
                f"Missing {what}" if what else "Invalid expression",
                f"Expected {token!r}, but found {found!r}." if what else "Expected the start of an expression.",
                self.i,
            )
        self.i += len(token)

    # ------------------------------------------------------------------ expressions

    def parse_expression(self) -> Expression:
        self.skip_ws()
        start = self.i
        condition = self.parse_binary(0)
        self.skip_ws()
        if self.peek() == "?":
            self.i += 1
            self.nl_depth += 1
            true_result = self.parse_expression()
            self.expect(":", "false expression")
            false_result = self.parse_expression()
            self.nl_depth -= 1
            return Conditional(condition, true_result, false_result, self.rng(start, self.i))
        return condition

    def parse_binary(self, level: int) -> Expression:
        """Binary operators of `level` and tighter, left-associative (hclsyntax's levels).

        One loop climbing precedence gives the tree and ranges that one recursion per level
        gave: every level of a chain starts where its first operand does, and an operand of
        the tightest level ends before its trailing whitespace (measured: a compiled image
        name's parse 110 -> 68 us, skip_ws and literal runs included)."""
        if level == len(_BINARY_LEVELS):
            return self.parse_unary()
        start = self.i
        lhs = self.parse_unary()
        while True:
            self.skip_ws()
            op_level = _OPERATOR_LEVEL.get(self.src[self.i : self.i + 1], -1)
            if op_level < level:
                return lhs
            op = self._match_operator(_BINARY_LEVELS[op_level])
            if op is None:
                return lhs
            self.i += len(op)
            rhs = self.parse_binary(op_level + 1)
            lhs = BinaryOp(op, lhs, rhs, self.rng(start, self.i))

    def _match_operator(self, ops: list[str]) -> str | None:
        src, i = self.src, self.i
        for op in ops:
            if not src.startswith(op, i):
                continue
            after = src[i + len(op) : i + len(op) + 1]
            if op in ("<", ">") and after == "=":
                continue
            if op == "=" or (op in ("<", ">") and src.startswith("<<", i)):
                continue
            if op in ("==",) and after == ">":
                continue
            if op in ("*",) and after == "]":
                continue
            return op
        return None

    def parse_unary(self) -> Expression:
        self.skip_ws()
        start = self.i
        c = self.src[start : start + 1]
        if c == "!":
            self.i += 1
            operand = self.parse_unary()
            return UnaryOp("!", operand, self.rng(start, self.i))
        if c == "-":
            self.i += 1
            operand = self.parse_unary()
            if isinstance(operand, Literal) and isinstance(operand.literal, (int, float)) and not isinstance(operand.literal, bool):
                return Literal(-operand.literal, self.rng(start, self.i))
            return UnaryOp("-", operand, self.rng(start, self.i))
        return self.parse_postfix()

    def parse_postfix(self) -> Expression:
        start = self.i
        expr = self.parse_primary()
        while True:
            after_ws = self._after_ws()
            c = self.src[after_ws : after_ws + 1]
            if c == "[":
                self.i = open_at = after_ws
                self.i += 1
                self.nl_depth += 1
                self.skip_ws()
                if self.peek() == "*":
                    raise self.error("Unsupported expression", "Splat expressions are not supported by this evaluator.", self.i)
                key = self.parse_expression()
                self.expect("]", "close bracket")
                self.nl_depth -= 1
                expr = Index(expr, key, self.rng(open_at, self.i), self.rng(start, self.i))
            elif c == "." and not self.src.startswith("...", after_ws):
                self.i = name_at = after_ws + 1
                number = _DIGITS.match(self.src, self.i)
                if number:
                    self.i = number.end()
                    key = Literal(int(number.group()), self.rng(name_at, self.i))
                    expr = Index(expr, key, self.rng(name_at - 1, self.i), self.rng(start, self.i))
                    continue
                match = _IDENT.match(self.src, self.i)
                if not match:
                    raise self.error("Invalid attribute name", "An attribute name is required after a dot.", self.i)
                self.i = match.end()
                expr = GetAttr(expr, match.group(), self.rng(name_at, self.i), self.rng(start, self.i))
            else:
                return expr

    def parse_primary(self) -> Expression:
        self.skip_ws()
        start = self.i
        src = self.src
        if start >= len(src):
            raise self.error("Invalid expression", "Expected the start of an expression, but found the end of the file.", max(0, self.i - 1), self.i)
        c = src[self.i]
        if c.isdigit():
            match = _NUMBER.match(src, self.i)
            assert match
            self.i = match.end()
            text = match.group()
            number = int(text) if text.isdigit() else normalize_number(float(text))
            return Literal(number, self.rng(start, self.i))
        if c == '"':
            self.i += 1
            parts = self.parse_template_parts(quoted=True)
            return self._template(parts, start)
        if src.startswith("<<", self.i):
            return self.parse_heredoc()
        if c == "(":
            self.i += 1
            self.nl_depth += 1
            expr = self.parse_expression()
            self.expect(")", "close parenthesis")
            self.nl_depth -= 1
            return expr
        if c == "[":
            return self.parse_tuple()
        if c == "{":
            return self.parse_object()
        match = _IDENT.match(src, self.i)
        if match:
            name = match.group()
            self.i = match.end()
            name_range = self.rng(start, self.i)
            if name == "true":
                return Literal(True, name_range)
            if name == "false":
                return Literal(False, name_range)
            if name == "null":
                return Literal(None, name_range)
            save = self.i
            while src[self.i : self.i + 1] in (" ", "\t"):
                self.i += 1
            if src[self.i : self.i + 1] == "(":
                return self.parse_call(name, name_range, start)
            self.i = save
            return Variable(name, name_range)
        raise self.error("Invalid expression", "Expected the start of an expression, but found an invalid expression token.", self.i)

    def parse_call(self, name: str, name_range: Range, start: int) -> Expression:
        open_at = self.i
        self.i += 1
        open_range = self.rng(open_at, self.i)
        self.nl_depth += 1
        args: list[Expression] = []
        expand = False
        while True:
            self.skip_ws()
            if self.peek() == ")":
                self.i += 1
                break
            args.append(self.parse_expression())
            self.skip_ws()
            if self.src.startswith("...", self.i):
                self.i += 3
                expand = True
                self.skip_ws()
            if self.peek() == ",":
                self.i += 1
                continue
            if self.peek() == ")":
                self.i += 1
                break
            raise self.error("Missing argument separator", "A comma is required to separate each function argument from the next.", self.i)
        self.nl_depth -= 1
        return FunctionCall(name, name_range, open_range, args, expand, self.rng(start, self.i))

    def _keyword_ahead(self, word: str) -> bool:
        match = _IDENT.match(self.src, self.i)
        return bool(match) and match.group() == word  # type: ignore[union-attr]

    def parse_for_header(self) -> tuple[str | None, str, Expression]:
        self.i += 3
        self.skip_ws()
        first = _IDENT.match(self.src, self.i)
        if not first:
            raise self.error("Invalid 'for' expression", "For expression requires variable name after 'for'.", self.i)
        self.i = first.end()
        key_var: str | None = None
        value_var = first.group()
        self.skip_ws()
        if self.peek() == ",":
            self.i += 1
            self.skip_ws()
            second = _IDENT.match(self.src, self.i)
            if not second:
                raise self.error("Invalid 'for' expression", "For expression requires value variable name after comma.", self.i)
            self.i = second.end()
            key_var, value_var = value_var, second.group()
        self.skip_ws()
        if not self._keyword_ahead("in"):
            raise self.error("Invalid 'for' expression", "For expression requires the 'in' keyword after its name declarations.", self.i)
        self.i += 2
        collection = self.parse_expression()
        return key_var, value_var, collection

    def parse_tuple(self) -> Expression:
        start = self.i
        self.i += 1
        self.nl_depth += 1
        self.skip_ws()
        if self._keyword_ahead("for"):
            key_var, value_var, collection = self.parse_for_header()
            self.expect(":", "colon")
            value_expr = self.parse_expression()
            condition = self._for_condition()
            self.expect("]", "close bracket")
            self.nl_depth -= 1
            return ForExpr(key_var, value_var, collection, None, value_expr, condition, False, self.rng(start, self.i))
        items: list[Expression] = []
        while True:
            self.skip_ws()
            if self.peek() == "]":
                self.i += 1
                break
            items.append(self.parse_expression())
            self.skip_ws()
            if self.peek() == ",":
                self.i += 1
                continue
            if self.peek() == "]":
                self.i += 1
                break
            raise self.error("Missing item separator", "Expected a comma to mark the beginning of the next item.", self.i)
        self.nl_depth -= 1
        return TupleCons(items, self.rng(start, self.i))

    def _for_condition(self) -> Expression | None:
        self.skip_ws()
        if self._keyword_ahead("if"):
            self.i += 2
            return self.parse_expression()
        return None

    def parse_object(self) -> Expression:
        start = self.i
        self.i += 1
        self.nl_depth += 1
        self.skip_ws()
        if self._keyword_ahead("for"):
            key_var, value_var, collection = self.parse_for_header()
            self.expect(":", "colon")
            key_expr = self.parse_expression()
            self.expect("=>", "'=>'")
            value_expr = self.parse_expression()
            self.skip_ws()
            grouping = False
            if self.src.startswith("...", self.i):
                self.i += 3
                grouping = True
            condition = self._for_condition()
            self.expect("}", "close brace")
            self.nl_depth -= 1
            return ForExpr(key_var, value_var, collection, key_expr, value_expr, condition, grouping, self.rng(start, self.i))
        items: list[tuple[Expression, Expression]] = []
        while True:
            self.skip_ws()
            if self.peek() == "}":
                self.i += 1
                break
            key_at = self.i
            match = _IDENT.match(self.src, self.i)
            key: Expression
            if match and match.group() not in ("true", "false", "null"):
                after = self.src[match.end():].lstrip(" \t")
                if after[:1] in ("=", ":") and not after.startswith("=="):
                    self.i = match.end()
                    key = Literal(match.group(), self.rng(key_at, self.i))
                else:
                    key = self.parse_expression()
            else:
                key = self.parse_expression()
            self.skip_ws()
            if self.peek() in ("=", ":"):
                self.i += 1
            else:
                raise self.error("Missing key/value separator", "Expected an equals sign (\"=\") to mark the beginning of the attribute value.", self.i)
            value = self.parse_expression()
            items.append((key, value))
            self.skip_ws()
            if self.peek() == ",":
                self.i += 1
        self.nl_depth -= 1
        return ObjectCons(items, self.rng(start, self.i))

    def parse_heredoc(self) -> Expression:
        start = self.i
        match = re.compile(r"<<(-?)([A-Za-z_][A-Za-z0-9_-]*)\r?\n").match(self.src, self.i)
        if not match:
            raise self.error("Invalid heredoc", "Expected a heredoc marker after <<.", self.i)
        indent, marker = match.group(1) == "-", match.group(2)
        body_start = match.end()
        end_re = re.compile(r"^[ \t]*" + re.escape(marker) + r"[ \t]*$", re.MULTILINE)
        end = end_re.search(self.src, body_start)
        if not end:
            raise self.error("Unterminated template string", "No closing marker was found for this heredoc.", start, body_start)
        body_end = end.start()
        sub = Parser(self.src[:body_end], self.filename, self.base)
        sub.line_starts = self.line_starts
        sub.i = body_start
        parts = sub.parse_template_parts(quoted=False)
        self.i = end.end()
        if indent:
            parts = _dedent(parts)
        return self._template(parts, start)

    def _template(self, parts: list[TemplatePart], start: int) -> Expression:
        whole = self.rng(start, self.i)
        if len(parts) == 1 and isinstance(parts[0], InterpPart):
            return TemplateWrap(parts[0].expr, whole)
        if not parts:
            return Literal("", whole)
        if all(isinstance(p, LiteralPart) for p in parts):
            return Template(parts, whole)
        return Template(parts, whole)

    # ------------------------------------------------------------------ templates

    def parse_template_parts(self, quoted: bool) -> list[TemplatePart]:
        parts, stop = self._template_sequence(quoted, ())
        if stop is not None:
            word, at = stop
            raise self.error("Unexpected template directive", f"The {word} directive has no corresponding opening directive.", at, at + len(word))
        return parts

    def _template_sequence(
        self, quoted: bool, stops: tuple[str, ...]
    ) -> tuple[list[TemplatePart], tuple[str, int] | None]:
        src = self.src
        parts: list[TemplatePart] = []
        text: list[str] = []
        text_start = self.i
        strip_next = False

        def flush() -> None:
            nonlocal strip_next
            literal = "".join(text)
            if strip_next:
                literal = literal.lstrip(" \t\r\n")
                strip_next = False
            if literal:
                parts.append(LiteralPart(self.rng(text_start, self.i), literal))
            text.clear()

        def strip_previous() -> None:
            if parts and isinstance(parts[-1], LiteralPart):
                stripped = parts[-1].text.rstrip(" \t\r\n")
                if stripped:
                    parts[-1].text = stripped
                else:
                    parts.pop()

        while True:
            if self.i >= len(src):
                if quoted:
                    raise self.error("Unterminated template string", "No closing marker was found for the string.", max(0, self.i - 1), self.i)
                flush()
                return parts, None
            c = src[self.i]
            if quoted and c == '"':
                flush()
                self.i += 1
                return parts, None
            if quoted and c == "\\":
                text.append(self._escape())
                continue
            if src.startswith("$${", self.i) or src.startswith("%%{", self.i):
                text.append(c + "{")
                self.i += 3
                continue
            if src.startswith("${", self.i):
                flush()
                open_at = self.i
                self.i += 2
                if self.peek() == "~":
                    self.i += 1
                    strip_previous()
                self.nl_depth += 1
                try:
                    expr = self.parse_expression()
                except ParseError as error:
                    if self.at_end():
                        raise self._unclosed(open_at) from error
                    raise
                self.skip_ws()
                self.nl_depth -= 1
                if self.peek() == "~":
                    self.i += 1
                    strip_next = True
                if self.peek() != "}":
                    if self.at_end():
                        raise self._unclosed(open_at)
                    raise self.error("Extra characters after interpolation expression", "Expected a closing brace to end the interpolation expression, but found extra characters.", self.i)
                self.i += 1
                parts.append(InterpPart(self.rng(open_at, self.i), expr))
                text_start = self.i
                continue
            if src.startswith("%{", self.i):
                flush()
                open_at = self.i
                self.i += 2
                if self.peek() == "~":
                    self.i += 1
                    strip_previous()
                self.nl_depth += 1
                self.skip_ws()
                word_at = self.i
                match = _IDENT.match(src, self.i)
                word = match.group() if match else ""
                if word not in _KEYWORDS:
                    end = match.end() if match else self.i + 1
                    suggestion = min(_KEYWORDS, key=lambda k: _levenshtein(word, k))
                    detail = f"{word!s} is not a valid template control keyword."
                    detail = f'"{word}" is not a valid template control keyword.'
                    if _levenshtein(word, suggestion) < 3:
                        detail += f' Did you mean "{suggestion}"?'
                    raise self.error("Invalid template control keyword", detail, word_at, end)
                self.i = match.end()  # type: ignore[union-attr]
                if word in stops:
                    self._close_directive()
                    strip_next = self._last_strip
                    return parts, (word, word_at)
                if word in ("else", "endif", "endfor"):
                    raise self.error("Unexpected template directive", f"The {word} directive has no corresponding opening directive.", word_at, self.i)
                if word == "if":
                    condition = self.parse_expression()
                    self._close_directive()
                    part = IfPart(self.rng(open_at, self.i), condition)
                    part.then_parts, stop = self._nested(quoted, ("else", "endif"), self._last_strip)
                    if stop and stop[0] == "else":
                        part.else_parts, stop = self._nested(quoted, ("endif",), self._last_strip)
                    if stop is None:
                        raise self.error("Unterminated template directive", "The if directive has no corresponding endif.", open_at, open_at + 2)
                else:
                    self.i = word_at
                    key_var, value_var, collection = self.parse_for_header()
                    self._close_directive()
                    part_for = ForPart(self.rng(open_at, self.i), key_var, value_var, collection)
                    part_for.body, stop = self._nested(quoted, ("endfor",), self._last_strip)
                    if stop is None:
                        raise self.error("Unterminated template directive", "The for directive has no corresponding endfor.", open_at, open_at + 2)
                    part = part_for  # type: ignore[assignment]
                parts.append(part)
                strip_next = self._last_strip
                text_start = self.i
                continue
            text.append(c)
            self.i += 1
            # Literal text up to the next character that may start something else, at once.
            special = (_QUOTED_TEMPLATE_SPECIAL if quoted else _TEMPLATE_SPECIAL).search(src, self.i)
            end = special.start() if special else len(src)
            if end > self.i:
                text.append(src[self.i : end])
                self.i = end

    _last_strip = False

    def _nested(self, quoted: bool, stops: tuple[str, ...], strip: bool) -> tuple[list[TemplatePart], tuple[str, int] | None]:
        parts, stop = self._template_sequence(quoted, stops)
        if strip and parts and isinstance(parts[0], LiteralPart):
            parts[0].text = parts[0].text.lstrip(" \t\r\n")
            if not parts[0].text:
                parts.pop(0)
        return parts, stop

    def _close_directive(self) -> None:
        self.skip_ws()
        self._last_strip = False
        if self.peek() == "~":
            self.i += 1
            self._last_strip = True
        if self.peek() != "}":
            raise self.error("Extra characters in template directive", "Expected a closing brace to end the directive.", self.i)
        self.i += 1
        self.nl_depth -= 1

    def _unclosed(self, open_at: int) -> ParseError:
        return self.error(
            "Unclosed template interpolation sequence",
            "There is no closing brace for this interpolation sequence before the end of the file. "
            "This might be caused by incorrect nesting inside the given expression.",
            open_at,
            open_at + 2,
        )

    def _escape(self) -> str:
        src = self.src
        at = self.i
        nxt = src[self.i + 1 : self.i + 2]
        simple = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
        if nxt in simple:
            self.i += 2
            return simple[nxt]
        if nxt in ("u", "U"):
            width = 4 if nxt == "u" else 8
            digits = src[self.i + 2 : self.i + 2 + width]
            if len(digits) == width and all(ch in "0123456789abcdefABCDEF" for ch in digits):
                self.i += 2 + width
                return chr(int(digits, 16))
        raise self.error("Invalid escape sequence", f"The symbol {nxt!r} is not a valid escape sequence selector.", at, at + 2)


def _dedent(parts: list[TemplatePart]) -> list[TemplatePart]:
    # `<<-` strips the smallest common leading whitespace of the literal lines.
    lines = "".join(p.text if isinstance(p, LiteralPart) else "x" for p in parts).split("\n")
    widths = [len(line) - len(line.lstrip(" \t")) for line in lines if line.strip(" \t")]
    width = min(widths) if widths else 0
    if not width:
        return parts
    at_line_start = True
    for part in parts:
        if isinstance(part, LiteralPart):
            out = []
            for n, line in enumerate(part.text.split("\n")):
                if n > 0 or at_line_start:
                    line = line[width:] if line[:width].strip(" \t") == "" else line.lstrip(" \t")
                out.append(line)
            part.text = "\n".join(out)
            at_line_start = part.text.endswith("\n")
        else:
            at_line_start = False
    return parts


def parse_template(src: str, filename: str, base: Pos) -> Expression:
    """hclsyntax.ParseTemplate: a whole string as a template (JSON string values)."""
    parser = Parser(src, filename, base)
    parts = parser.parse_template_parts(quoted=False)
    whole = parser.rng(0, len(src))
    if len(parts) == 1 and isinstance(parts[0], InterpPart):
        return TemplateWrap(parts[0].expr, whole)
    return Template(parts, whole)


def parse_expression(src: str, filename: str, base: Pos = FIRST_POSITION) -> Expression:
    parser = Parser(src, filename, base)
    parser.nl_depth = 1
    expr = parser.parse_expression()
    parser.skip_ws()
    if not parser.at_end():
        raise parser.error("Extra characters after expression", "An expression was successfully parsed, but extra characters were found after it.", parser.i)
    return expr
