"""Where each character of a YAML scalar's value was written.

A value read from a plain one-line scalar starts at its node's column, and character ``i``
sits ``i`` columns further. Every other style rewrites the text between the source and the
value: quotes, ``''`` and backslash escapes, line folding (a line break becomes a space, or
``n`` breaks for ``n`` empty lines), block indentation. ``ScalarLocation`` is the
``Location`` of such a value: ``at(offset)`` re-reads the scalar's source the way libyaml
does and gives the line and column of the value's character ``offset``:

* an escape (``\\n``, ``\\x41``, ``''``) stands at its first character (the backslash, the
  first quote);
* a character made by folding (the space or line feed that replaces line breaks) stands
  just after the last character of the line before it.

The re-reading must rebuild exactly the value the parser built; when it does not (a construct
this reader does not follow, such as a Unicode line separator), ``at`` answers with the
value's start, never with a wrong place. The work is done only when an error asks for it.
"""

from __future__ import annotations

from bakegen.errors import Location

__all__ = ["ScalarLocation", "scalar_positions"]

Position = tuple[int, int]  # 1-based line and column

_UNSUPPORTED_BREAKS = ("\x85", "\u2028", "\u2029")  # YAML 1.1 line breaks libyaml also folds
_BLANKS = " \t"
_SIMPLE_ESCAPES = {
    "0": "\0", "a": "\a", "b": "\b", "t": "\t", "\t": "\t", "n": "\n", "v": "\v", "f": "\f",
    "r": "\r", "e": "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\", "N": "\x85", "_": "\xa0",
    "L": "\u2028", "P": "\u2029",
}  # fmt: skip
_HEX_ESCAPES = {"x": 2, "u": 4, "U": 8}


class ScalarLocation(Location):
    """The location of a value written as a quoted, block or multi-line plain scalar.

    Keeps a reference to the file's text (shared by all its values) and the scalar's span in
    it; ``base`` is the offset in the value this location stands for (see ``at``).
    """

    __slots__ = ("_base", "_end", "_start", "_style", "_text", "_value")

    def __init__(
        self,
        path: str,
        line: int,
        column: int,
        text: str,
        span: tuple[int, int],
        style: str,
        value: str,
        base: int = 0,
    ) -> None:
        super().__init__(path, line, column)
        self._text = text
        self._start, self._end = span
        self._style = style
        self._value = value
        self._base = base

    def at(self, offset: int) -> Location:
        # Not `offset <= 0`: this location may be the scalar's start (a quote, a block
        # indicator), and character 0 of the value is after it.
        if offset < 0 or offset == 0 and self._base:
            return self
        index = self._base + offset
        origin = self._origin()
        positions = scalar_positions(self._text[self._start : self._end], self._style, self._value, origin)
        if positions is None or index >= len(positions):
            return self
        line, column = positions[index]
        return ScalarLocation(
            self.path, line, column, self._text, (self._start, self._end), self._style, self._value, index
        )

    def _origin(self) -> Position:
        """Where the scalar itself starts (this location may stand for a later character)."""
        head = self._text[: self._start]
        line = head.count("\n") + head.count("\r") - head.count("\r\n") + 1
        last_break = max(head.rfind("\n"), head.rfind("\r"))
        return line, self._start - last_break


def scalar_positions(source: str, style: str, value: str, origin: Position) -> list[Position] | None:
    """The position of each character of ``value`` (and one past its end), read from the
    scalar's ``source`` text that starts at ``origin``; None when the reading disagrees."""
    if any(mark in source for mark in _UNSUPPORTED_BREAKS):
        return None
    lines = _physical_lines(source, origin)
    if style in ("|", ">"):
        return _block(lines, style == ">", value)
    if style in ("'", '"'):
        first_line, first_column, first_text = lines[0]
        last_line, last_column, last_text = lines[-1]
        if not first_text.startswith(style) or not last_text.endswith(style) or (len(lines) == 1 and len(first_text) < 2):
            return None
        if len(lines) == 1:
            lines = [(first_line, first_column + 1, first_text[1:-1])]
        else:
            lines[0] = (first_line, first_column + 1, first_text[1:])
            lines[-1] = (last_line, last_column, last_text[:-1])
    tokens = [_tokens(text, line, column, style) for line, column, text in lines]
    if any(token is None for token in tokens):
        return None
    return _checked(_fold([token for token in tokens if token is not None]), value, exact=True)


# -- reading the source ---------------------------------------------------------------------
def _physical_lines(source: str, origin: Position) -> list[tuple[int, int, str]]:
    """The source's lines (breaks removed), each with the position of its first character."""
    texts = source.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    line, column = origin
    result = [(line, column, texts[0])]
    for offset, text in enumerate(texts[1:], 1):
        result.append((line + offset, 1, text))
    return result


# A token is (character, position, is a blank written as such); only written blanks fold.
Token = tuple[str, Position, bool]


class _Line:
    """The tokens of one source line of a flow scalar, and whether its break is escaped."""

    def __init__(self, tokens: list[Token], end: Position, escaped_break: bool) -> None:
        self.tokens = tokens
        self.end = end
        self.escaped_break = escaped_break


def _tokens(text: str, line: int, column: int, style: str) -> _Line | None:
    tokens: list[Token] = []
    index = 0
    while index < len(text):
        char = text[index]
        where = (line, column + index)
        if style == "'" and char == "'":
            if text[index + 1 : index + 2] != "'":
                return None
            tokens.append(("'", where, False))
            index += 2
        elif style == '"' and char == "\\":
            escape = text[index + 1 : index + 2]
            if not escape:  # a backslash before the line break joins the lines
                return _Line(tokens, where, True)
            if escape in _SIMPLE_ESCAPES:
                tokens.append((_SIMPLE_ESCAPES[escape], where, False))
                index += 2
            elif escape in _HEX_ESCAPES:
                digits = text[index + 2 : index + 2 + _HEX_ESCAPES[escape]]
                try:
                    tokens.append((chr(int(digits, 16)), where, False))
                except ValueError:
                    return None
                index += 2 + _HEX_ESCAPES[escape]
            else:
                return None
        else:
            tokens.append((char, where, char in _BLANKS))
            index += 1
    return _Line(tokens, (line, column + len(text)), False)


def _fold(lines: list[_Line]) -> list[Token]:
    """Flow folding: blanks around a break go, the break becomes a space, or one line feed
    per empty line after it; an escaped break joins the lines with nothing."""
    result: list[Token] = []
    empty = 0
    escaped = False  # the last line with text ended in an escaped break
    end = lines[0].end
    for number, line in enumerate(lines):
        tokens = line.tokens
        if number > 0:
            while tokens and tokens[0][2]:
                tokens = tokens[1:]
        if number < len(lines) - 1 and not line.escaped_break:
            while tokens and tokens[-1][2]:
                tokens = tokens[:-1]
            if number > 0 and not tokens:
                empty += 1
                continue
        if number > 0:
            filler = "\n" * empty if empty or escaped else " "
            result.extend((char, end, False) for char in filler)
        result.extend(tokens)
        if result:
            line_number, column = result[-1][1]
            end = (line_number, column + 1)
        empty = 0
        escaped = line.escaped_break
    return result


def _block(lines: list[tuple[int, int, str]], folded: bool, value: str) -> list[Position] | None:
    """A literal or folded block scalar; its indentation is the one that rebuilds the value."""
    content = lines[1:]  # the first line holds the indicator
    first = next((text for _, _, text in content if text.strip(" ")), None)
    if first is None:
        return None
    for indent in range(len(first) - len(first.lstrip(" ")), -1, -1):
        tokens = _block_tokens(content, indent, folded)
        checked = _checked(tokens, value, exact=False)
        if checked is not None:
            return checked
    return None


def _block_tokens(lines: list[tuple[int, int, str]], indent: int, folded: bool) -> list[Token]:
    """libyaml's block scalar reading (``yaml_parser_scan_block_scalar``), with positions."""
    result: list[Token] = []
    leading_break = ""
    trailing_breaks = 0
    leading_blank = False
    last_end: Position | None = None
    for line, _, text in lines:
        spaces = len(text) - len(text.lstrip(" "))
        if len(text) <= indent and spaces == len(text):
            trailing_breaks += 1  # an empty line (its spaces are indentation)
            continue
        if spaces < indent:
            break  # a less indented line ends the scalar
        body = text[indent:]
        trailing_blank = body[:1] in (" ", "\t")
        where = last_end or (line, indent + 1)
        if folded and leading_break and not leading_blank and not trailing_blank:
            if not trailing_breaks:
                result.append((" ", where, False))
        elif leading_break:
            result.append(("\n", where, False))
        result.extend(("\n", where, False) for _ in range(trailing_breaks))
        trailing_breaks = 0
        leading_blank = trailing_blank
        result.extend((char, (line, indent + 1 + index), False) for index, char in enumerate(body))
        last_end = (line, indent + 1 + len(body))
        leading_break = "\n"
    return result


def _checked(tokens: list[Token], value: str, *, exact: bool) -> list[Position] | None:
    """The tokens' positions when their characters are the value (block scalars: up to the
    final line breaks, which chomping decides), plus the position just past the end."""
    text = "".join(char for char, _, _ in tokens)
    if exact and text != value or not exact and text.rstrip("\n") != value.rstrip("\n"):
        return None
    positions = [where for _, where, _ in tokens][: len(value)]
    end = (positions[-1][0], positions[-1][1] + 1) if positions else None
    while len(positions) <= len(value):
        if end is None:
            return None
        positions.append(end)
    return positions
