"""Small helpers for writing bake (HCL) template and expression text."""

from __future__ import annotations

from collections.abc import Callable

# Words HCL reads as keywords inside ``${…}``: never usable as a variable name.
KEYWORDS = frozenset({"null", "true", "false", "for", "in", "if", "else", "endif", "endfor"})


def escape_template_literal(text: str) -> str:
    """Literal text inside a bake template string: ``${`` and ``%{`` must be doubled."""
    if "{" not in text:
        return text
    return text.replace("${", "$${").replace("%{", "%%{")


def quote_literal(text: str) -> str:
    """A literal string as an HCL quoted-string expression (for use inside ``${…}``)."""
    escaped = (
        text.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
    )
    return '"' + escape_template_literal(escaped) + '"'


def quote_template(text: str) -> str:
    """Bake template text (literal parts escaped, ``${…}`` parts live) as an HCL quoted string.

    Literal segments get HCL string escapes; interpolation segments are copied verbatim, since
    quotes nested inside ``${…}`` belong to the inner expression.
    """
    out: list[str] = ['"']
    index = 0
    length = len(text)
    while index < length:
        if text.startswith("$${", index) or text.startswith("%%{", index):
            out.append(text[index : index + 3])
            index += 3
            continue
        if text.startswith("${", index) or text.startswith("%{", index):
            end = _interpolation_end(text, index + 2)
            out.append(text[index:end])
            index = end
            continue
        char = text[index]
        out.append({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(char, char))
        index += 1
    out.append('"')
    return "".join(out)


def _interpolation_end(text: str, index: int) -> int:
    """Index just past the ``}`` closing an interpolation whose body starts at ``index``."""
    depth = 1
    while index < len(text):
        char = text[index]
        if char == '"':
            index = _string_end(text, index + 1)
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return index + 1
        index += 1
    return len(text)


def _string_end(text: str, index: int) -> int:
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char == '"':
            return index + 1
        if text.startswith("${", index):
            index = _interpolation_end(text, index + 2)
            continue
        index += 1
    return len(text)


def strip_interpolations(text: str) -> str | None:
    """Template text with every ``${…}``/``%{…}`` removed (escapes kept); None if one is unclosed."""
    out: list[str] = []
    index = 0
    while index < len(text):
        if text.startswith("$${", index) or text.startswith("%%{", index):
            out.append(text[index : index + 3])
            index += 3
        elif text.startswith("${", index) or text.startswith("%{", index):
            end = _interpolation_end(text, index + 2)
            if end == len(text) and not text.endswith("}"):
                return None
            index = end
        else:
            out.append(text[index])
            index += 1
    return "".join(out)


def map_interpolations(text: str, replace: Callable[[str], str]) -> str:
    """Template text with every ``${…}`` replaced by ``replace(its text)``; escapes kept."""
    out: list[str] = []
    index = 0
    while index < len(text):
        if text.startswith("$${", index) or text.startswith("%%{", index):
            out.append(text[index : index + 3])
            index += 3
        elif text.startswith("${", index):
            end = _interpolation_end(text, index + 2)
            out.append(replace(text[index:end]))
            index = end
        else:
            out.append(text[index])
            index += 1
    return "".join(out)
