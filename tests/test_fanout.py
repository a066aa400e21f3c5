"""Issue 11, the fan-out: `bakegen init --ci github --fan-out`, `bakegen matrix`, `targets --json`.

The matrix step of the generated workflow is run as GitHub would run it (bash, the step's
`env:`, `$GITHUB_OUTPUT`) on a real git repository, once as a pull request and once as a push.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from test_init import lint_workflow

from bakegen.cli import main

BIN = Path(sys.executable).parent

COMPOSE = """\
services:
  api:
    build:
      context: ./api
      platforms: [linux/amd64, linux/arm64]
  web:
    build: ./web
  base:
    build: ./base
  worker:
    build:
      context: ./worker
      additional_contexts:
        base: service:base
  db:
    image: postgres:16
"""

POLICY = """\
version: 1
compose:
  files: [compose.yaml]
  project: shop
tags: []
cache:
  key: "{service}-{platform}"
services:
  api: {tags: ["ghcr.io/acme/api:latest"]}
  worker: {tags: ["ghcr.io/acme/worker:latest"], platforms: [linux/arm64]}
"""

PUSH = "type=image,push-by-digest=true,name-canonical=true,push=true"


def git(repository: Path, *args: str) -> str:
    env = {
        "PATH": os.environ["PATH"], "HOME": str(repository), "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z",
        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z",
    }
    return subprocess.run(["git", *args], cwd=repository, env=env, check=True, capture_output=True, text=True).stdout.strip()


def cell(target: str, platform: str, output: str) -> dict[str, str]:
    runner = {"linux/amd64": "ubuntu-24.04", "linux/arm64": "ubuntu-24.04-arm"}[platform]
    return {"target": target, "platform": platform, "slug": platform.replace("/", "-"), "runner": runner, "output": output}


@pytest.fixture
def repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Path:
    """A repository with the project in app/: one commit from init, one PR commit on a branch."""
    repository = tmp_path / "repo"
    project = repository / "app"
    for context in ("api", "web", "base", "worker"):
        (project / context).mkdir(parents=True)
        (project / context / "Dockerfile").write_text("FROM alpine\n")
    (project / "compose.yaml").write_text(COMPOSE)
    git(repository, "init", "-q", "-b", "main")
    monkeypatch.chdir(project)
    assert main(["init", "--ci", "github", "--fan-out"]) == 0
    (project / "bakegen.yaml").write_text(POLICY)
    assert main(["render"]) == 0
    capsys.readouterr()
    git(repository, "add", "-A")
    git(repository, "commit", "-q", "-m", "base")
    git(repository, "switch", "-q", "-c", "feature")
    (project / "base" / "setup.sh").write_text("true\n")
    git(repository, "add", "-A")
    git(repository, "commit", "-q", "-m", "change base")
    return repository


def workflow(repository: Path) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((repository / ".github" / "workflows" / "bakegen-fanout.yml").read_text())
    return document


def run_matrix_step(repository: Path, tmp_path: Path, event: str, base_sha: str) -> str:
    """The plan job's matrix step, run by bash as a GitHub runner would; returns $GITHUB_OUTPUT."""
    (step,) = [step for step in workflow(repository)["jobs"]["plan"]["steps"] if step.get("id") == "matrix"]
    assert step["env"] == {"BASE_SHA": "${{ github.event.pull_request.base.sha }}"}
    output = tmp_path / f"github-output-{event}"
    output.write_text("")
    env = {
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "HOME": str(tmp_path),
        "GITHUB_EVENT_NAME": event, "BASE_SHA": base_sha, "GITHUB_OUTPUT": str(output),
    }
    done = subprocess.run(
        ["bash", "-e", "-c", step["run"]], cwd=repository / step["working-directory"], env=env,
        capture_output=True, text=True, check=False, timeout=120,
    )
    assert (done.returncode, done.stderr) == (0, "")
    return output.read_text()


@pytest.mark.slow  # the workflow step in bash, bakegen in a child
def test_matrix_step_under_a_pull_request_builds_the_affected_targets_without_pushing(
    repository: Path, tmp_path: Path
) -> None:
    text = run_matrix_step(repository, tmp_path, "pull_request", git(repository, "rev-parse", "main"))
    lines = text.splitlines()
    assert [line.split("=", 1)[0] for line in lines] == ["build", "merge", "cells", "merges"]
    # base changed: base itself and worker (built from base); api and web untouched.
    assert json.loads(lines[0].split("=", 1)[1]) == {
        "include": [cell("base", "linux/amd64", "type=cacheonly"), cell("worker", "linux/arm64", "type=cacheonly")]
    }
    assert lines[1:] == ['merge={"include":[]}', "cells=2", "merges=0"]


@pytest.mark.slow  # the workflow step in bash, bakegen in a child
def test_matrix_step_under_a_push_builds_every_target_and_merges_the_tagged_ones(
    repository: Path, tmp_path: Path
) -> None:
    git(repository, "switch", "-q", "main")
    text = run_matrix_step(repository, tmp_path, "push", "")
    expected_build = {
        "include": [
            cell("api", "linux/amd64", PUSH),
            cell("api", "linux/arm64", PUSH),
            cell("base", "linux/amd64", "type=cacheonly"),
            cell("web", "linux/amd64", "type=cacheonly"),
            cell("worker", "linux/arm64", PUSH),
        ]
    }
    compact = json.dumps(expected_build, sort_keys=True, separators=(",", ":"))
    assert text == (
        f"build={compact}\n"
        'merge={"include":[{"target":"api"},{"target":"worker"}]}\n'
        "cells=5\n"
        "merges=2\n"
    )


@pytest.mark.slow  # two external linters
def test_fan_out_workflow_passes_actionlint_and_zizmor(repository: Path) -> None:
    lint_workflow(repository / ".github" / "workflows" / "bakegen-fanout.yml")


def test_fan_out_workflow_shape(repository: Path) -> None:
    document = workflow(repository)
    jobs = document["jobs"]
    assert document["permissions"] == {}
    assert {name: job["permissions"] for name, job in jobs.items()} == {
        "plan": {"contents": "read"},
        "build": {"contents": "read"},
        "publish": {"contents": "read", "packages": "write"},
        "merge": {"contents": "read", "packages": "write"},
    }
    assert jobs["build"]["if"] == "github.event_name == 'pull_request' && needs.plan.outputs.cells != '0'"
    assert jobs["publish"]["if"] == "github.event_name != 'pull_request' && needs.plan.outputs.cells != '0'"
    for name in ("build", "publish"):
        assert jobs[name]["runs-on"] == "${{ matrix.runner }}"
        (bake,) = [step for step in jobs[name]["steps"] if step.get("uses", "").startswith("docker/bake-action@")]
        assert bake["env"] == {"BAKEGEN_PLATFORM": "${{ matrix.platform }}"}
        assert bake["with"] == {
            "source": "./app", "files": "docker-bake.json", "targets": "${{ matrix.target }}",
            "set": "${{ matrix.target }}.output=${{ matrix.output }}",
        }
    for job in jobs.values():
        for step in job["steps"]:
            assert "${{" not in step.get("run", "")  # values reach shell through env:, never pasted
            uses = step.get("uses")
            if uses:
                assert len(uses.split("@", 1)[1]) == 40  # a full commit SHA


def test_init_fan_out_needs_ci_github(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "compose.yaml").write_text("services:\n  a:\n    build: .\n")
    monkeypatch.chdir(tmp_path)
    assert main(["init", "--fan-out"]) == 2
    assert capsys.readouterr().err == (
        "bakegen: error: --fan-out writes a GitHub Actions workflow; use it with --ci github\n"
    )
    assert not (tmp_path / "bakegen.yaml").exists()


def test_matrix_needs_platform_in_the_key(repository: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = repository / "app"
    (project / "bakegen.yaml").write_text(POLICY.replace('"{service}-{platform}"', '"{service}"'))
    assert main(["render"]) == 0
    git(repository, "commit", "-q", "-am", "no platform")
    capsys.readouterr()
    assert main(["matrix"]) == 2
    assert capsys.readouterr().err == (
        "bakegen: error: the fan-out builds one platform per job: put {platform} in cache.key (e.g. "
        "'{service}-{platform}') and run 'bakegen render', so that jobs do not overwrite each other's cache\n"
    )


def test_runners_from_the_policy(repository: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = repository / "app"
    (project / "bakegen.yaml").write_text(POLICY + "fan_out:\n  runners: {linux/arm64: arm-large}\n")
    capsys.readouterr()
    assert main(["matrix"]) == 0
    cells = json.loads(capsys.readouterr().out)["build"]["include"]
    assert [(item["target"], item["runner"]) for item in cells] == [
        ("api", "ubuntu-24.04"), ("api", "arm-large"), ("base", "ubuntu-24.04"), ("web", "ubuntu-24.04"),
        ("worker", "arm-large"),
    ]
    (project / "bakegen.yaml").write_text(POLICY.replace("[linux/arm64]", "[linux/riscv64]"))
    assert main(["render"]) == 0
    git(repository, "commit", "-q", "-am", "riscv")
    capsys.readouterr()
    assert main(["matrix"]) == 2
    assert capsys.readouterr().err == (
        "bakegen: error: no runner for platform 'linux/riscv64' of target 'worker'; fan_out.runners has: "
        "linux/amd64, linux/arm64\n"
    )


@pytest.mark.parametrize(
    ("fan_out", "message"),
    [
        ("fan_out:\n  runners: {linux/arm64: 'arm ${{ x }}'}\n",
         ("bakegen.yaml:12:26: error: fan_out.runners.linux/arm64 must be a runner label (letters, digits, '.', "
         "'_', '-'), got 'arm ${{ x }}'")),
        ("fan_out:\n  runners: {arm64: x}\n",
         "bakegen.yaml:12:13: error: fan_out.runners key 'arm64' is not a platform like linux/arm64"),
        ("fan_out:\n  runners: [x]\n",
         "bakegen.yaml:12:12: error: fan_out.runners must be a mapping, got a list"),
    ],
)
def test_runner_policy_errors(repository: Path, capsys: pytest.CaptureFixture[str], fan_out: str, message: str) -> None:
    (repository / "app" / "bakegen.yaml").write_text(POLICY + fan_out)
    capsys.readouterr()
    assert main(["matrix"]) == 2
    assert capsys.readouterr().err == message + "\n"


def test_targets_json_has_platforms_per_target(repository: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["targets", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["platforms"] == {
        "api": ["linux/amd64", "linux/arm64"], "base": [], "web": [], "worker": ["linux/arm64"],
    }
    assert document["targets"] == ["api", "base", "web", "worker"]


def test_plan_installs_bakegen_at_the_rev_the_pre_commit_config_pins(repository: Path, tmp_path: Path) -> None:
    """One version for the hook and CI: the install step reads .pre-commit-config.yaml."""
    (step,) = [step for step in workflow(repository)["jobs"]["plan"]["steps"] if step["name"].startswith("Install bakegen")]
    shims = tmp_path / "shims"
    shims.mkdir()
    calls = tmp_path / "calls"
    # `python -` runs the real interpreter; `python -m pip …` is recorded instead of installing.
    (shims / "python").write_text(
        f'#!/bin/sh\nif [ "$1" = "-m" ]; then echo "$@" >> "{calls}"; exit 0; fi\nexec "{sys.executable}" "$@"\n'
    )
    (shims / "python").chmod(0o755)
    env = {"PATH": f"{shims}{os.pathsep}{os.environ['PATH']}", "HOME": str(tmp_path), "RUNNER_TEMP": str(tmp_path)}
    done = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=repository, env=env, capture_output=True, text=True,
                          check=False, timeout=120)
    assert (done.returncode, done.stderr) == (0, "")
    config = yaml.safe_load((repository / ".pre-commit-config.yaml").read_text())
    (entry,) = config["repos"]
    assert (tmp_path / "bakegen-requirement.txt").read_text() == f"bakegen @ git+{entry['repo']}@{entry['rev']}\n"
    assert calls.read_text() == f"-m pip install -r {tmp_path}/bakegen-requirement.txt\n"
