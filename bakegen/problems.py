"""One problem type for every lint and schema finding, and the one line format they print in."""

from __future__ import annotations

from dataclasses import dataclass

from bakegen.errors import Location


@dataclass(frozen=True, order=True)
class Problem:
    location: Location
    severity: str  # "error" | "warning"
    message: str
    rule: str

    def __str__(self) -> str:
        return f"{self.location}: {self.severity}: {self.message} [{self.rule}]"


def sort_key(problem: Problem) -> tuple[str, int, int, str]:
    location = problem.location
    return (location.path, location.line or 0, location.column or 0, problem.rule)
