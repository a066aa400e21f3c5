"""Errors a user can cause, and how they are printed.

Every such error is one line, ``path:line:col: error: message``, and exit status 2.
"""

from __future__ import annotations


class Location:
    """A position in a file; treat it as immutable (it is hashed, and shared between values).

    A plain class with ``__slots__``, not a frozen dataclass: the YAML reader builds one for
    every key and value (about 50 000 for 1000 services), and a frozen dataclass's
    ``__init__`` is several times slower.
    """

    __slots__ = ("column", "line", "path")

    def __init__(self, path: str, line: int | None = None, column: int | None = None) -> None:
        self.path = path
        self.line = line  # 1-based
        self.column = column  # 1-based

    def at(self, offset: int) -> Location:
        """Where character ``offset`` of the value written here is.

        A value written as a plain one-line scalar (or a file read from its start) has it
        ``offset`` columns further on; ``scalar_positions.ScalarLocation`` answers for the
        other YAML styles.
        """
        if offset <= 0 or self.column is None:
            return self
        return Location(self.path, self.line, self.column + offset)

    def _key(self) -> tuple[str, int | None, int | None]:
        return (self.path, self.line, self.column)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Location):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"Location(path={self.path!r}, line={self.line!r}, column={self.column!r})"

    def __str__(self) -> str:
        text = self.path
        if self.line is not None:
            text += f":{self.line}"
            if self.column is not None:
                text += f":{self.column}"
        return text


class UserError(Exception):
    """Invalid input or usage: one line on stderr, exit 2."""

    exit_code = 2

    def __init__(self, message: str, location: Location | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.location = location

    def __str__(self) -> str:
        if self.location is None:
            return f"error: {self.message}"
        return f"{self.location}: error: {self.message}"


_KINDS: tuple[tuple[type | tuple[type, ...], str, str], ...] = (
    (bool, "boolean", "a boolean"),  # before int: a bool is an int
    ((int, float), "number", "a number"),
    (str, "string", "a string"),
    (dict, "mapping", "a mapping"),
    (list, "list", "a list"),
)


def kind(value: object, *, article: bool = False) -> str:
    """A value's type as messages name it: compose's schema words ("string"), or with an
    article for the policy's messages ("a string")."""
    if value is None:
        return "null"
    for types, word, with_article in _KINDS:
        if isinstance(value, types):
            return with_article if article else word
    return type(value).__name__
