"""The git calls ``bakegen affected`` needs: the repository root, changed paths, a file at a commit.

The environment is the caller's (git reads its own configuration); nothing here writes.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from bakegen.errors import UserError


def _git(directory: Path, *args: str) -> bytes:
    try:
        completed = subprocess.run(
            ["git", "-C", str(directory), *args], check=False, capture_output=True, timeout=120
        )
    except FileNotFoundError:
        raise UserError("git is not installed; 'bakegen affected' compares commits with git") from None
    if completed.returncode != 0:
        detail = completed.stderr.decode("utf-8", "replace").strip().splitlines()
        last = detail[-1] if detail else f"exit status {completed.returncode}"
        raise UserError(f"git {' '.join(args[:1])} failed: {last}")
    return completed.stdout


def repository_root(directory: Path) -> Path:
    return Path(_git(directory, "rev-parse", "--show-toplevel").decode("utf-8").strip())


def commit(directory: Path, revision: str) -> str:
    """The commit a revision names (``--verify``: one object, or an error naming it)."""
    if revision.startswith("-"):
        raise UserError(f"'{revision}' is not a git revision")
    try:
        return _git(directory, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}").decode().strip()
    except UserError:
        raise UserError(f"unknown git revision '{revision}'; expected a commit, branch or tag") from None


def changed_paths(directory: Path, base: str, head: str) -> list[str]:
    """Paths changed on ``head`` since it forked from ``base`` (``git diff base...head``).

    Renames count as a deletion and an addition, so both paths are seen.
    """
    output = _git(directory, "diff", "--name-only", "--no-renames", "-z", f"{base}...{head}", "--")
    return sorted(path.decode("utf-8", "surrogateescape") for path in output.split(b"\0") if path)


def file_at(directory: Path, revision: str, path: str) -> bytes | None:
    """The content of ``path`` (relative to the repository root) at ``revision``; None if absent."""
    try:
        return _git(directory, "cat-file", "blob", f"{revision}:{path}")
    except UserError:
        return None
