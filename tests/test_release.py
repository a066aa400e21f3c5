"""bakegen's own release workflow: lint-clean, and its tag scheme is the hook's `rev`."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
import yaml
from test_init import lint_workflow

from bakegen import __version__
from bakegen.ci_files import hook_source

REPO = Path(__file__).resolve().parent.parent
RELEASE = REPO / ".github" / "workflows" / "release.yml"


@pytest.mark.slow  # two external linters
def test_release_workflow_passes_actionlint_and_zizmor() -> None:
    lint_workflow(RELEASE)


def test_release_runs_on_version_tags_and_publishes_with_trusted_publishing() -> None:
    workflow = yaml.safe_load(RELEASE.read_text())
    assert workflow[True] == {"push": {"tags": ["v*"]}}  # YAML 1.1 reads `on` as true
    assert workflow["permissions"] == {}
    build, publish = workflow["jobs"]["build"], workflow["jobs"]["publish"]
    assert build["permissions"] == {"contents": "read"}
    assert publish["permissions"] == {"id-token": "write"}
    assert publish["needs"] == "build"
    assert publish["environment"]["name"] == "pypi"
    runs = "\n".join(step.get("run", "") for step in build["steps"])
    assert 'if [ "$TAG" != "v$version" ]' in runs
    assert "python -m build --outdir dist ." in runs
    assert '"$RUNNER_TEMP/wheel/bin/pytest" -q -p no:cacheprovider' in runs
    # The checkout stays off sys.path (python -c would put the current directory first).
    assert '"$RUNNER_TEMP/wheel/bin/python" -I -c' in runs
    assert publish["steps"][-1]["uses"].startswith("pypa/gh-action-pypi-publish@")
    assert "with" not in publish["steps"][-1]  # no password: trusted publishing


def test_hook_rev_is_the_release_tag_of_this_version() -> None:
    version = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    assert version == __version__
    assert hook_source().rev == f"v{version}"
