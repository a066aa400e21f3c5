"""The shipped pre-commit hook, run by the real pre-commit against a copy of examples/shop.

pre-commit installs the hook's environment by pip-installing this repository (network to
PyPI for the build backend and the dependencies): one environment, reused by both runs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bakegen.cli import main

pytestmark = pytest.mark.slow  # pre-commit builds the hook environment from the package index

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
GIT_IDENTITY = ["-c", "user.email=tests@bakegen.invalid", "-c", "user.name=bakegen tests",
                "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main"]


def git(directory: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", *GIT_IDENTITY, *args], cwd=directory, env=_clean_env(), capture_output=True, text=True,
        check=False, timeout=120,
    )
    assert result.returncode == 0, f"git {' '.join(args)}: {result.stderr}"
    return result.stdout


def _clean_env(**extra: str) -> dict[str, str]:
    # Variables a surrounding git hook or shell may set would point git at another repository.
    env = {key: value for key, value in os.environ.items() if not key.startswith("GIT_")}
    env.update(extra)
    return env


def copy_working_tree(destination: Path) -> Path:
    """This repository's files as they are now (uncommitted edits too), committed in a new repo.

    try-repo clones a git repository, so the hook manifest and the package must be committed
    somewhere; committing a copy leaves the real checkout alone.
    """
    listed = git(REPO, "ls-files", "-z", "--cached", "--others", "--exclude-standard").split("\0")
    for name in filter(None, listed):
        source = REPO / name
        if source.is_file():  # deleted-but-tracked files are not part of the working tree
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    git(destination, "init", "-q")
    git(destination, "add", "-A")
    git(destination, "commit", "-q", "-m", "snapshot of the working tree")
    return destination


def test_render_hook_rewrites_a_stale_bake_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pre_commit = BIN / "pre-commit"
    if not pre_commit.exists():
        pytest.skip(f"pre-commit is not installed next to {sys.executable} (pip install -e '.[test]')")
    if shutil.which("git") is None:
        pytest.skip("git is not on PATH")
    hooks_repository = copy_working_tree(tmp_path / "bakegen")

    project = tmp_path / "shop"
    shutil.copytree(REPO / "examples" / "shop", project)
    # The outputs as this checkout renders them, committed: the hook must reproduce them.
    monkeypatch.chdir(project)
    assert main(["render"]) == 0
    git(project, "init", "-q")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "shop")
    expected = (project / "docker-bake.json").read_bytes()

    (project / "docker-bake.json").write_text('{"target": {}}\n')
    env = _clean_env(PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"), PRE_COMMIT_COLOR="never")
    command = [str(pre_commit), "try-repo", str(hooks_repository), "bakegen-render", "--all-files"]

    first = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, check=False, timeout=600)
    output = first.stdout + first.stderr
    assert first.returncode == 1, output
    assert "files were modified by this hook" in output, output
    assert (project / "docker-bake.json").read_bytes() == expected

    second = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, check=False, timeout=600)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "Passed" in second.stdout
    assert git(project, "status", "--porcelain") == ""
