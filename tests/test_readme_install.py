"""The README's Quick start, for real: install bakegen from a release tag of a clone of this
repository, scaffold a fresh git repository whose default branch is `master`, commit through
the hook, then `bakegen check` and the generated CI's check step: a stale file fails the hook,
which rewrites it exactly as `bakegen render` does, and the next run passes.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from gitrepo import IDENTITY, clean_env, copy_working_tree, git, init_repository

from bakegen import __version__

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent


def run(command: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=900)


def test_quick_start_from_a_clone(tmp_path: Path) -> None:
    if not (BIN / "pre-commit").exists() or shutil.which("git") is None:
        pytest.skip("needs pre-commit next to the interpreter and git on PATH")
    # A clone of bakegen as released: the tag the hook's `rev:` names.
    clone = copy_working_tree(Path(__file__).resolve().parents[1], tmp_path / "bakegen")
    tag = f"v{__version__}"
    git(clone, "tag", tag)
    url = clone.as_uri()

    env = clean_env(PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"), PRE_COMMIT_COLOR="never",
                    PIP_DISABLE_PIP_VERSION_CHECK="1")
    env.pop("VIRTUAL_ENV", None)
    env.pop("PYTHONPATH", None)
    venv = tmp_path / "venv"
    assert run([sys.executable, "-m", "venv", str(venv)], tmp_path, env).returncode == 0
    # README: python3 -m pip install "git+https://github.com/bakegen/bakegen@v0.1.0", with the clone's URL.
    installed = run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", f"git+{url}@{tag}"], tmp_path, env)
    assert installed.returncode == 0, installed.stdout[-2000:] + installed.stderr[-2000:]
    bakegen = str(venv / "bin" / "bakegen")
    env["PATH"] = f"{venv / 'bin'}:{BIN}:{env['PATH']}"

    app = init_repository(tmp_path / "app", branch="master")
    (app / "api").mkdir()
    (app / "api" / "Dockerfile").write_text("FROM alpine:3.20\n")
    (app / "compose.yaml").write_text("services:\n  api:\n    build: ./api\n  db:\n    image: postgres:16\n")
    (app / ".gitignore").write_text(".env\n")
    (app / ".env").write_text("NPM_TOKEN=developer-secret\n")

    init = run([bakegen, "init", "--ci", "github", "--pre-commit"], app, env)
    assert init.returncode == 0, init.stderr
    assert init.stderr == (
        "bakegen: not listing .env in compose.env_files: git ignores it, and its values would be written into "
        "the committed bake file\n"
        "bakegen: wrote bakegen.yaml\n"
        "bakegen: wrote .pre-commit-config.yaml\n"
        "bakegen: wrote .github/workflows/bakegen.yml\n"
        "bakegen: next: bakegen render && git add bakegen.yaml docker-bake.json .pre-commit-config.yaml "
        ".github/workflows/bakegen.yml\n"
    )
    assert yaml.safe_load((app / "bakegen.yaml").read_text())["cache"]["default_branch"] == "master"
    workflow = yaml.safe_load((app / ".github" / "workflows" / "bakegen.yml").read_text())
    assert workflow[True]["push"]["branches"] == ["master"]
    hook_config = yaml.safe_load((app / ".pre-commit-config.yaml").read_text())
    assert hook_config == {"repos": [{"repo": url, "rev": tag, "hooks": [{"id": "bakegen-render"}]}]}

    rendered = run([bakegen, "render"], app, env)
    assert (rendered.returncode, rendered.stderr) == (0, "bakegen: wrote docker-bake.json\n")
    git(app, "add", "bakegen.yaml", "docker-bake.json", ".pre-commit-config.yaml", ".github/workflows/bakegen.yml",
        "compose.yaml", "api/Dockerfile", ".gitignore")
    hooked = run(["pre-commit", "install"], app, env)
    assert hooked.returncode == 0, hooked.stdout + hooked.stderr
    committed = run(["git", *IDENTITY, "commit", "-q", "-m", "bakegen"], app, env)
    assert committed.returncode == 0, committed.stdout + committed.stderr
    assert "bakegen render" in committed.stdout + committed.stderr and "Passed" in committed.stdout + committed.stderr
    assert git(app, "status", "--porcelain") == ""  # .env is ignored

    check = run([bakegen, "check"], app, env)
    assert (check.returncode, check.stdout, check.stderr) == (0, "", "")
    assert "developer-secret" not in (app / "docker-bake.json").read_text()
    # The generated workflow's check step, as CI runs it.
    ci_step = ["pre-commit", "run", "bakegen-render", "--all-files", "--show-diff-on-failure"]
    passed = run(ci_step, app, env)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    (app / "compose.yaml").write_text("services:\n  api:\n    build: ./api\n    image: acme/api\n")
    git(app, "add", "compose.yaml")
    stale = run(ci_step, app, env)
    assert stale.returncode == 1, stale.stdout + stale.stderr
    assert "files were modified by this hook" in stale.stdout
    assert '+        "acme/api"' in stale.stdout  # the diff
    # The hook rewrote the file exactly as bakegen renders it; the next run passes.
    assert (app / "docker-bake.json").read_text() == run([bakegen, "render", "--stdout"], app, env).stdout
    git(app, "add", "docker-bake.json")
    again = run(ci_step, app, env)
    assert again.returncode == 0 and "Passed" in again.stdout, again.stdout + again.stderr


def test_the_readme_quick_start_is_what_this_test_runs() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    block = readme.split("## Quick start", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    commands = [line.split("  #", 1)[0].strip() for line in block.splitlines()]
    assert commands == [
        f'python3 -m pip install "git+https://github.com/bakegen/bakegen@v{__version__}"',
        "python3 -m pip install pre-commit",
        "cd your-compose-project",
        "bakegen init --ci github --pre-commit",
        "bakegen render",
        "git add bakegen.yaml docker-bake.json .pre-commit-config.yaml .github/workflows/bakegen.yml",
        'pre-commit install && git commit -m "bakegen"',
        "bakegen check",
    ]
