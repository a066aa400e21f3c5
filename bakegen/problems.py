"""One problem type for every lint, schema and compile finding, and the one reporter that prints them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, TextIO

from bakegen.errors import Location, UserError
from bakegen.records import Record

if TYPE_CHECKING:
    from typing import Final


class Problem(Record):
    """A finding at a location."""

    __slots__ = ("location", "message", "rule", "severity")

    def __init__(self, location: Location, severity: str, message: str, rule: str) -> None:
        self.location: Final = location
        self.severity: Final = severity  # "error" | "warning"
        self.message: Final = message
        self.rule: Final = rule  # "" for an input error (UserError): printed exactly as the error itself

    def __str__(self) -> str:
        suffix = f" [{self.rule}]" if self.rule else ""
        return f"{self.location}: {self.severity}: {self.message}{suffix}"

    @classmethod
    def from_error(cls, error: UserError, fallback: Location) -> Problem:
        return cls(error.location or fallback, "error", error.message, "")


def sort_key(problem: Problem) -> tuple[str, int, int, str]:
    location = problem.location
    return (location.path, location.line or 0, location.column or 0, problem.rule)


def report(problems: Iterable[Problem], stream: TextIO) -> tuple[int, int]:
    """Print problems one a line in (file, line, column) order; return (errors, warnings)."""
    errors = warnings = 0
    for problem in sorted(problems, key=sort_key):
        print(problem, file=stream)
        if problem.severity == "error":
            errors += 1
        else:
            warnings += 1
    return errors, warnings
