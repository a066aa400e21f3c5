"""Go's strconv.ParseBool / ParseFloat and go-csvvalue, with their error texts."""

from __future__ import annotations

import csv
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
    if text == "":
        return []
    rows = list(csv.reader([text], strict=True))
    return rows[0] if rows else [""]
