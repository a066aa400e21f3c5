"""Source positions and HCL-style diagnostics, formatted exactly as buildx prints them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Pos:
    line: int
    column: int


@dataclass(frozen=True)
class Range:
    filename: str
    start: Pos
    end: Pos

    def __str__(self) -> str:
        if self.start.line == self.end.line:
            return f"{self.filename}:{self.start.line},{self.start.column}-{self.end.column}"
        return (
            f"{self.filename}:{self.start.line},{self.start.column}"
            f"-{self.end.line},{self.end.column}"
        )

    def to(self, other: Range) -> Range:
        return Range(self.filename, self.start, other.end)


@dataclass(frozen=True)
class Diagnostic:
    summary: str
    detail: str
    subject: Range | None = None

    def __str__(self) -> str:
        where = str(self.subject) if self.subject is not None else "<nil>"
        return f"{where}: {self.summary}; {self.detail}"


class BakeError(Exception):
    """A failed bake evaluation; str() is buildx's message without the "ERROR: " prefix."""

    def __init__(self, message: str, diagnostics: list[Diagnostic] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.diagnostics = diagnostics or []


class DiagnosticsError(BakeError):
    """hcl.Diagnostics as an error: the first one, then how many others fired."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        first = str(diagnostics[0])
        if len(diagnostics) > 1:
            first += f", and {len(diagnostics) - 1} other diagnostic(s)"
        super().__init__(first, list(diagnostics))


def fail(summary: str, detail: str, subject: Range | None) -> DiagnosticsError:
    return DiagnosticsError([Diagnostic(summary, detail, subject)])
