"""Every question bakegen asks git, in one place; nothing here writes.

``bakegen affected`` needs the repository root, changed paths and a file at a commit (a git
failure is a UserError). The policy checks ask whether a file is tracked or ignored, which
branch is the default one and whether a branch exists; those answer ``None`` ("no answer":
git is not installed, or the directory is not in a git repository) and run only when needed
(never on the `render`/`check` path of a policy that lists no env file).

The environment is the caller's (git reads its own configuration).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from bakegen.errors import UserError

if TYPE_CHECKING:
    from subprocess import CompletedProcess

FileState = Literal["tracked", "ignored", "untracked", "outside"]


def _git(directory: Path, *args: str) -> bytes:
    import subprocess  # here, not at the top: a render imports this module and rarely runs git (~2 ms)

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


# -- questions with an optional answer (policy checks, init) ------------------------------
def _ask(directory: Path, *args: str) -> CompletedProcess[str] | None:
    """``git -C directory args…``; None when git is missing or ``directory`` is not in a repository."""
    import subprocess

    try:
        result = subprocess.run(
            ["git", "-C", str(directory), *args],
            capture_output=True, text=True, check=False, stdin=subprocess.DEVNULL,
        )
    except OSError:  # git not installed, or the directory is gone
        return None
    if result.returncode == 128 or "not a git repository" in result.stderr:
        return None
    return result


def file_states(directory: Path, names: Sequence[str]) -> dict[str, FileState]:
    """Whether each file (relative to ``directory``) is tracked, ignored, untracked, or outside a repository.

    A file staged with ``git add`` counts as tracked: it is what the next commit holds.
    """
    if not names:
        return {}
    tracked = _ask(directory, "ls-files", "-z", "--full-name", "--", *names)
    if tracked is None:
        return {name: "outside" for name in names}
    prefix = _ask(directory, "rev-parse", "--show-prefix")
    base = prefix.stdout.strip() if prefix is not None else ""
    listed = set(filter(None, tracked.stdout.split("\0")))
    states: dict[str, FileState] = {}
    untracked: list[str] = []
    for name in names:
        full = _normalize(base + name)
        if full in listed:
            states[name] = "tracked"
        elif full is None:
            states[name] = "outside"  # above the work tree's top
        else:
            untracked.append(name)
    if untracked:
        ignored = _ask(directory, "check-ignore", "--", *untracked)
        ignored_names = set(ignored.stdout.splitlines()) if ignored is not None else set()
        for name in untracked:
            states[name] = "ignored" if name in ignored_names else "untracked"
    return states


def _normalize(path: str) -> str | None:
    parts: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                return None
            parts.pop()
        else:
            parts.append(part)
    return "/".join(parts)


def default_branch(directory: Path) -> str | None:
    """The repository's default branch: ``origin/HEAD``, else ``init.defaultBranch``, else the current branch."""
    remote = _ask(directory, "symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD")
    if remote is None:
        return None
    if remote.returncode == 0 and remote.stdout.strip().startswith("origin/"):
        return remote.stdout.strip().removeprefix("origin/")
    configured = _ask(directory, "config", "--get", "init.defaultBranch")
    if configured is not None and configured.returncode == 0 and configured.stdout.strip():
        return configured.stdout.strip()
    current = _ask(directory, "symbolic-ref", "--quiet", "--short", "HEAD")
    if current is not None and current.returncode == 0 and current.stdout.strip():
        return current.stdout.strip()
    return None


def branch_exists(directory: Path, name: str) -> bool | None:
    """Whether ``name`` is a local branch, a branch of a remote, or the (maybe unborn) current branch."""
    refs = _ask(directory, "for-each-ref", "--format=%(refname)", f"refs/heads/{name}", f"refs/remotes/*/{name}")
    if refs is None:
        return None
    if refs.stdout.strip():
        return True
    current = _ask(directory, "symbolic-ref", "--quiet", "--short", "HEAD")
    return current is not None and current.returncode == 0 and current.stdout.strip() == name
