"""`bakegen validate`: schema problems and lints, one line each, in file order."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from gitrepo import track

from bakegen.cli import main

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "shop"


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_example_is_clean(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copytree(EXAMPLE, tmp_path / "shop")
    monkeypatch.chdir(tmp_path / "shop")
    assert main(["validate", "--strict"]) == 0
    assert capsys.readouterr() == ("", "")


def test_lints(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, {
        "compose.yaml": "services:\n  web:\n    build: ./web\n  api:\n    build: ./api\n  db:\n    image: postgres\n",
        "web/Dockerfile": "FROM scratch\n",
        ".env": "A=1\n",
        "bakegen.yaml": "version: 1\ntargets:\n  include: ['*', 'nothing*']\ncache:\n  scope: shared\nservices:\n  ghost: {skip: true}\n",
    })
    track(project, ".env")  # committed but not listed
    assert main(["validate"]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        (".env: warning: compose reads this .env, but the policy does not list it in compose.env_files, so its "
        "values are not carried; list it (and commit it) or remove it [unlisted-env-file]"),
        "bakegen.yaml:3:18: warning: targets.include pattern 'nothing*' matches no build service [glob-matches-nothing]",
        ("bakegen.yaml:5:10: warning: 2 targets export to one shared cache scope; each export replaces the scope's "
        "index, so only the last target keeps its cache; use per-service [shared-cache-scope]"),
        "bakegen.yaml:7:3: error: policy names service 'ghost', which the compose project does not define [unknown-service]",
        ("compose.yaml:2:3: warning: service 'web' has no image: and the project has no name:, so its image name depends "
        "on the checkout directory's name; set compose.project in the policy or name: in compose [image-name-from-directory]"),
        ("compose.yaml:4:3: warning: service 'api' has no image: and the project has no name:, so its image name depends "
        "on the checkout directory's name; set compose.project in the policy or name: in compose [image-name-from-directory]"),
        "compose.yaml:4:3: error: build context 'api' of 'api' does not exist [missing-context]",
    ]
    assert err == "bakegen: 2 error(s), 5 warning(s)\n"


def test_warnings_only_fail_with_strict(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, {
        "compose.yaml": "services:\n  web:\n    build: .\n",
        "Dockerfile": "FROM scratch\n",
        "bakegen.yaml": "version: 1\noutput: {json: ci/docker-bake.json}\n",
    })
    assert main(["validate"]) == 0
    first = capsys.readouterr().out
    assert main(["validate", "--strict"]) == 1
    assert capsys.readouterr().out == first
    assert "bake-run-directory" in first and "image-name-from-directory" in first


def test_duplicate_cache_destinations_and_missing_dockerfile(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, {
        "compose.yaml": "name: p\nservices:\n  a:\n    build: {context: ., cache_to: ['type=local,dest=/tmp/c']}\n"
        "  b:\n    build: {context: ., dockerfile: Missing, cache_to: ['type=local,dest=/tmp/c,mode=max']}\n",
        "Dockerfile": "FROM scratch\n",
        "bakegen.yaml": "version: 1\ncache: {backend: none}\n",
    })
    assert main(["validate"]) == 1
    assert capsys.readouterr().out.splitlines() == [
        ("compose.yaml:5:3: error: targets 'a' and 'b' export cache to the same destination 'type=local,dest=/tmp/c'; "
        "each export overwrites the other [duplicate-cache-destination]"),
        "compose.yaml:5:3: error: dockerfile 'Missing' of 'b' does not exist in its context [missing-dockerfile]",
    ]


def test_schema_errors_are_reported_with_positions(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, {"bakegen.yaml": "version: 1\ncache:\n  mode: maximum\n"})
    assert main(["validate"]) == 1
    assert capsys.readouterr().out == "bakegen.yaml:3:9: error: cache.mode must be one of min, max, got 'maximum'; did you mean 'max'? [schema]\n"


def test_render_warns_when_an_unlisted_env_changes_what_compose_builds(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(project, {
        "compose.yaml": "name: p\nservices:\n  web:\n    image: 'r/web:${TAG:-dev}'\n    build: .\n",
        "Dockerfile": "FROM scratch\n",
        ".env": "TAG=1.0\nOTHER=x\n",
        "bakegen.yaml": "version: 1\ncache: {backend: none}\n",
    })
    # A developer's own .env (not committed): only what it changes for the bake file is said.
    warning = (
        ".env: warning: compose reads TAG from this .env, which git does not commit, so bake builds without "
        "those values; set them in the environment where bake runs [unlisted-env-file]\n"
    )
    assert main(["render"]) == 0
    assert capsys.readouterr().err == warning + "bakegen: wrote docker-bake.json\n"
    assert main(["validate"]) == 0
    assert capsys.readouterr().out == warning
    # Committed but not listed: list it.
    track(project, ".env")
    warning = (
        ".env: warning: compose reads this .env, but the policy does not list it in compose.env_files, so its TAG "
        "differ between compose and bake; list it (and commit it) or remove it [unlisted-env-file]\n"
    )
    assert main(["validate"]) == 0
    assert capsys.readouterr().out == warning


# -- one verdict (issue 10 item 6): validate's errors stop render and check, same line --------

def test_a_lint_error_stops_render_and_check_with_validates_line(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, {
        "compose.yaml": "name: p\nservices:\n  web:\n    build: ./web\n",
        "web/Dockerfile": "FROM scratch\n",
        "bakegen.yaml": "version: 1\ncache: {backend: none}\nservices:\n  ghost: {skip: true}\n",
    })
    line = "bakegen.yaml:4:3: error: policy names service 'ghost', which the compose project does not define [unknown-service]\n"
    assert main(["validate"]) == 1
    assert capsys.readouterr() == (line, "bakegen: 1 error(s), 0 warning(s)\n")
    stop = "bakegen: 1 error(s); nothing written (see 'bakegen validate')\n"
    for command in (["render"], ["check"], ["render", "--check"], ["render", "--stdout"]):
        assert main(command) == 2, command
        assert capsys.readouterr() == ("", line + stop), command
        assert not (project / "docker-bake.json").exists()


def test_a_missing_dockerfile_stops_render(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, {
        "compose.yaml": "name: p\nservices:\n  web:\n    build: ./web\n",
        "web/README": "no Dockerfile here\n",
        "bakegen.yaml": "version: 1\ncache: {backend: none}\n",
    })
    assert main(["render"]) == 2
    assert capsys.readouterr().err == (
        "compose.yaml:3:3: error: dockerfile 'Dockerfile' of 'web' does not exist in its context [missing-dockerfile]\n"
        "bakegen: 1 error(s); nothing written (see 'bakegen validate')\n"
    )


def test_warnings_are_printed_by_render_and_check_in_validates_format(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(project, {
        "compose.yaml": "name: p\nservices:\n  web:\n    build: .\n",
        "Dockerfile": "FROM scratch\n",
        "bakegen.yaml": "version: 1\ncache: {backend: none}\ntargets:\n  include: [web, nope]\n",
    })
    line = "bakegen.yaml:4:18: warning: targets.include pattern 'nope' matches no build service [glob-matches-nothing]\n"
    assert main(["validate"]) == 0
    assert capsys.readouterr().out == line
    assert main(["render"]) == 0
    assert capsys.readouterr() == ("", line + "bakegen: wrote docker-bake.json\n")
    assert main(["check"]) == 0
    assert capsys.readouterr() == ("", line)


def test_a_compile_error_is_the_same_line_in_validate_and_render(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, {
        "compose.yaml": "name: p\nservices:\n  web:\n    build:\n      context: .\n      pull: maybe\n",
        "Dockerfile": "FROM scratch\n",
        "bakegen.yaml": "version: 1\ncache: {backend: none}\n",
    })
    line = "compose.yaml:6:13: error: build.pull must be a boolean, got 'maybe'\n"
    assert main(["validate"]) == 1
    assert capsys.readouterr().out == line
    assert main(["render"]) == 2
    assert capsys.readouterr().err == line


def test_policy_variables_that_compose_also_reads_are_reported(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Both forms compose reads (`${V…}`, `$V`), in the build or image of any service; a longer
    name (`${TAGS}`) is another variable. The compose texts are read once for all variables."""
    write(project, {
        "compose.yaml": (
            "name: demo\nservices:\n  web:\n    image: ${OWNER}/web:${TAGS:-x}\n    build: ./web\n"
            "  api:\n    image: api\n    build:\n      context: ./api\n      args: {V: $TAG}\n"
        ),
        "web/Dockerfile": "FROM scratch\n",
        "api/Dockerfile": "FROM scratch\n",
        "bakegen.yaml": "version: 1\nvariables:\n  NOPE: a\n  OWNER: acme\n  TAG: v1\n  TAGSX: b\n",
    })
    assert main(["validate"]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        (f"bakegen.yaml:{line}:3: warning: variable '{name}' is also used by the compose file; its policy default "
         f"changes what compose's ${{{name}}} means in the bake file [variable-shadows-compose]")
        for line, name in ((4, "OWNER"), (5, "TAG"))
    ]
    assert err == "bakegen: 0 error(s), 2 warning(s)\n"
