"""Compose's ``.env`` file format (compose-go ``dotenv``), with positions.

Behaviour reproduced from compose v2 (checked against the real binary in
tests/test_interpolation_oracle.py):

* blank lines and lines starting with ``#`` are skipped; a leading ``export `` is dropped;
* ``KEY=value`` (also ``KEY: value``); keys may hold letters, digits, ``_ . - [ ]``;
  spaces around the key and after the separator are dropped;
* unquoted values run to the end of the line, are cut at the first `` #`` (a ``#`` without a
  space before it is kept), are right-trimmed, and are interpolated;
* ``'…'`` is literal (only ``\\'`` is unescaped); ``"…"`` may span lines, expands ``\\n``,
  ``\\t``, ``\\\\``, ``\\"``, ``\\$`` (a literal ``$``), ``\\0ooo`` and friends, then is
  interpolated; text after a closing quote is read as if it started a new line;
* ``KEY`` alone on a line takes the value of ``KEY`` from the environment, if set;
* interpolation sees the environment first, then the keys defined earlier.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal as TypingLiteral

from bakegen.errors import Location, UserError
from bakegen.interpolation import (
    InterpolationError,
    Template,
    evaluate,
    parse,
)

__all__ = ["EnvEntry", "parse_env_file", "resolve"]

Quote = TypingLiteral["'", '"']


@dataclass(frozen=True)
class EnvEntry:
    """One definition in a ``.env`` file.

    ``raw`` is the value exactly as written (between the quotes, inline comment removed).
    ``value`` is what compose hands to interpolation: for double quotes, after escape
    expansion (``\\$`` became ``$$``); for single quotes, the final literal value.
    ``template`` is ``parse(value)`` when compose interpolates the value (unquoted and
    double-quoted), else None (single-quoted, or ``inherited``).
    ``inherited``: a bare ``KEY`` line: the environment's value if set, else nothing; its
    ``value`` is None (as a bake default: null, i.e. unset unless the environment sets it).
    """

    name: str
    raw: str
    value: str | None
    quote: Quote | None
    template: Template | None
    line: int  # 1-based line of the key
    column: int  # 1-based column of the key
    inherited: bool = False
    path: str = ""  # the file, for error locations

    @property
    def interpolates(self) -> bool:
        return self.template is not None


# Go's unicode.IsSpace over Latin-1, plus the Unicode spaces beyond it.
def _is_unicode_space(c: str) -> bool:
    return c in "\t\n\v\f\r \x85\xa0" or (c > "\xff" and c.isspace())


# compose's "space but not a line break"
_INLINE_SPACE = frozenset("\t\v\f\r \x85\xa0")
_KEY_PUNCTUATION = frozenset("_.-[]")
_EXPORT = re.compile(r"export[\t\n\f\r ]+")
_ESCAPE = re.compile(r"\\(?:[abcfnrtv$\"\\]|0[0-9]{0,3})")
_SIMPLE_ESCAPES = {
    "a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v",
    '"': '"', "\\": "\\",
}  # fmt: skip


def _expand_escapes(text: str) -> str:
    def one(match: re.Match[str]) -> str:
        seq = match.group(0)
        kind = seq[1]
        if kind == "$":
            return "$$"  # the interpolation grammar's literal `$`
        if kind in _SIMPLE_ESCAPES:
            return _SIMPLE_ESCAPES[kind]
        if kind == "0":
            digits = seq[2:]
            # `\0ooo` is an octal byte; otherwise compose has already dropped the `0`
            # (it rewrites `\0` to `\` before decoding) and keeps the rest as written.
            if len(digits) == 3 and all(d in "01234567" for d in digits):
                code = int(digits, 8)
                if code <= 0xFF:
                    return chr(code)
            return "\\" + digits
        return seq  # `\c`: matched by compose's pattern, but not an escape: kept

    return _ESCAPE.sub(one, text)


class _Scanner:
    def __init__(self, text: str, path: str) -> None:
        self.text = text
        self.path = path
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def location(self, offset: int) -> Location:
        lo, hi = 0, len(self._line_starts)
        while hi - lo > 1:  # bisect: the last line start <= offset
            mid = (lo + hi) // 2
            if self._line_starts[mid] <= offset:
                lo = mid
            else:
                hi = mid
        return Location(self.path, lo + 1, offset - self._line_starts[lo] + 1)

    def error(self, message: str, offset: int) -> UserError:
        return UserError(message, self.location(offset))


def parse_env_file(text: str, path: str) -> list[EnvEntry]:
    """Parse a ``.env`` file; raises UserError (with line and column) like compose fails."""
    text = text.removeprefix("\ufeff")  # compose drops a UTF-8 byte order mark
    scanner = _Scanner(text, path)
    entries: list[EnvEntry] = []
    n = len(text)
    pos = 0
    while True:
        while pos < n and _is_unicode_space(text[pos]):
            pos += 1
        if pos >= n:
            break
        if text[pos] == "#":
            newline = text.find("\n", pos)
            if newline < 0:
                break
            pos = newline
            continue

        key_start = pos
        export = _EXPORT.match(text, pos)
        if export:
            pos += len("export")
            while pos < n and text[pos] in _INLINE_SPACE:
                pos += 1
            key_start = pos
        i = pos
        separator = ""
        while i < n:
            c = text[i]
            if c in "=:\n":
                separator = c
                break
            if not (
                c in _INLINE_SPACE or c in _KEY_PUNCTUATION or c.isalpha() or c.isnumeric()
            ):
                first_line = text[pos:].split("\n", 1)[0]
                raise scanner.error(
                    f"unexpected character {c!r} in variable name {first_line!r}", i
                )
            i += 1
        if separator:
            name = text[pos:i].rstrip("".join(_INLINE_SPACE))
            value_start = i + 1
        else:
            # No `=`, `:` or line break up to the end of the file: compose reads all of it
            # as the value of an empty key, i.e. it defines nothing a template can use.
            name, value_start = "", pos
        if " " in name:
            raise scanner.error(f"key {name!r} cannot contain a space", key_start)
        line, column = _line_col(scanner, key_start)
        if separator == "\n":
            if name:  # `export` alone on a line defines nothing
                entries.append(
                    EnvEntry(name, "", None, None, None, line, column, True, path)
                )
            pos = i + 1
            continue

        pos = value_start
        while pos < n and text[pos] in _INLINE_SPACE:
            pos += 1
        if pos < n and text[pos] in "'\"":
            entry, pos = _quoted(scanner, name, pos, line, column)
        else:
            entry, pos = _unquoted(scanner, name, pos, line, column)
        if name:  # compose keeps `=value` under the empty name, which nothing can read
            entries.append(entry)
    return entries


def _line_col(scanner: _Scanner, offset: int) -> tuple[int, int]:
    loc = scanner.location(offset)
    assert loc.line is not None and loc.column is not None
    return loc.line, loc.column


def _unquoted(
    scanner: _Scanner, name: str, start: int, line: int, column: int
) -> tuple[EnvEntry, int]:
    text = scanner.text
    newline = text.find("\n", start)
    end = len(text) if newline < 0 else newline
    raw = text[start:end]
    comment = raw.find(" #")
    if comment >= 0:
        raw = raw[:comment]
    raw = raw.rstrip("".join(c for c in set(raw) if _is_unicode_space(c)))
    template = _parse_value(scanner, raw, start)
    return EnvEntry(name, raw, raw, None, template, line, column, path=scanner.path), end


def _quoted(
    scanner: _Scanner, name: str, start: int, line: int, column: int
) -> tuple[EnvEntry, int]:
    text = scanner.text
    quote = text[start]
    chars: list[str] = []
    escaped = False
    i = start + 1
    while i < len(text):
        c = text[i]
        if c != quote:
            if not escaped and c == "\\":
                escaped = True
            else:
                if escaped:
                    chars.append("\\")  # only the quote itself is unescaped here
                    escaped = False
                chars.append(c)
            i += 1
            continue
        if escaped:
            escaped = False
            chars.append(c)
            i += 1
            continue
        value = "".join(chars)
        raw = text[start + 1 : i]
        if quote == "'":
            entry = EnvEntry(name, raw, value, "'", None, line, column, path=scanner.path)
        else:
            value = _expand_escapes(value)
            template = _parse_value(scanner, value, start + 1)
            entry = EnvEntry(name, raw, value, '"', template, line, column, path=scanner.path)
        return entry, i + 1
    first_line = text[start:].split("\n", 1)[0]
    raise scanner.error(f"unterminated quoted value {first_line}", start)


def _parse_value(scanner: _Scanner, value: str, offset: int) -> Template:
    try:
        return parse(value)
    except InterpolationError as error:
        # Offsets are exact for unquoted values; escapes may shift them in double quotes.
        raise scanner.error(error.message, offset + error.offset) from None


def resolve(entries: list[EnvEntry], environ: Mapping[str, str]) -> dict[str, str]:
    """The variables compose takes from these entries under ``environ`` (later keys win).

    Interpolation looks in ``environ`` first, then in the entries read so far.  (The
    environment also wins over the result when compose interpolates the compose file.)
    """
    out: dict[str, str] = {}

    def lookup(name: str) -> str | None:
        if name in environ:
            return environ[name]
        return out.get(name)

    for entry in entries:
        if entry.inherited:
            if entry.name in environ:
                out[entry.name] = environ[entry.name]
        elif entry.template is None:
            assert entry.value is not None
            out[entry.name] = entry.value
        else:
            out[entry.name] = evaluate(entry.template, lookup)
    return out
