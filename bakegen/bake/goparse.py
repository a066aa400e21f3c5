"""Go's strconv.ParseBool / ParseFloat and go-csvvalue, with their error texts."""

from __future__ import annotations

import re

_GO_FLOAT = re.compile(
    r"[+-]?(?:(?:\d+(?:_\d+)*)?\.?\d*(?:[eE][+-]?\d+)?|0[xX][0-9a-fA-F_.]+(?:[pP][+-]?\d+)?|inf(?:inity)?|nan)",
    re.IGNORECASE,
)


class GoParseError(Exception):
    pass


def parse_bool(text: str) -> bool:
    if text in ("1", "t", "T", "TRUE", "true", "True"):
        return True
    if text in ("0", "f", "F", "FALSE", "false", "False"):
        return False
    raise GoParseError(f'strconv.ParseBool: parsing "{text}": invalid syntax')


def parse_float(text: str) -> float:
    if not text or not _GO_FLOAT.fullmatch(text) or text in ("+", "-", ".") :
        raise GoParseError(f'strconv.ParseFloat: parsing "{text}": invalid syntax')
    try:
        if text.lower().lstrip("+-").startswith("0x"):
            return float.fromhex(text.replace("_", ""))
        return float(text.replace("_", ""))
    except ValueError:
        raise GoParseError(f'strconv.ParseFloat: parsing "{text}": invalid syntax') from None


def csv_fields(text: str) -> list[str]:
    """go-csvvalue's ``Fields`` (buildx parses cache, output and secret entries with it).

    The text is one line: a newline inside a field is text (Python's csv module raised on
    it: found by the differential fuzzer with a compose ``cache_to`` spanning two lines), one
    trailing newline is dropped, and a quote inside an unquoted field is an error, as in Go.
    """
    if text.endswith("\r\n"):
        text = text[:-2]
    elif text.endswith("\n"):
        text = text[:-1]
    if text == "":
        return []
    fields: list[str] = []
    line, pos = text, 0  # pos: bytes consumed, as Go's error columns count them
    while True:
        if not line.startswith('"'):
            field, comma, rest = line.partition(",")
            if '"' in field:
                raise _csv_error(pos + _size(field.split('"', 1)[0]), _BARE_QUOTE)
            fields.append(field)
            if not comma:
                return fields
            line, pos = rest, pos + _size(field) + 1
            continue
        line, pos = line[1:], pos + 1
        half_open = False
        while True:
            inner, quote, rest = line.partition('"')
            if not quote:
                raise _csv_error(pos, _QUOTE)
            if half_open:
                fields[-1] += inner
            else:
                fields.append(inner)
            line, pos, half_open = rest, pos + _size(inner) + 1, False
            if line.startswith('"'):
                fields[-1] += '"'
                line, pos, half_open = line[1:], pos + 1, True
            elif line.startswith(","):
                line, pos = line[1:], pos + 1
                break
            elif line == "":
                return fields
            else:
                raise _csv_error(pos - 1, _QUOTE)


_BARE_QUOTE = 'bare " in non-quoted-field'
_QUOTE = 'extraneous or missing " in quoted-field'


def _size(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def _csv_error(pos: int, reason: str) -> GoParseError:
    # encoding/csv ParseError.Error() for go-csvvalue's one-line input.
    return GoParseError(f"parse error on line 1, column {pos + 1}: {reason}")
