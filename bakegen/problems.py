"""One problem type for every lint, schema and compile finding, and the one reporter that prints them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple, TextIO

from bakegen.errors import Location, UserError


class Problem(NamedTuple):
    """A finding at a location (compared, hashed and ordered by its fields, in this order)."""

    location: Location
    severity: str  # "error" | "warning"
    message: str
    rule: str  # "" for an input error (UserError): printed exactly as the error itself

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
