"""Files as messages name them, and reading one: the one place an OSError becomes a UserError."""

from __future__ import annotations

import os
from pathlib import Path

from bakegen.errors import Location, UserError
from bakegen.inputs import read_bytes


def display_path(path: Path) -> str:
    """A path in messages: relative to the current directory, unless that climbs three levels."""
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return path.as_posix()
    return path.as_posix() if relative.startswith(os.path.join(os.pardir, os.pardir, os.pardir)) else Path(relative).as_posix()


def read_file(path: Path, what: str, at: Location | None = None, *, shown: str | None = None, hint: str = "") -> bytes:
    """The bytes of ``path`` (``what``: "policy file", "env file"…); ``hint`` follows "not found"."""
    shown = display_path(path) if shown is None else shown
    try:
        return read_bytes(path)  # recorded: the header's content hash covers it
    except FileNotFoundError:
        raise UserError(f"{what} not found: {shown}{hint}", at) from None
    except IsADirectoryError:
        raise UserError(f"{what} {shown} is a directory; expected a file", at) from None
    except OSError as error:
        raise UserError(f"cannot read {what} {shown}: {error.strerror}", at) from None
