"""What a render reads or looks for: the inputs the output's content hash covers.

Every file the load and compile stages read, and every path whose existence they test, goes
through the functions here (never ``Path.read_bytes``/``is_file`` directly): while a
:func:`recording` is active they note the path and what was found, so the header of the
generated file can name every input and ``freshness.py`` can prove, without compiling, that
none of them changed. Outside a recording they are the plain file-system calls.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

# Kinds of entries, as the header names them (freshness.py re-checks each kind).
READ = "read"  # the file's content (the bytes read; the header has their sha256)
ABSENT = "absent"  # tested for a regular file and not found
EXISTS = "exists"  # tested for a regular file and found (its content not read)
DIR = "dir"  # tested for a directory and found
NOT_DIR = "not-dir"  # tested for a directory and not found
DIR_NAME = "dir-name"  # the name of the directory (symlinks resolved) entered the output
GIT_TRACKED = "git-tracked"  # git tracks the file (asked by pipeline.require_tracked)
GIT_BRANCH = "git-branch"  # asked git whether a branch exists (the path's last part is the name)
WATCHED = "watched"  # read only to warn about it: not an input; its existence stops the fast path


class InputLog:
    """Absolute paths (as accessed, not resolved) by kind, with what was found.

    ``found``: (kind, absolute path) → for READ the bytes read, for DIR_NAME the name, else "".
    """

    __slots__ = ("found",)

    def __init__(self) -> None:
        self.found: dict[tuple[str, str], str | bytes] = {}

    def note(self, kind: str, path: Path, value: str | bytes = "") -> None:
        self.found[(kind, os.path.abspath(path))] = value


_LOG: ContextVar[InputLog | None] = ContextVar("bakegen_input_log", default=None)


@contextmanager
def recording() -> Iterator[InputLog]:
    """Record the inputs of everything run inside the block."""
    log = InputLog()
    token = _LOG.set(log)
    try:
        yield log
    finally:
        _LOG.reset(token)


def read_bytes(path: Path) -> bytes:
    """``path.read_bytes()``, recorded with the bytes read (the header has their digest)."""
    data = path.read_bytes()
    log = _LOG.get()
    if log is not None:
        log.note(READ, path, data)
    return data


def is_file(path: Path) -> bool:
    found = path.is_file()
    log = _LOG.get()
    if log is not None:
        log.note(EXISTS if found else ABSENT, path)
    return found


def is_dir(path: Path) -> bool:
    found = path.is_dir()
    log = _LOG.get()
    if log is not None:
        log.note(DIR if found else NOT_DIR, path)
    return found


def watch(path: Path) -> None:
    """Record a file the render reads only to print a warning about it.

    Its content is not an input of the output (the same bytes whether it exists or not), so
    the header names it without hashing it; the fast path, which prints nothing, steps aside
    whenever it exists so that the warning is never skipped.
    """
    log = _LOG.get()
    if log is not None:
        log.note(WATCHED, path)


def note_git_branch(directory: Path, name: str) -> None:
    """Record that the render asked git (in ``directory``) whether branch ``name`` exists."""
    log = _LOG.get()
    if log is not None:
        log.note(GIT_BRANCH, directory / name)


def note_git_tracked(path: Path) -> None:
    """Record that the render relied on git tracking ``path``."""
    log = _LOG.get()
    if log is not None:
        log.note(GIT_TRACKED, path)


def resolved_name(path: Path) -> str:
    """The name of ``path`` with symlinks resolved (compose's default project name)."""
    name = path.resolve().name
    log = _LOG.get()
    if log is not None:
        log.note(DIR_NAME, path, name)
    return name
