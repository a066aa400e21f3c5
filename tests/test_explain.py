"""`bakegen explain`: the evaluated targets and the Actions token's refs, exactly."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bakegen.cli import main

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "shop"
PR_ARGS = [
    "--env", "GITHUB_ACTIONS=true", "--env", "GITHUB_EVENT_NAME=pull_request",
    "--env", "GITHUB_REF_NAME=42/merge", "--env", "GITHUB_REF=refs/pull/42/merge",
    "--env", "GITHUB_HEAD_REF=feature/Login-Page", "--env", "GITHUB_BASE_REF=main",
]


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(EXAMPLE, tmp_path / "shop")
    monkeypatch.chdir(tmp_path / "shop")
    return tmp_path / "shop"


def test_explain_pull_request_text(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "orders", *PR_ARGS]) == 0
    assert capsys.readouterr().out == (
        "environment: GITHUB_ACTIONS=true GITHUB_BASE_REF=main GITHUB_EVENT_NAME=pull_request "
        "GITHUB_HEAD_REF=feature/Login-Page GITHUB_REF=refs/pull/42/merge GITHUB_REF_NAME=42/merge\n"
        "gha cache: writes under refs/pull/42/merge; reads under refs/pull/42/merge, refs/heads/main\n"
        "run: docker buildx bake -f docker-bake.json (from ./, where context paths resolve)\n"
        "\n"
        "target orders\n"
        "  tags:       ghcr.io/acme/shop-orders:latest\n"
        "  cache-from: type=gha,scope=orders\n"
        "  cache-to:   type=gha,ignore-error=true,mode=max,scope=orders\n"
        "  output:     type=docker\n"
        "  context:    services/orders\n"
        "  dockerfile: ../Dockerfile-multi-stage\n"
        "  target:     runtime\n"
        "  args:       BUILD_PROFILE=release\n"
        "              JAVA_VERSION=21\n"
        "  pull:       true\n"
    )


BUILD_INPUTS = """\
name: app
services:
  api:
    image: acme/api
    build:
      context: ./api
      dockerfile_inline: |
        FROM alpine:3.20
        RUN --mount=type=secret,id=npm true
      pull: true
      network: host
      secrets: [npm]
      ssh: [default]
      additional_contexts:
        assets: ./assets
secrets:
  npm:
    environment: NPM_TOKEN
"""


def test_explain_shows_every_build_input_in_a_fixed_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "api").mkdir()
    (tmp_path / "assets").mkdir()
    (tmp_path / "compose.yaml").write_text(BUILD_INPUTS)
    (tmp_path / "bakegen.yaml").write_text("version: 1\ncache: {backend: none}\n")
    monkeypatch.chdir(tmp_path)
    assert main(["explain", "api"]) == 0
    assert capsys.readouterr().out == (
        "environment: (empty)\n"
        "run: docker buildx bake -f docker-bake.json (from ./, where context paths resolve)\n"
        "\n"
        "target api\n"
        "  tags:       acme/api\n"
        "  output:     type=docker\n"
        "  context:    api\n"
        "  dockerfile: (inline)\n"
        "              FROM alpine:3.20\n"
        "              RUN --mount=type=secret,id=npm true\n"
        "  pull:       true\n"
        "  secret:     env=NPM_TOKEN,id=npm\n"
        "  ssh:        id=default\n"
        "  network:    host\n"
        "  contexts:   assets=assets\n"
        "  cache-from: (none)\n"
        "  cache-to:   (none)\n"
    )


def test_explain_says_what_to_set_without_github_ref(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "gateway", "--env", "GITHUB_ACTIONS=true", "--env", "GITHUB_EVENT_NAME=push"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1:3] == [
        "gha cache: writes under refs/heads/?; reads under refs/heads/?, refs/heads/main",
        ("note: GITHUB_REF is not set, so the refs above are guessed; GitHub sets it: pass "
        "--env GITHUB_REF=refs/heads/<branch> (a push) or --env GITHUB_REF=refs/pull/<number>/merge (a PR)"),
    ]


def test_explain_json_locally_has_no_cache(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "gateway", "--json", "--env", "TAG=v1"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["gha"] == {"active": False, "read": [], "write": None}
    assert document["targets"] == {
        "gateway": {"context": "gateway", "dockerfile": "Dockerfile", "output": [{"type": "docker"}], "tags": ["shop-gateway"]}
    }


def test_explain_push_reads_own_branch_and_default(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    env = ["--env", "GITHUB_ACTIONS=true", "--env", "GITHUB_EVENT_NAME=push", "--env", "GITHUB_REF=refs/heads/develop"]
    assert main(["explain", "--json", *env]) == 0
    assert json.loads(capsys.readouterr().out)["gha"] == {
        "active": True, "write": "refs/heads/develop", "read": ["refs/heads/develop", "refs/heads/main"]
    }


def test_explain_unknown_service_and_bad_env(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "nope"]) == 2
    assert capsys.readouterr().err == (
        "bakegen: error: unknown target 'nope'; the bake file has: frontend, gateway, migrate, orders, payments\n"
    )
    assert main(["explain", "--env", "NOEQUALS"]) == 2
    assert capsys.readouterr().err == "bakegen: error: --env expects NAME=VALUE, got 'NOEQUALS'\n"
