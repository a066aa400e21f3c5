"""Writing outputs atomically, and comparing them for --check."""

from __future__ import annotations

import difflib
import os
import tempfile
from pathlib import Path

from bakegen.errors import UserError


def read_existing(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise UserError(f"output path is a directory, expected a file: {path}") from None
    except OSError as error:
        raise UserError(f"cannot read output {path}: {error.strerror}") from None


def write_atomic(path: Path, content: bytes, display: str) -> bool:
    """Write ``content`` to ``path`` through a temp file and a rename; False when unchanged.

    A failed or interrupted run leaves the old file intact and no temp file behind.
    """
    if path.is_dir():
        raise UserError(f"output path is a directory, expected a file: {display}")
    if read_existing(path) == content:
        return False
    directory = path.parent
    if not directory.is_dir():
        raise UserError(f"output directory does not exist: {directory.as_posix() or '.'}; create it first")
    target = path.resolve() if path.is_symlink() else path
    fd = -1
    temp_name = ""
    try:
        fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=target.parent)
        with os.fdopen(fd, "wb") as handle:
            fd = -1
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        mode = _mode_of(target)
        os.chmod(temp_name, mode)
        os.replace(temp_name, target)
        temp_name = ""
    except OSError as error:
        raise UserError(f"cannot write {display}: {error.strerror or error}") from None
    finally:
        if fd != -1:
            os.close(fd)
        if temp_name:
            try:
                os.unlink(temp_name)
            except OSError:
                pass
    return True


def _mode_of(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def unified_diff(old: bytes | None, new: bytes, display: str) -> str:
    old_lines = [] if old is None else old.decode("utf-8", "replace").splitlines(keepends=True)
    new_lines = new.decode("utf-8").splitlines(keepends=True)
    diff = difflib.unified_diff(old_lines, new_lines, f"a/{display}", f"b/{display}")
    text = "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in diff)
    return text
