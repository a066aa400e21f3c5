"""`bakegen init`: the scaffolded policy, the GitHub workflow, the pre-commit entry."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from gitrepo import track

from bakegen import __version__
from bakegen.ci_files import PRE_COMMIT_VERSION
from bakegen.cli import main

REPO = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((REPO / "schema" / "bakegen.schema.json").read_text())
BIN = Path(sys.executable).parent

COMPOSE = """\
services:
  api:
    image: ghcr.io/acme/api:${TAG:-latest}
    build:
      context: ./api
      args:
        VERSION: ${VERSION}
  web:
    build: ./web
  db:
    image: postgres:16-alpine
"""


def make_project(directory: Path, compose: str = COMPOSE, compose_name: str = "compose.yaml") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / compose_name).write_text(compose)
    for context in ("api", "web"):
        (directory / context).mkdir(exist_ok=True)
        (directory / context / "Dockerfile").write_text("FROM alpine:3.20\n")
    return directory


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def validate_schema(path: Path) -> Any:
    document = yaml.safe_load(path.read_text())
    jsonschema.Draft202012Validator(SCHEMA).validate(document)
    return document


def test_init_then_render_with_no_edits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    project = make_project(tmp_path / "My Shop_App")
    monkeypatch.chdir(project)
    code, out, err = run_cli(capsys, "init")
    assert (code, out) == (0, "")
    assert "wrote bakegen.yaml" in err
    policy = validate_schema(project / "bakegen.yaml")
    # The directory name, normalized as compose does: the output does not depend on where
    # the repository is checked out once written down.
    assert policy["compose"] == {"files": ["compose.yaml"], "project": "myshop_app"}
    assert policy["output"] == {"json": "docker-bake.json"}
    assert policy["targets"]["load"] is True
    assert policy["cache"]["backend"] == "gha"
    assert policy["cache"]["scope"] == "per-service"
    assert policy["cache"]["enabled"] == "ci"
    text = (project / "bakegen.yaml").read_text()
    # Build services are listed in a comment; stock images are not.
    assert re.search(r"^#\s+api\s+image: ghcr.io/acme/api:\$\{TAG:-latest\}$", text, re.MULTILINE)
    assert re.search(r"^#\s+web\s+\(no image: compose names it myshop_app-web\)$", text, re.MULTILINE)
    assert not re.search(r"^#\s+db\b", text, re.MULTILINE)

    code, _, err = run_cli(capsys, "render")
    assert code == 0, err
    bake = json.loads((project / "docker-bake.json").read_text())
    assert sorted(bake["target"]) == ["api", "web"]
    assert run_cli(capsys, "check")[0] == 0
    # On a fresh scaffold only the compose file's own unset variable is reported (compose
    # warns about it too).
    code, out, err = run_cli(capsys, "validate", "--strict")
    assert (code, out) == (1, (
        "compose.yaml:7:18: warning: variable VERSION has no default and no listed env file sets it: compose "
        "warns that it is not set and uses an empty string; set it in the environment or a listed env file, "
        "or give it a default (${VERSION:-…}) [unset-variable]\n"
    ))


def test_init_lists_override_and_env_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    project = make_project(tmp_path / "proj", compose_name="docker-compose.yml")
    (project / "docker-compose.override.yml").write_text("services:\n  web:\n    build:\n      target: dev\n")
    (project / ".env").write_text("TAG=1.2.3\nVERSION=7\n")
    track(project, ".env")  # only a committed .env is listed
    monkeypatch.chdir(project)
    assert run_cli(capsys, "init")[0] == 0
    policy = validate_schema(project / "bakegen.yaml")
    assert policy["compose"] == {
        "files": ["docker-compose.yml", "docker-compose.override.yml"],
        "project": "proj",
        "env_files": [".env"],
    }
    code, _, err = run_cli(capsys, "render")
    assert code == 0, err
    bake = json.loads((project / "docker-bake.json").read_text())
    assert bake["target"]["web"]["target"] == "dev"
    assert run_cli(capsys, "validate", "--strict")[0] == 0


def test_compose_name_is_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                              capsys: pytest.CaptureFixture[str]) -> None:
    project = make_project(tmp_path / "checkout-dir", "name: shop\n" + COMPOSE)
    monkeypatch.chdir(project)
    assert run_cli(capsys, "init")[0] == 0
    policy = validate_schema(project / "bakegen.yaml")
    assert "project" not in policy["compose"]
    assert "compose names it shop-web" in (project / "bakegen.yaml").read_text()
    assert run_cli(capsys, "render")[0] == 0


def test_init_with_config_path_in_subdirectory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    make_project(tmp_path / "deploy")
    monkeypatch.chdir(tmp_path)
    assert run_cli(capsys, "init", "-c", "deploy/bakegen.yaml")[0] == 0
    assert validate_schema(tmp_path / "deploy" / "bakegen.yaml")["compose"]["project"] == "deploy"
    code, _, err = run_cli(capsys, "render", "-c", "deploy/bakegen.yaml")
    assert code == 0, err
    assert (tmp_path / "deploy" / "docker-bake.json").is_file()


def test_refuses_to_overwrite_without_force(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    project = make_project(tmp_path / "p")
    monkeypatch.chdir(project)
    (project / "bakegen.yaml").write_text("# mine\n")
    code, out, err = run_cli(capsys, "init")
    assert (code, out) == (2, "")
    assert err == "bakegen.yaml: error: policy file already exists; use --force to overwrite\n"
    assert (project / "bakegen.yaml").read_text() == "# mine\n"

    code, _, err = run_cli(capsys, "init", "--force")
    assert code == 0, err
    assert "bakegen: overwrote bakegen.yaml\n" in err
    validate_schema(project / "bakegen.yaml")


def test_existing_workflow_blocks_every_write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    project = make_project(tmp_path / "p")
    monkeypatch.chdir(project)
    workflow = project / ".github" / "workflows" / "bakegen.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text("# mine\n")
    code, _, err = run_cli(capsys, "init", "--ci", "github")
    assert code == 2
    assert err == ".github/workflows/bakegen.yml: error: workflow file already exists; use --force to overwrite\n"
    assert not (project / "bakegen.yaml").exists()  # nothing written when one file is refused
    assert run_cli(capsys, "init", "--ci", "github", "--force")[0] == 0
    assert workflow.read_text() != "# mine\n"


def test_no_compose_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli(capsys, "init")
    assert code == 2
    assert err.startswith("bakegen: error: no compose file in the current directory (looked for compose.yaml,")
    assert err.count("\n") == 1
    assert not (tmp_path / "bakegen.yaml").exists()


def test_directory_without_a_project_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    project = make_project(tmp_path / "__")
    monkeypatch.chdir(project)
    code, _, err = run_cli(capsys, "init")
    assert code == 2
    assert "add 'name:' to compose.yaml" in err
    assert not (project / "bakegen.yaml").exists()


def test_invalid_compose_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    project = make_project(tmp_path / "p", "services:\n  api:\n    build: [1, 2\n")
    monkeypatch.chdir(project)
    code, _, err = run_cli(capsys, "init")
    assert code == 2
    assert err.startswith("compose.yaml:")
    assert not (project / "bakegen.yaml").exists()


def test_pre_commit_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                           capsys: pytest.CaptureFixture[str]) -> None:
    project = make_project(tmp_path / "p")
    monkeypatch.chdir(project)
    code, out, err = run_cli(capsys, "init", "--pre-commit")
    assert (code, out) == (0, "")
    assert err.splitlines()[:2] == ["bakegen: wrote bakegen.yaml", "bakegen: wrote .pre-commit-config.yaml"]
    config = yaml.safe_load((project / ".pre-commit-config.yaml").read_text())
    # The editable install of this checkout: the project's repository, at this version's tag.
    assert config == {"repos": [{
        "repo": "https://github.com/bakegen/bakegen",
        "rev": f"v{__version__}",
        "hooks": [{"id": "bakegen-render"}],
    }]}
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert "bakegen-render" in {hook["id"] for hook in hooks}


def test_pre_commit_config_names_a_policy_elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / ".git").mkdir()  # hooks run from the repository's root
    make_project(tmp_path / "deploy")
    monkeypatch.chdir(tmp_path / "deploy")
    code, _, _ = run_cli(capsys, "init", "--pre-commit", "--hook-repo", "https://git.example.com/tools/bakegen.git")
    assert code == 0
    (entry,) = yaml.safe_load((tmp_path / ".pre-commit-config.yaml").read_text())["repos"]
    assert entry["repo"] == "https://git.example.com/tools/bakegen.git"
    assert entry["hooks"][0]["args"] == ["-c", "deploy/bakegen.yaml"]


def test_repository_url_is_declared_once() -> None:
    # init's fallback hook source, the package metadata and the README name one repository.
    from bakegen.ci_files import REPOSITORY

    pyproject = (REPO / "pyproject.toml").read_text()
    assert f'Repository = "{REPOSITORY}"' in pyproject
    assert REPOSITORY in (REPO / "README.md").read_text()


def test_hook_manifest_files_pattern() -> None:
    hooks = {hook["id"]: hook for hook in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    assert set(hooks) == {"bakegen-render", "bakegen-check", "bakegen-validate"}
    for hook_id, hook in hooks.items():
        command = hook_id.replace("-", " ")
        assert hook["entry"] == command
        assert hook["language"] == "python"
        assert hook["pass_filenames"] is False
        pattern = re.compile(hook["files"])
        for name in ("compose.yaml", "compose.yml", "sub/docker-compose.yaml", "docker-compose.override.yml",
                     "compose.prod.yaml", "bakegen.yaml", ".env", "docker-bake.json", "docker-bake.hcl"):
            assert pattern.search(name), name
        for name in ("src/app.py", "Dockerfile", "mycompose.yaml", "compose.yaml.bak"):
            assert not pattern.search(name), name


# --- the GitHub workflow --------------------------------------------------------------

EXPECTED_ACTIONS = [
    "actions/checkout",
    "actions/setup-python",
    "docker/setup-buildx-action",
    "docker/bake-action",
]


def write_workflow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                   subdirectory: str = "") -> Path:
    repository = tmp_path / "repo"
    (repository / ".git").mkdir(parents=True)
    project = make_project(repository / subdirectory if subdirectory else repository)
    monkeypatch.chdir(project)
    code, _, err = run_cli(capsys, "init", "--ci", "github")
    assert code == 0, err
    assert "wrote .github/workflows/bakegen.yml" in err or "bakegen.yml" in err
    return repository / ".github" / "workflows" / "bakegen.yml"


def test_workflow_steps(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                        capsys: pytest.CaptureFixture[str]) -> None:
    path = write_workflow(tmp_path, monkeypatch, capsys)
    text = path.read_text()
    workflow = yaml.safe_load(text)
    assert workflow["permissions"] == {}
    (job,) = workflow["jobs"].values()
    assert job["permissions"] == {"contents": "read"}
    steps = job["steps"]
    uses = [step["uses"].split("@")[0] for step in steps if "uses" in step]
    assert uses == EXPECTED_ACTIONS

    def index(predicate: object) -> int:
        return next(i for i, step in enumerate(steps) if predicate(step))  # type: ignore[operator]

    checkout = index(lambda s: s.get("uses", "").startswith("actions/checkout@"))
    python = index(lambda s: s.get("uses", "").startswith("actions/setup-python@"))
    install = index(lambda s: "pip install" in s.get("run", ""))
    check = index(lambda s: s.get("run") == "pre-commit run bakegen-render --all-files --show-diff-on-failure")
    buildx = index(lambda s: s.get("uses", "").startswith("docker/setup-buildx-action@"))
    bake = index(lambda s: s.get("uses", "").startswith("docker/bake-action@"))
    up = index(lambda s: "up --no-build --wait" in s.get("run", ""))
    assert checkout < python < install < check < buildx < bake < up
    assert steps[checkout]["with"]["persist-credentials"] is False
    # bakegen comes from the hook .pre-commit-config.yaml pins; pre-commit is pinned itself.
    assert steps[install]["run"] == f'python -m pip install "pre-commit=={PRE_COMMIT_VERSION}"'
    assert "working-directory" not in steps[check]  # hooks run from the repository's root
    assert steps[bake]["with"] == {"source": ".", "files": "docker-bake.json"}
    assert steps[up]["run"] == "docker compose -f compose.yaml -p repo up --no-build --wait"
    # Every action pinned to a full commit SHA, its version in a comment.
    for line in text.splitlines():
        if "uses:" in line:
            assert re.fullmatch(r"\s+uses: [\w.-]+/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+", line), line
    # No expression inside a run: step (branch names are attacker-controlled).
    for step in steps:
        assert "${{" not in step.get("run", "")
    assert workflow[True]["push"]["branches"] == ["main"]  # YAML 1.1 reads `on` as true


def test_workflow_for_a_project_in_a_subdirectory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    path = write_workflow(tmp_path, monkeypatch, capsys, subdirectory="deploy/app")
    steps = yaml.safe_load(path.read_text())["jobs"]["bake"]["steps"]
    up = next(step for step in steps if "up --no-build" in step.get("run", ""))
    assert up["working-directory"] == "deploy/app"
    hook = yaml.safe_load((path.parent.parent.parent / ".pre-commit-config.yaml").read_text())["repos"][0]["hooks"][0]
    assert hook == {"id": "bakegen-render", "args": ["-c", "deploy/app/bakegen.yaml"]}
    bake = next(step for step in steps if step.get("uses", "").startswith("docker/bake-action@"))
    assert bake["with"] == {"source": "./deploy/app", "files": "docker-bake.json"}
    lint_workflow(path)


def lint_workflow(path: Path) -> None:
    """actionlint and zizmor (offline, medium severity and up) must both pass."""
    for name in ("actionlint", "zizmor"):
        if not (BIN / name).exists():
            pytest.skip(f"{name} is not installed next to {sys.executable} (pip install -e '.[test]')")
    repository = path.parent.parent.parent
    actionlint = subprocess.run(
        [str(BIN / "actionlint"), "-no-color", str(path.relative_to(repository))],
        check=False, cwd=repository, capture_output=True, text=True, timeout=120,
    )
    assert actionlint.returncode == 0, actionlint.stdout + actionlint.stderr
    zizmor = subprocess.run(
        [str(BIN / "zizmor"), "--offline", "--min-severity", "medium", "--no-progress", str(path)],
        check=False, cwd=repository, capture_output=True, text=True, timeout=120,
    )
    assert zizmor.returncode == 0, zizmor.stdout + zizmor.stderr


@pytest.mark.slow  # two external linters
def test_workflow_passes_actionlint_and_zizmor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    lint_workflow(write_workflow(tmp_path, monkeypatch, capsys))


@pytest.mark.parametrize("state", ["ignored", "untracked"])
def test_project_name_from_an_uncommitted_env_file(
    state: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # compose reads .env whether git commits it or not (projects that copy a committed
    # .env.example): the images `compose up` looks for are named after its
    # COMPOSE_PROJECT_NAME, not the checkout directory. Its other values stay out.
    project = make_project(tmp_path / "checkout")
    track(project)
    if state == "ignored":
        (project / ".gitignore").write_text(".env\n")
    (project / ".env").write_text("COMPOSE_PROJECT_NAME=shop\nAPI_TOKEN=t0ps3cret\n")
    monkeypatch.chdir(project)
    code, _, err = run_cli(capsys, "init")
    assert code == 0
    assert err.splitlines()[0].startswith(f"bakegen: not listing .env in compose.env_files: git {'ignores it' if state == 'ignored' else 'does not track it'}")
    compose = validate_schema(project / "bakegen.yaml")["compose"]
    assert compose == {"files": ["compose.yaml"], "project": "shop"}
    assert run_cli(capsys, "render")[0] == 0
    assert "t0ps3cret" not in (project / "docker-bake.json").read_text()


def test_project_name_from_env_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    # compose prefers COMPOSE_PROJECT_NAME from .env to the directory's name.
    project = make_project(tmp_path / "checkout")
    (project / ".env").write_text("COMPOSE_PROJECT_NAME=shop\n")
    track(project, ".env")
    monkeypatch.chdir(project)
    assert run_cli(capsys, "init")[0] == 0
    assert validate_schema(project / "bakegen.yaml")["compose"]["project"] == "shop"
    assert run_cli(capsys, "render")[0] == 0
