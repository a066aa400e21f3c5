"""The wheel carries its data files: built, installed in a fresh venv, run outside the repo.

Installing pulls PyYAML, Jinja2 and jsonschema from PyPI (and `build` fetches hatchling).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # builds a wheel and installs it in a new virtualenv

REPO = Path(__file__).resolve().parent.parent


def _env() -> dict[str, str]:
    # Nothing may reach the source tree: no PYTHONPATH, no editable-install hints.
    return {key: value for key, value in os.environ.items()
            if key not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSAFEPATH")}


def run(command: list[str], cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, env=_env(), capture_output=True, text=True, check=False,
                          timeout=timeout)


def test_installed_wheel_finds_schema_and_templates(tmp_path: Path) -> None:
    try:
        import build  # noqa: F401
    except ImportError:
        pytest.skip("the 'build' package is not installed (pip install -e '.[test]')")
    dist = tmp_path / "dist"
    built = run([sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(REPO)], cwd=tmp_path)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    (wheel,) = dist.glob("bakegen-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for data in ("schema/bakegen.schema.json", "templates/bakegen.yaml.j2",
                 "templates/github-workflow.yml.j2", "templates/pre-commit-config.yaml.j2",
                 "docker-bake.hcl.j2"):
        assert f"bakegen/_data/{data}" in names, data

    venv = tmp_path / "venv"
    # Without pip of its own (seeding one costs more than the rest of the test): this pip
    # installs into it (`pip --python`), from the package index as for a user.
    created = run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    python = venv / "bin" / "python"
    installed = run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q",
                     "--disable-pip-version-check", str(wheel)], cwd=tmp_path)
    assert installed.returncode == 0, installed.stdout[-3000:] + installed.stderr[-3000:]
    bakegen = venv / "bin" / "bakegen"

    work = tmp_path / "work"
    work.mkdir()
    schema = run([str(bakegen), "schema"], cwd=work)
    assert schema.returncode == 0, schema.stderr
    assert schema.stdout == (REPO / "schema" / "bakegen.schema.json").read_text()
    # Imported from the venv, not from this checkout.
    where = run([str(python), "-c", "import bakegen, sys; sys.stdout.write(bakegen.__file__)"], cwd=work)
    assert Path(where.stdout).is_relative_to(venv), where.stdout

    project = work / "shop"
    (project / "api").mkdir(parents=True)
    (project / "api" / "Dockerfile").write_text("FROM alpine:3.20\n")
    (project / "compose.yaml").write_text("services:\n  api:\n    build: ./api\n  db:\n    image: postgres:16\n")
    (project / ".git").mkdir()  # the workflow goes to the repository's root
    init = run([str(bakegen), "init", "--ci", "github", "--pre-commit"], cwd=project)
    assert init.returncode == 0, init.stderr
    assert "bakegen-render" in (project / ".pre-commit-config.yaml").read_text()
    assert (project / "bakegen.yaml").is_file()
    assert "actions/checkout@" in (project / ".github" / "workflows" / "bakegen.yml").read_text()

    render = run([str(bakegen), "render"], cwd=project)
    assert render.returncode == 0, render.stderr
    assert sorted(json.loads((project / "docker-bake.json").read_text())["target"]) == ["api"]
    again = run([str(bakegen), "init"], cwd=project)
    assert again.returncode == 2
    assert again.stderr == "bakegen.yaml: error: policy file already exists; use --force to overwrite\n"
