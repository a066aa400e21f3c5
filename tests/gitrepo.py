"""Temp git repositories for tests: env files must be tracked, default branches come from git."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

IDENTITY = ["-c", "user.email=tests@bakegen.invalid", "-c", "user.name=bakegen tests",
            "-c", "commit.gpgsign=false"]


def clean_env(**extra: str) -> dict[str, str]:
    # Variables a surrounding git hook or shell may set would point git at another repository.
    env = {key: value for key, value in os.environ.items() if not key.startswith("GIT_")}
    env.update(extra)
    return env


def git(directory: Path, *args: str) -> str:
    result = subprocess.run(["git", *IDENTITY, *args], cwd=directory, env=clean_env(), capture_output=True,
                            text=True, check=False, timeout=120)
    assert result.returncode == 0, f"git {' '.join(args)}: {result.stderr}"
    return result.stdout


def init_repository(directory: Path, branch: str = "main") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    git(directory, "init", "-q", f"--initial-branch={branch}")
    return directory


def track(directory: Path, *names: str) -> None:
    """Make ``directory`` a git repository (unless it is in one) and stage ``names`` in it."""
    inside = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=directory, env=clean_env(),
                            capture_output=True, text=True, check=False)
    if inside.returncode != 0:
        init_repository(directory)
    if names:
        git(directory, "add", "-f", "--", *names)


def commit_all(directory: Path, message: str = "commit") -> None:
    git(directory, "add", "-A")
    git(directory, "commit", "-q", "-m", message)


def copy_working_tree(source: Path, destination: Path) -> Path:
    """``source``'s files as they are now (uncommitted edits too), committed in a new repository.

    pip and pre-commit install from a git URL, so the package and the hook manifest must be
    committed somewhere; committing a copy leaves the real checkout alone.
    """
    listed = git(source, "ls-files", "-z", "--cached", "--others", "--exclude-standard").split("\0")
    for name in filter(None, listed):
        if (source / name).is_file():  # deleted-but-tracked files are not part of the working tree
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / name, destination / name)
    init_repository(destination)
    commit_all(destination, "snapshot of the working tree")
    return destination
