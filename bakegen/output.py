"""Writing outputs atomically, and comparing them for --check."""

from __future__ import annotations

import errno
import os
from pathlib import Path

from bakegen.errors import Location, UserError


def read_existing(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise UserError(f"output path {path.as_posix()} is a directory; expected a file") from None
    except OSError as error:
        raise UserError(f"cannot read output {path}: {error.strerror}") from None


def check_writable(path: Path, display: str, at: Location | None = None) -> None:
    """Refuse, before anything is written, an output that cannot be a file.

    ``at`` is where the policy names the output, so the error points there.
    """
    if path.is_dir():
        raise UserError(f"output path {display} is a directory; expected a file", at)
    if path.is_symlink():  # written through: the link's target directory must exist
        directory = os.path.relpath(path.resolve().parent)
    else:
        directory = Path(display).parent.as_posix()
    if not Path(directory).is_dir():
        raise UserError(f"output directory {directory} does not exist; create it first", at)


def write_atomic(path: Path, content: bytes, display: str) -> bool:
    """Write ``content`` to ``path`` through a temp file and a rename; False when unchanged.

    A failed or interrupted run leaves the old file intact and no temp file behind.
    """
    return write_all([(path, content, display)]) == [display]


def write_all(outputs: list[tuple[Path, bytes, str]]) -> list[str]:
    """Write several outputs all or nothing; the display names of those that changed.

    Every changed output is first written in full to a temp file next to it (write, fsync);
    only when all of them are staged are they renamed over the old files. A failure while
    staging changes nothing; a failing rename puts the outputs already renamed back.
    A symlinked output is written through: the link stays, its target gets the content.
    """
    for path, _, display in outputs:
        check_writable(path, display)
    staged: list[tuple[Path, str, str, bytes | None]] = []  # target, temp, display, old content
    try:
        for path, content, display in outputs:
            old = read_existing(path)
            if old == content:
                continue
            target = path.resolve() if path.is_symlink() else path
            staged.append((target, _stage(target, content, display), display, old))
        done: list[tuple[Path, str, str, bytes | None]] = []
        for entry in staged:
            target, temp_name, display, _ = entry
            try:
                os.replace(temp_name, target)
            except OSError as error:
                _restore(done)
                raise UserError(f"cannot write {display}: {error.strerror or error}") from None
            done.append(entry)
    finally:
        for _, temp_name, _, _ in staged:
            _unlink_quietly(temp_name)
    return [display for _, _, display, _ in staged]


def _stage(target: Path, content: bytes, display: str) -> str:
    """A temp file in the target's directory holding ``content``, flushed to disk."""
    fd = -1
    temp_name = ""
    try:
        fd, temp_name = _create_temp(target)
        with os.fdopen(fd, "wb") as handle:
            fd = -1
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp_name, _mode_of(target))
        return temp_name
    except OSError as error:
        if fd != -1:
            os.close(fd)
        if temp_name:
            _unlink_quietly(temp_name)
        raise UserError(f"cannot write {display}: {error.strerror or error}") from None


# tempfile.mkstemp's flags: a new file (never an existing one, nor a symlink's target), not
# inherited by child processes, binary on Windows; created with mode 0600, as mkstemp does.
_TEMP_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


def _create_temp(target: Path) -> tuple[int, str]:
    """A new file ``.<name>.<random>.tmp`` next to ``target``, open for writing: (fd, path).

    What tempfile.mkstemp does, without importing tempfile (random, shutil, bz2, lzma…:
    ~2.3 ms of every render that writes).
    """
    for _ in range(100):  # 48 random bits: a name already taken is unlikely even once
        name = os.path.join(target.parent, f".{target.name}.{os.urandom(6).hex()}.tmp")
        try:
            return os.open(name, _TEMP_FLAGS, 0o600), name
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no unused temporary file name", str(target.parent))


def _restore(done: list[tuple[Path, str, str, bytes | None]]) -> None:
    """Best effort: put back outputs already replaced when a later rename fails.

    Through a temp file and a rename first; when renaming fails again, by rewriting the
    file in place (not atomic, but the old bytes beat a half-applied render).
    """
    for target, _, display, old in reversed(done):
        temp_name = ""
        try:
            if old is None:
                target.unlink()
                continue
            temp_name = _stage(target, old, display)
            os.replace(temp_name, target)
            temp_name = ""
        except (OSError, UserError):
            try:
                if old is not None:
                    target.write_bytes(old)
            except OSError:
                pass
        finally:
            if temp_name:
                _unlink_quietly(temp_name)


def _unlink_quietly(name: str) -> None:
    try:
        os.unlink(name)
    except OSError:
        pass


def _mode_of(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def unified_diff(old: bytes | None, new: bytes, display: str) -> str:
    import difflib  # here, not at the top: only a stale `check` needs it

    old_lines = [] if old is None else old.decode("utf-8", "replace").splitlines(keepends=True)
    new_lines = new.decode("utf-8").splitlines(keepends=True)
    diff = difflib.unified_diff(old_lines, new_lines, f"a/{display}", f"b/{display}")
    text = "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in diff)
    return text
