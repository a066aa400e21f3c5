"""Day-one trust (issue 10): the scenarios a new user hit, replayed from temp git repositories.

No secret reaches the committed file; every developer gets the same bytes; init reads the
default branch from git and never clobbers; the generated CI installs what the README says.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from gitrepo import commit_all, git, init_repository, track

from bakegen.cli import main
from bakegen.credentials import looks_like_credential

COMPOSE = """\
name: shop
services:
  api:
    image: ghcr.io/acme/api:latest
    build:
      context: ./api
      args:
        NPM_TOKEN: ${NPM_TOKEN}
        VERSION: ${VERSION:-1}
"""


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def make_shop(directory: Path, compose: str = COMPOSE) -> Path:
    init_repository(directory)
    (directory / "compose.yaml").write_text(compose)
    (directory / "api").mkdir()
    (directory / "api" / "Dockerfile").write_text("FROM alpine:3.20\n")
    return directory


# --- 1. no secret reaches the committed file ------------------------------------------------

def test_init_leaves_out_an_ignored_env_file_and_the_token_stays_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_shop(tmp_path / "shop")
    (project / ".gitignore").write_text(".env\n")
    (project / ".env").write_text("NPM_TOKEN=npm_developer_secret\n")
    monkeypatch.chdir(project)
    code, out, err = run(capsys, "init")
    assert (code, out) == (0, "")
    assert err.splitlines()[0] == (
        "bakegen: not listing .env in compose.env_files: git ignores it, and its values would be "
        "written into the committed bake file"
    )
    assert "env_files" not in yaml.safe_load((project / "bakegen.yaml").read_text())["compose"]
    assert run(capsys, "render")[0] == 0
    bake = (project / "docker-bake.json").read_text()
    assert "npm_developer_secret" not in bake
    assert json.loads(bake)["variable"]["NPM_TOKEN"] == {"default": None}


def test_init_outside_a_git_repository_lists_no_env_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "shop"
    project.mkdir()
    (project / "compose.yaml").write_text("name: shop\nservices:\n  api:\n    build: .\n")
    (project / ".env").write_text("VERSION=2\n")
    monkeypatch.chdir(project)
    code, _, err = run(capsys, "init")
    assert code == 0
    assert err.splitlines()[0] == (
        "bakegen: not listing .env in compose.env_files: this is not a git repository, and its "
        "values would be written into the committed bake file"
    )
    assert "env_files" not in yaml.safe_load((project / "bakegen.yaml").read_text())["compose"]


POLICY_WITH_ENV = "version: 1\ncompose:\n  files: [compose.yaml]\n  env_files: [.env]\n"


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("ignored", ("bakegen.yaml:4:15: error: env file .env is listed in compose.env_files, but git ignores it: "
                    "its values would make the bake file differ per checkout; remove it from compose.env_files "
                    "(list a committed file without secrets instead)")),
        ("untracked", ("bakegen.yaml:4:15: error: env file .env is listed in compose.env_files, but git does not "
                      "track it: its values would make the bake file differ per checkout; commit it (git add .env) "
                      "or remove it from compose.env_files")),
        ("outside", ("bakegen.yaml:4:15: error: env file .env is listed in compose.env_files, but it is not in a "
                    "git repository: its values would make the bake file differ per checkout; commit it to the "
                    "project's git repository or remove it from compose.env_files")),
    ],
)
def test_a_listed_env_file_must_be_tracked(
    setup: str, message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "shop"
    if setup == "outside":
        project.mkdir()
        (project / "compose.yaml").write_text(COMPOSE)
    else:
        make_shop(project)
    if setup == "ignored":
        (project / ".gitignore").write_text(".env\n")
    (project / ".env").write_text("VERSION=2\n")
    (project / "bakegen.yaml").write_text(POLICY_WITH_ENV)
    monkeypatch.chdir(project)
    for command in (["render"], ["check"], ["render", "--stdout"]):
        code, out, err = run(capsys, *command)
        assert (code, out, err) == (2, "", message + "\n")
    assert not (project / "docker-bake.json").exists()
    code, out, _ = run(capsys, "validate")
    assert (code, out) == (1, message + "\n")  # the same line as render (one verdict)


def test_render_refuses_a_committed_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_shop(tmp_path / "shop")
    (project / ".env").write_text("VERSION=2\nNPM_TOKEN=npm_developer_secret\n")
    (project / "bakegen.yaml").write_text(POLICY_WITH_ENV)
    track(project, ".env")
    monkeypatch.chdir(project)
    code, out, err = run(capsys, "render")
    assert (code, out) == (2, "")
    assert err == (
        ".env:2:1: error: NPM_TOKEN looks like a credential; its value here would be written into the "
        "committed bake file: move it out of this file (set it in the environment, or in an env file "
        "compose.env_files does not list), or add NPM_TOKEN to compose.allow_credentials if it is not secret\n"
    )
    assert not (project / "docker-bake.json").exists()
    # Allowed by name: carried as the default.
    (project / "bakegen.yaml").write_text(POLICY_WITH_ENV + "  allow_credentials: [NPM_TOKEN]\n")
    assert run(capsys, "render")[0] == 0
    assert json.loads((project / "docker-bake.json").read_text())["variable"]["NPM_TOKEN"] == {
        "default": "npm_developer_secret"
    }


def test_render_refuses_the_value_of_a_build_secret_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    compose = (
        "name: shop\nservices:\n  api:\n    build:\n      context: ./api\n      secrets: [npm]\n"
        "      args:\n        REGISTRY_LOGIN: ${REGISTRY_LOGIN}\n"
        "secrets:\n  npm:\n    environment: REGISTRY_LOGIN\n"
    )
    project = make_shop(tmp_path / "shop", compose)
    (project / ".env").write_text("REGISTRY_LOGIN=someone:hunter2\n")
    (project / "bakegen.yaml").write_text(POLICY_WITH_ENV)
    track(project, ".env")
    monkeypatch.chdir(project)
    code, _, err = run(capsys, "render")
    assert code == 2
    assert err.startswith(".env:1:1: error: REGISTRY_LOGIN is the variable of a build secret; its value here ")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("NPM_TOKEN", True), ("GITHUB_TOKEN", True), ("AUTHTOKEN", True), ("DB_PASSWORD", True),
        ("MYSQL_PASSWD", True), ("CLIENT_SECRET", True), ("AWS_SECRET_ACCESS_KEY", True),
        ("PRIVATE_REGISTRY", True), ("SSH_KEY", True), ("API_KEY", True), ("BASIC_AUTH", True),
        ("AUTH_HEADER", True), ("DOCKER_CREDENTIALS", True), ("npm_token", True),
        ("AUTHOR", False), ("KEYCLOAK_URL", False), ("TAG", False), ("VERSION", False), ("KEY", False),
        ("PWD", False), ("COMPOSE_PROJECT_NAME", False), ("MONKEY", False),
    ],
)
def test_credential_names(name: str, expected: bool) -> None:
    assert looks_like_credential(name) is expected


# --- 2. same bytes for every developer ------------------------------------------------------

def test_every_developers_env_gives_the_same_bytes_and_a_fresh_clone_checks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_shop(tmp_path / "shop")
    (project / ".gitignore").write_text(".env\n")
    (project / ".env").write_text("NPM_TOKEN=alice\nVERSION=3\n")
    monkeypatch.chdir(project)
    assert run(capsys, "init")[0] == 0
    assert run(capsys, "render")[0] == 0
    commit_all(project)
    alice = (project / "docker-bake.json").read_bytes()
    (project / ".env").write_text("NPM_TOKEN=bob\nVERSION=4\n")
    assert run(capsys, "check")[0] == 0
    # A fresh checkout has no .env at all.
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(project), str(clone))
    assert not (clone / ".env").exists()
    monkeypatch.chdir(clone)
    code, out, err = run(capsys, "check")
    # Passes; compose would warn about the unset token too, and so does bakegen.
    assert (code, out, err) == (0, "", (
        "compose.yaml:8:20: warning: variable NPM_TOKEN has no default and no listed env file sets it: compose "
        "warns that it is not set and uses an empty string; set it in the environment or a listed env file, or "
        "give it a default (${NPM_TOKEN:-…}) [unset-variable]\n"
    ))
    assert (clone / "docker-bake.json").read_bytes() == alice


def test_absolute_paths_are_kept_as_written_and_linted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "Dockerfile").write_text("FROM alpine:3.20\n")
    compose = f"name: shop\nservices:\n  api:\n    build:\n      context: {outside}\n"
    project = make_shop(tmp_path / "shop", compose)
    (project / "bakegen.yaml").write_text("version: 1\n")
    monkeypatch.chdir(project)
    code, out, _ = run(capsys, "render", "--stdout")
    assert code == 0
    assert json.loads(out)["target"]["api"]["context"] == str(outside)
    code, out, _ = run(capsys, "validate")
    assert (code, out) == (0, (
        f"compose.yaml:3:3: warning: build context of 'api' is the absolute path '{outside}', which exists on "
        "this machine only; use a path relative to the compose file [machine-specific-path]\n"
    ))


# --- 7. what users asked for in the same tryout ---------------------------------------------

def test_unset_variable_and_multi_platform_load_warnings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    compose = (
        "name: shop\nservices:\n  api:\n    image: acme/api:${TAG}\n    build:\n      context: ./api\n"
        "      args:\n        A: ${SET_IN_ENV_FILE}\n        B: ${WITH_DEFAULT:-1}\n        C: ${REQUIRED:?set it}\n"
        "        D: $WHO\n"
        "      platforms: [linux/amd64, linux/arm64]\n"
    )
    project = make_shop(tmp_path / "shop", compose)
    (project / "defaults.env").write_text("SET_IN_ENV_FILE=x\n")
    (project / "bakegen.yaml").write_text("version: 1\ncompose:\n  env_files: [defaults.env]\n")
    track(project, "defaults.env")
    monkeypatch.chdir(project)
    code, out, _ = run(capsys, "validate")
    assert (code, out) == (0, (
        "compose.yaml:3:3: warning: target 'api' builds 2 platforms (linux/amd64, linux/arm64), which docker "
        "cannot load: `docker compose up --no-build` will not find its image; build one platform where compose "
        "runs it, or set targets.load: false [multi-platform-load]\n"
        "compose.yaml:4:12: warning: variable TAG has no default and no listed env file sets it: compose warns "
        "that it is not set and uses an empty string; set it in the environment or a listed env file, or give "
        "it a default (${TAG:-…}) [unset-variable]\n"
        "compose.yaml:11:12: warning: variable WHO has no default and no listed env file sets it: compose warns "
        "that it is not set and uses an empty string; set it in the environment or a listed env file, or give "
        "it a default (${WHO:-…}) [unset-variable]\n"
    ))
    # Not loaded: nothing for compose to miss.
    (project / "bakegen.yaml").write_text(
        "version: 1\ncompose:\n  env_files: [defaults.env]\ntargets:\n  load: false\n"
    )
    assert "multi-platform-load" not in run(capsys, "validate")[1]


def test_unset_variable_warnings_find_bare_uses_nested_or_unbraced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A bare use inside a default, unbraced ones, an escaped `$$TAG`, and names that start
    # with another's name: each variable once, at its first bare use.
    compose = (
        "name: shop\nservices:\n  api:\n    image: acme/api:${TAG:-${WHO}}\n    build:\n      context: ./api\n"
        "      args:\n        A: $TAGX-$$TAG\n        B: ${TAG:-x}${WHO_2:-y}\n        C: x$WHO.$TAG\n"
    )
    project = make_shop(tmp_path / "shop", compose)
    (project / "bakegen.yaml").write_text("version: 1\n")
    monkeypatch.chdir(project)
    code, out, _ = run(capsys, "validate")
    assert code == 0
    assert [line.split(" has no default")[0] for line in out.splitlines()] == [
        "compose.yaml:4:12: warning: variable WHO",
        "compose.yaml:8:12: warning: variable TAGX",
        "compose.yaml:10:12: warning: variable TAG",
    ]


@pytest.mark.parametrize(
    "include",
    ["oci://docker.io/acme/compose:1", "https://github.com/acme/stack.git#main:compose.yaml",
     "git@github.com:acme/stack.git"],
)
def test_a_remote_include_is_not_supported(
    include: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_shop(tmp_path / "shop", f"include:\n  - {include}\nservices:\n  api:\n    build: ./api\n")
    (project / "bakegen.yaml").write_text("version: 1\n")
    monkeypatch.chdir(project)
    code, out, err = run(capsys, "render")
    assert (code, out) == (2, "")
    assert err == (
        f"compose.yaml:2:5: error: include '{include}' is a remote compose file (OCI artifact or git): not "
        "supported; bakegen reads local files only: commit a copy and include its path\n"
    )


def test_config_before_the_command_and_found_upward(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_shop(tmp_path / "shop", "name: shop\nservices:\n  api:\n    build: ./api\n")
    (project / "bakegen.yaml").write_text("version: 1\ncache: {backend: none}\n")
    (project / "api" / "src").mkdir()
    monkeypatch.chdir(project / "api" / "src")
    # Found upward, as git and compose find theirs; outputs land next to the policy.
    code, _, err = run(capsys, "render")
    assert (code, err) == (0, "bakegen: wrote ../../docker-bake.json\n")
    assert run(capsys, "check") == (0, "", "")
    # -c before the command, as after it.
    monkeypatch.chdir(tmp_path)
    assert run(capsys, "-c", "shop/bakegen.yaml", "check") == (0, "", "")
    assert run(capsys, "check", "-c", "shop/bakegen.yaml") == (0, "", "")
    # Nothing upward: the usual message.
    code, _, err = run(capsys, "check")
    assert code == 2
    assert err.startswith("bakegen: error: policy file not found: bakegen.yaml")


# --- 3. the default branch is the repository's ----------------------------------------------

@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        ("origin-head", "trunk"),  # origin/HEAD wins
        ("config", "develop"),  # else init.defaultBranch
        ("current", "master"),  # else the current branch
    ],
)
def test_init_reads_the_default_branch_from_git(
    setup: str, expected: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_shop(tmp_path / "shop", "name: shop\nservices:\n  api:\n    build: ./api\n")
    git(project, "checkout", "-q", "-b", "master")
    if setup == "origin-head":
        git(project, "config", "init.defaultBranch", "develop")
        commit_all(project)
        git(project, "update-ref", "refs/remotes/origin/trunk", "HEAD")
        git(project, "symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/trunk")
    elif setup == "config":
        git(project, "config", "init.defaultBranch", "develop")
    monkeypatch.chdir(project)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("HOME", str(tmp_path))  # no user-level init.defaultBranch
    assert run(capsys, "init", "--ci", "github")[0] == 0
    assert yaml.safe_load((project / "bakegen.yaml").read_text())["cache"]["default_branch"] == expected
    workflow = yaml.safe_load((project / ".github" / "workflows" / "bakegen.yml").read_text())
    assert workflow[True]["push"]["branches"] == [expected]


def test_validate_warns_when_the_default_branch_does_not_exist(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_shop(tmp_path / "shop", "name: shop\nservices:\n  api:\n    build: ./api\n")
    git(project, "checkout", "-q", "-b", "master")
    (project / "bakegen.yaml").write_text("version: 1\ncache:\n  default_branch: main\n")
    monkeypatch.chdir(project)
    code, out, _err = run(capsys, "validate", "--strict")
    assert (code, out) == (1, (
        "bakegen.yaml:3:19: warning: default branch 'main' does not exist in this git repository; set "
        "cache.default_branch to the repository's default branch (and the branch the workflow's `on: push` "
        "names) [default-branch-missing]\n"
    ))
    (project / "bakegen.yaml").write_text("version: 1\ncache:\n  default_branch: master\n")
    assert run(capsys, "validate", "--strict") == (0, "", "")


# --- 4. init adds, never clobbers -------------------------------------------------------------

def test_ci_and_pre_commit_next_to_an_edited_policy_write_only_their_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_shop(tmp_path / "shop", "name: shop\nservices:\n  api:\n    build: ./api\n")
    git(project, "checkout", "-q", "-b", "master")
    edited = "version: 1\ncache:\n  backend: none\n  default_branch: master\n"
    (project / "bakegen.yaml").write_text(edited)
    monkeypatch.chdir(project)
    code, out, err = run(capsys, "init", "--ci", "github")
    assert (code, out) == (0, "")
    assert err == (
        "bakegen: using the existing bakegen.yaml\n"
        "bakegen: wrote .pre-commit-config.yaml\n"
        "bakegen: wrote .github/workflows/bakegen.yml\n"
        "bakegen: next: bakegen render && git add bakegen.yaml docker-bake.json .pre-commit-config.yaml "
        ".github/workflows/bakegen.yml\n"
    )
    assert (project / "bakegen.yaml").read_text() == edited
    # --force overwrites what the command writes (the workflow), never the policy, and says so.
    code, _, err = run(capsys, "init", "--ci", "github", "--force")
    assert code == 0
    assert err == (
        "bakegen: using the existing bakegen.yaml\n"
        "bakegen: .pre-commit-config.yaml already runs bakegen's hook; left as it is\n"
        "bakegen: overwrote .github/workflows/bakegen.yml\n"
        "bakegen: next: bakegen render && git add bakegen.yaml docker-bake.json .github/workflows/bakegen.yml\n"
    )
    assert (project / "bakegen.yaml").read_text() == edited
    # A pre-commit config with other hooks is never rewritten: the entry is printed to add.
    (project / ".pre-commit-config.yaml").write_text("repos: []\n")
    code, out, err = run(capsys, "init", "--pre-commit", "--force")
    assert code == 0
    assert (project / ".pre-commit-config.yaml").read_text() == "repos: []\n"
    assert yaml.safe_load(out)["repos"][0]["hooks"] == [{"id": "bakegen-render"}]
    assert err.splitlines()[1] == (
        "bakegen: .pre-commit-config.yaml exists and is left as it is: add the entry printed on stdout under its `repos:`"
    )


def test_init_with_compose_files_and_compose_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_shop(tmp_path / "shop", "services: {}\n")
    (project / "deploy").mkdir()
    (project / "deploy" / "stack.yml").write_text("services:\n  api:\n    build: ../api\n")
    (project / "deploy" / "stack.ci.yml").write_text("services:\n  api:\n    build:\n      target: ci\n")
    monkeypatch.chdir(project)
    code, _, err = run(capsys, "init", "-f", "deploy/stack.yml", "-f", "deploy/stack.ci.yml")
    assert code == 0, err
    policy = yaml.safe_load((project / "bakegen.yaml").read_text())
    # compose names the project after the first file's directory.
    assert policy["compose"] == {"files": ["deploy/stack.yml", "deploy/stack.ci.yml"], "project": "deploy"}
    assert run(capsys, "render")[0] == 0
    assert json.loads((project / "docker-bake.json").read_text())["target"]["api"]["target"] == "ci"
    # COMPOSE_FILE (compose's separator) and COMPOSE_PROJECT_NAME, as compose reads them.
    monkeypatch.setenv("COMPOSE_FILE", "deploy/stack.yml:deploy/stack.ci.yml")
    monkeypatch.setenv("COMPOSE_PROJECT_NAME", "shop")
    assert run(capsys, "init", "--force")[0] == 0
    policy = yaml.safe_load((project / "bakegen.yaml").read_text())
    assert policy["compose"] == {"files": ["deploy/stack.yml", "deploy/stack.ci.yml"], "project": "shop"}
    code, _, err = run(capsys, "init", "--force", "-f", "nope.yml")
    assert (code, err) == (2, "bakegen: error: compose file not found: nope.yml (given with -f or COMPOSE_FILE)\n")


def test_init_reads_compose_file_from_dotenv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # compose reads COMPOSE_FILE (and COMPOSE_PATH_SEPARATOR) from the .env where it runs; the
    # environment wins over it, and -f over both.
    project = make_shop(tmp_path / "shop")
    (project / "compose.ci.yaml").write_text("services:\n  api:\n    build:\n      target: ci\n")
    (project / "compose.dev.yaml").write_text("services:\n  api:\n    build:\n      target: dev\n")
    (project / ".gitignore").write_text(".env\n")
    (project / ".env").write_text("COMPOSE_PATH_SEPARATOR=;\nCOMPOSE_FILE=compose.yaml;compose.ci.yaml\n")
    monkeypatch.chdir(project)
    monkeypatch.delenv("COMPOSE_FILE", raising=False)
    monkeypatch.delenv("COMPOSE_PATH_SEPARATOR", raising=False)
    assert run(capsys, "init")[0] == 0
    assert yaml.safe_load((project / "bakegen.yaml").read_text())["compose"]["files"] == ["compose.yaml", "compose.ci.yaml"]
    monkeypatch.setenv("COMPOSE_FILE", "compose.yaml,compose.dev.yaml")
    monkeypatch.setenv("COMPOSE_PATH_SEPARATOR", ",")
    assert run(capsys, "init", "--force")[0] == 0
    assert yaml.safe_load((project / "bakegen.yaml").read_text())["compose"]["files"] == ["compose.yaml", "compose.dev.yaml"]
    assert run(capsys, "init", "--force", "-f", "compose.yaml")[0] == 0
    assert yaml.safe_load((project / "bakegen.yaml").read_text())["compose"]["files"] == ["compose.yaml"]
    monkeypatch.delenv("COMPOSE_FILE")
    monkeypatch.delenv("COMPOSE_PATH_SEPARATOR")
    (project / ".env").write_text("COMPOSE_FILE=compose.yaml:nope.yaml\n")
    code, _, err = run(capsys, "init", "--force")
    assert (code, err) == (2, "bakegen: error: compose file not found: nope.yaml (given with -f or COMPOSE_FILE)\n")


def test_init_leaves_out_a_committed_env_file_with_a_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_shop(tmp_path / "shop")
    (project / ".env").write_text("VERSION=2\nNPM_TOKEN=committed_by_mistake\n")
    track(project, ".env")
    monkeypatch.chdir(project)
    code, out, err = run(capsys, "init")
    assert (code, out) == (0, "")
    assert err.splitlines()[0] == (
        "bakegen: not listing .env in compose.env_files: its NPM_TOKEN looks like a credential, and its value "
        "would be written into the committed bake file"
    )
    assert "env_files" not in yaml.safe_load((project / "bakegen.yaml").read_text())["compose"]
    assert run(capsys, "render")[0] == 0
    assert "committed_by_mistake" not in (project / "docker-bake.json").read_text()
