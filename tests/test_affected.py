"""`bakegen affected` on a real git repository: one commit per kind of build input.

The project lives in a subdirectory (``app/``) of the repository, so paths in the bake file
(relative to ``app/``) and paths from git (relative to the root) must be joined right.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from bakegen.cli import main
from bakegen.dockerignore import DockerIgnore
from bakegen.errors import UserError

COMPOSE = """\
services:
  base:
    build: ./base
  api:
    build:
      context: ./api
      additional_contexts:
        base: service:base
        assets: ./assets
        alpine: docker-image://alpine:3.20
  web:
    build:
      context: ./web
      dockerfile: ../docker/web.Dockerfile
  worker:
    build:
      context: .
      dockerfile: worker/Dockerfile
  tools:
    build: https://github.com/acme/tools.git#main
  db:
    image: postgres:16
"""

POLICY = """\
version: 1
compose:
  files: [compose.yaml]
  project: shop
  env_files: [.env]
"""

FILES = {
    "README.md": "shop\n",
    "app/compose.yaml": COMPOSE,
    "app/bakegen.yaml": POLICY,
    "app/.env": "TAG=1\n",
    "app/base/Dockerfile": "FROM alpine\n",
    "app/base/base.txt": "base\n",
    "app/api/Dockerfile": "FROM base\n",
    "app/api/main.py": "print()\n",
    "app/assets/logo.svg": "<svg/>\n",
    "app/docker/web.Dockerfile": "FROM nginx\n",
    "app/web/.dockerignore": "# dependencies\nnode_modules\n**/*.log\n",
    "app/web/index.html": "<html/>\n",
    "app/worker/Dockerfile": "FROM alpine\nCOPY worker /worker\n",
    # BuildKit reads <Dockerfile>.dockerignore before <context>/.dockerignore.
    "app/worker/Dockerfile.dockerignore": "*\n!worker\nworker/*.md\n",
    "app/worker/run.py": "print()\n",
    "app/notes.txt": "notes\n",
}
ALL = ["api", "base", "tools", "web", "worker"]

# (what the commit changes, {path: new text or None to delete}, the expected targets)
COMMITS = [
    ("nothing a build reads", {"README.md": "shop!\n"}, ["tools"]),
    ("a file in base's context", {"app/base/base.txt": "base 2\n"}, ["api", "base", "tools"]),
    ("a file in api's context", {"app/api/main.py": "print(1)\n"}, ["api", "tools"]),
    ("a file in an additional context", {"app/assets/logo.svg": "<svg></svg>\n"}, ["api", "tools"]),
    ("a Dockerfile outside its context", {"app/docker/web.Dockerfile": "FROM nginx:1\n"}, ["tools", "web"]),
    ("a file web's .dockerignore leaves out", {"app/web/node_modules/x.js": "x\n", "app/web/a/b.log": "log\n"}, ["tools"]),
    ("a file web's .dockerignore keeps", {"app/web/app.js": "x\n"}, ["tools", "web"]),
    ("web's .dockerignore", {"app/web/.dockerignore": "node_modules\n"}, ["tools", "web"]),
    ("a file the Dockerfile's .dockerignore keeps", {"app/worker/run.py": "print(2)\n"}, ["tools", "worker"]),
    ("files the Dockerfile's .dockerignore leaves out", {"app/notes.txt": "more\n", "app/worker/README.md": "x\n"}, ["tools"]),
    ("the Dockerfile's .dockerignore", {"app/worker/Dockerfile.dockerignore": "*\n!worker\n"}, ["tools", "worker"]),
    ("a rename out of a context", {"app/api/main.py": None, "app/other/main.py": "print(1)\n"}, ["api", "tools"]),
    ("the compose file", {"app/compose.yaml": COMPOSE + "# a comment\n"}, ALL),
    ("the policy", {"app/bakegen.yaml": POLICY + "# a comment\n"}, ALL),
    ("a listed env file", {"app/.env": "TAG=2\n"}, ALL),
    ("the bake file", {"app/docker-bake.json": None}, ALL),
]


def git(repository: Path, *args: str) -> str:
    env = {
        "PATH": os.environ["PATH"], "HOME": str(repository), "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z",
        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z",
    }
    done = subprocess.run(["git", *args], cwd=repository, env=env, check=True, capture_output=True, text=True)
    return done.stdout.strip()


def write(repository: Path, files: dict[str, str | None]) -> None:
    for name, text in files.items():
        path = repository / name
        if text is None:
            if name.endswith("docker-bake.json"):
                path.write_text(path.read_text().replace('"target": {', '"target":  {', 1))
            else:
                path.unlink()
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


@pytest.fixture(scope="module")
def repository(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repository = tmp_path_factory.mktemp("repo")
    git(repository, "init", "-q", "-b", "main")
    write(repository, FILES)
    git(repository, "add", "-A")  # the listed env file must be tracked before render reads it
    assert main(["render", "-c", str(repository / "app" / "bakegen.yaml")]) == 0
    git(repository, "add", "-A")
    git(repository, "commit", "-q", "-m", "initial")
    git(repository, "tag", "c0")
    for index, (_, files, _) in enumerate(COMMITS, start=1):
        write(repository, files)
        git(repository, "add", "-A")
        git(repository, "commit", "-q", "-m", f"commit {index}")
        git(repository, "tag", f"c{index}")
    return repository


def affected(capsys: pytest.CaptureFixture[str], repository: Path, *args: str) -> tuple[int, str, str]:
    code = main(["affected", "-c", str(repository / "app" / "bakegen.yaml"), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("index", range(1, len(COMMITS) + 1), ids=[what for what, _, _ in COMMITS])
def test_each_kind_of_input(repository: Path, capsys: pytest.CaptureFixture[str], index: int) -> None:
    expected = COMMITS[index - 1][2]
    code, out, err = affected(capsys, repository, "--base", f"c{index - 1}", "--head", f"c{index}")
    assert (code, out, err) == (0, "".join(f"{name}\n" for name in expected), "")


def test_json_has_commits_targets_and_reasons(repository: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = affected(capsys, repository, "--base", "c1", "--head", "c2", "--json")
    assert code == 0
    assert json.loads(out) == {
        "base": git(repository, "rev-parse", "c1"),
        "head": git(repository, "rev-parse", "c2"),
        "targets": ["api", "base", "tools"],
        "reasons": {
            "api": ["depends on target base"],
            "base": ["app/base/base.txt: in context app/base"],
            "tools": ["remote context https://github.com/acme/tools.git#main"],
        },
    }


def test_a_range_unions_its_commits(repository: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert affected(capsys, repository, "--base", "c2", "--head", "c5")[1] == "api\ntools\nweb\n"
    # --head defaults to HEAD; the same commit on both sides changes nothing but remote contexts.
    assert affected(capsys, repository, "--base", "HEAD")[1] == "tools\n"


def test_bad_revisions_and_no_bake_file(repository: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert affected(capsys, repository, "--base", "nope") == (
        2, "", "bakegen: error: unknown git revision 'nope'; expected a commit, branch or tag\n"
    )
    assert affected(capsys, repository, "--base=--all")[2] == "bakegen: error: '--all' is not a git revision\n"
    # Before the bake file was committed: nothing to compare against.
    other = tmp_path / "other"
    other.mkdir()
    git(other, "init", "-q", "-b", "main")
    write(other, {"app/compose.yaml": COMPOSE, "app/bakegen.yaml": POLICY, "app/.env": "", "README.md": "x\n"})
    git(other, "add", "-A")
    git(other, "commit", "-q", "-m", "x")
    assert affected(capsys, other, "--base", "HEAD") == (
        2, "", "bakegen: error: app/docker-bake.json is not committed at HEAD; run 'bakegen render' and commit it\n"
    )


@pytest.mark.parametrize(
    ("rules", "path", "ignored"),
    [
        ("node_modules\n", "node_modules/a/b.js", True),
        ("node_modules\n", "src/node_modules/a.js", False),  # anchored at the context's root
        ("**/node_modules\n", "src/node_modules/a.js", True),
        ("*.log\n", "a.log", True),
        ("*.log\n", "dir/a.log", False),
        ("**/*.log\n", "dir/sub/a.log", True),
        ("/build/\n", "build/x", True),
        ("./build\n", "build/x", True),
        ("a/**/b\n", "a/b", True),
        ("a/**/b\n", "a/x/y/b/c", True),
        ("a?c\n", "abc", True),
        ("a?c\n", "a/c", False),
        ("*\n!keep\n", "keep/x", False),
        ("*\n!keep\n", "other", True),
        ("*\n!keep\nkeep/*.md\n", "keep/README.md", True),
        ("# comment\n\n  spaced  \n", "spaced", True),
        ("# comment\n", "# comment", False),
    ],
)
def test_dockerignore_rules(rules: str, path: str, ignored: bool) -> None:
    assert DockerIgnore(rules, ".dockerignore").ignored(path) is ignored


def test_dockerignore_refuses_what_it_does_not_implement() -> None:
    with pytest.raises(UserError) as error:
        DockerIgnore("ok\n  [ab].txt\n", "ctx/.dockerignore")
    assert str(error.value) == (
        "ctx/.dockerignore:2:3: error: unsupported .dockerignore pattern '[ab].txt'; bakegen reads '*', '?', "
        "'**' and '!' (no '[…]' classes or '\\' escapes)"
    )


def _affected(targets: dict[str, dict[str, object]], changed: list[str], files: dict[str, str] | None = None) -> dict[str, list[str]]:
    from bakegen.affected import affected_targets

    files = files or {}
    return affected_targets({"target": targets}, "proj", changed, {"proj/bakegen.yaml"}, files.get).targets


def test_context_forms_without_git() -> None:
    targets: dict[str, dict[str, object]] = {
        "image": {"context": "a", "contexts": {"alpine": "docker-image://alpine:3.20"}},
        "layout": {"context": "b", "contexts": {"base": "oci-layout://layouts/base@sha256:00"}},
        "remote": {"context": "c", "contexts": {"src": "https://github.com/acme/src.git"}},
        "variable": {"context": "d/${DIR != null ? DIR : \"x\"}", "dockerfile": "Dockerfile${S != \"\" ? \"${S}\" : \"\"}"},
    }
    assert _affected(targets, []) == {"remote": ["remote context https://github.com/acme/src.git"]}
    assert _affected(targets, ["proj/layouts/base/index.json"]) == {
        "layout": ["proj/layouts/base/index.json: in context base (proj/layouts/base)"],
        "remote": ["remote context https://github.com/acme/src.git"],
    }
    # ${…} matches any text: the whole d/ tree and any Dockerfile suffix count.
    assert _affected(targets, ["proj/d/y/app.py", "proj/d/x/Dockerfile.dev"])["variable"] == [
        "proj/d/x/Dockerfile.dev: Dockerfile", "proj/d/y/app.py: in context proj/d/${DIR != null ? DIR : \"x\"}",
    ]
    assert _affected(targets, ["proj/bakegen.yaml"]) == {
        name: ["proj/bakegen.yaml: project input changed (every target)"] for name in sorted(targets)
    }
