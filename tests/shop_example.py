"""The shipped example (examples/shop) as the cache tests use it: a copy with an edited policy,
evaluated by bakegen's evaluator (checked against real buildx by tests/test_bake_cases.py)
under GitHub Actions environments."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from bakegen import bake
from bakegen.pipeline import compile_policy
from bakegen.policy import load_policy
from bakegen.render import render_hcl, render_json

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "shop"

PR = {
    "GITHUB_ACTIONS": "true",
    "GITHUB_EVENT_NAME": "pull_request",
    "GITHUB_REF_NAME": "42/merge",
    "GITHUB_REF": "refs/pull/42/merge",
    "GITHUB_HEAD_REF": "feature/Login-Page",
    "GITHUB_BASE_REF": "main",
}
PUSH_MAIN = {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "push", "GITHUB_REF_NAME": "main", "GITHUB_REF": "refs/heads/main"}


def shop_with_policy(tmp_path: Path, replace: dict[str, str]) -> Path:
    """A copy of the example whose bakegen.yaml has each ``old`` replaced by ``new`` (each must occur)."""
    project = tmp_path / "shop"
    shutil.copytree(EXAMPLE, project)
    text = (project / "bakegen.yaml").read_text()
    for old, new in replace.items():
        assert old in text
        text = text.replace(old, new)
    (project / "bakegen.yaml").write_text(text)
    return project


def compiled(project: Path) -> dict[str, Any]:
    return compile_policy(load_policy(project / "bakegen.yaml", "bakegen.yaml"))


def evaluate(project: Path, env: dict[str, str], *, hcl: bool = False) -> dict[str, Any]:
    """The targets buildx would build from the project's bake file (JSON, or HCL) under ``env``."""
    document = compiled(project)
    name, text = ("docker-bake.hcl", render_hcl(document)) if hcl else ("docker-bake.json", render_json(document))
    return bake.evaluate([(name, text.decode())], env, [], cwd=str(project))["target"]  # type: ignore[no-any-return]
