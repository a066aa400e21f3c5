""".dockerignore matching, as BuildKit filters a build context (moby ``patternmatcher``).

No maintained Python library implements Docker's rules (gitignore libraries differ: a
gitignore pattern without ``/`` matches at any depth, a dockerignore pattern is anchored at
the context's root), so this module implements the subset of the syntax listed below and
refuses the rest rather than guess:

- one pattern a line; blank lines and lines starting with ``#`` are skipped; surrounding
  whitespace is trimmed; a leading ``/`` is dropped and the pattern is cleaned (``a//b/`` is
  ``a/b``, ``./a`` is ``a``);
- ``*`` matches any run of characters but ``/``, ``?`` one character but ``/``, ``**`` any
  number of directories (``**/x``, ``a/**``, ``a/**/b``);
- ``!pattern`` re-includes what an earlier pattern excluded; the last matching line wins;
- a pattern that matches a directory excludes everything below it.

Refused with an error: character classes (``[…]``) and ``\\`` escapes.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from bakegen.errors import Location, UserError


@dataclass(frozen=True)
class _Rule:
    regex: re.Pattern[str]
    exclude: bool  # False for a `!` line


class DockerIgnore:
    """The rules of one .dockerignore file."""

    def __init__(self, text: str, path: str) -> None:
        self.rules: list[_Rule] = []
        for number, raw in enumerate(text.splitlines(), start=1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            exclude = not line.startswith("!")
            pattern = line if exclude else line[1:].strip()
            if "[" in pattern or "\\" in pattern:
                raise UserError(
                    f"unsupported .dockerignore pattern '{line}'; bakegen reads '*', '?', '**' and '!' "
                    "(no '[…]' classes or '\\' escapes)",
                    Location(path, number, raw.index(line[0]) + 1),
                )
            cleaned = posixpath.normpath(pattern.lstrip("/") or ".")
            if cleaned in (".", ""):
                continue  # compose/BuildKit ignore a pattern that is the context itself
            self.rules.append(_Rule(_compile(cleaned), exclude))

    def ignored(self, path: str) -> bool:
        """Whether ``path`` (relative to the context, ``/``-separated) is left out of the context."""
        candidates = [path]
        parent = posixpath.dirname(path)
        while parent:
            candidates.append(parent)
            parent = posixpath.dirname(parent)
        result = False
        for rule in self.rules:
            if any(rule.regex.match(candidate) for candidate in candidates):
                result = rule.exclude
        return result


def _compile(pattern: str) -> re.Pattern[str]:
    out = ["^"]
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if pattern.startswith("**", index):
            index += 2
            if pattern.startswith("/", index):
                index += 1
            # `**` at the end matches everything; elsewhere any number of directories, even none.
            out.append(".*" if index >= len(pattern) else "(.*/)?")
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        else:
            out.append(re.escape(char))
        index += 1
    out.append("$")
    return re.compile("".join(out))
