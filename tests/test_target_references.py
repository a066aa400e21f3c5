"""Target references name targets as bakegen names them, and an empty project renders a file
buildx accepts.

buildx names the target of a compose service `web.base` `web_base` (a dot is not allowed in a
target name), and reads a compose `x-bake` context `target:web.base` or `service:web.base` as
`target:web_base` (bake/compose.go, composeToBuildkitNamedContexts). In a JSON bake file no
such renaming happens: `target:web.base` stops buildx with "failed to find target web.base".
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from bakegen import __version__
from bakegen.bake import BakeError, evaluate
from bakegen.cli import main
from bakegen.errors import UserError
from bakegen.freshness import PLACEHOLDER
from bakegen.pipeline import compile_policy
from bakegen.policy import load_policy
from bakegen.render import render_hcl, render_json

POLICY = "version: 1\ncompose: {files: [compose.yaml], project: p}\ntargets: {load: false}\ncache: {backend: none}\n"


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def compile_project(tmp_path: Path, compose: str, policy: str = POLICY, files: dict[str, str] | None = None) -> dict[str, Any]:
    (tmp_path / "compose.yaml").write_text(textwrap.dedent(compose))
    (tmp_path / "bakegen.yaml").write_text(policy)
    for name, text in (files or {}).items():
        (tmp_path / name).write_text(text)
    return compile_policy(load_policy(tmp_path / "bakegen.yaml", "bakegen.yaml"))


def error_of(tmp_path: Path, compose: str, policy: str = POLICY) -> str:
    with pytest.raises(UserError) as caught:
        compile_project(tmp_path, compose, policy)
    return str(caught.value)


DOTTED = """\
services:
  web.base:
    build: base
  app:
    build:
      context: app
      additional_contexts:
        base: service:web.base
        dir: target:web.base
      x-bake:
        contexts:
          viatarget: target:web.base
          viaservice: service:web.base
          sanitized: target:web_base
          image: docker-image://alpine:3.20
"""


def test_contexts_on_a_dotted_service_name_its_target(tmp_path: Path) -> None:
    bake = compile_project(tmp_path, DOTTED)
    assert sorted(bake["target"]) == ["app", "web_base"]
    assert bake["target"]["app"]["contexts"] == {
        "base": "target:web_base",
        # compose reads `target:x` in additional_contexts as a directory (build --print:
        # "<dir>/target:web.base"; tests/corpus/target_references is the oracle case)
        "dir": "./target:web.base",
        "viatarget": "target:web_base",
        "viaservice": "target:web_base",
        "sanitized": "target:web_base",
        "image": "docker-image://alpine:3.20",
    }
    # buildx finds every referenced target in the file (the evaluator resolves target: links)
    printed = evaluate([("docker-bake.json", render_json(bake).decode())], {}, ["app"], cwd=str(tmp_path))
    assert printed["target"]["app"]["contexts"]["viatarget"] == "target:web_base"


@pytest.mark.parametrize(
    ("compose", "policy", "expected"),
    [
        (
            ("services:\n  db:\n    image: postgres\n  app:\n    build:\n      context: .\n"
            "      additional_contexts:\n        a: service:db\n"),
            POLICY,
            'compose.yaml:8:12: error: service "app" declares non-buildable service "db" as additional contexts a',
        ),
        (
            ("services:\n  db:\n    image: postgres\n  app:\n    build:\n      context: .\n"
            "      x-bake:\n        contexts:\n          a: target:db\n"),
            POLICY,
            'compose.yaml:9:14: error: service "app" declares non-buildable service "db" as additional contexts a',
        ),
        (
            "services:\n  app:\n    build:\n      context: .\n      x-bake:\n        contexts:\n          a: target:nope.1\n",
            POLICY,
            "compose.yaml:7:14: error: x-bake context 'a' refers to target 'nope.1', which no service of the project becomes",
        ),
        (
            ("services:\n  web.base:\n    build: .\n  app:\n    build:\n      context: .\n"
            "      additional_contexts:\n        - base=service:web.base\n"),
            POLICY + "targets: {load: false, exclude: [web.base]}\n",
            ("compose.yaml:8:16: error: context 'base' of service 'app' builds on service 'web.base', which the policy "
            "leaves out of the bake file (targets.include, targets.exclude or services.<name>.skip); buildx would "
            "fail to find its target"),
        ),
    ],
    ids=["service-without-build", "x-bake-target-without-build", "x-bake-unknown-target", "target-left-out"],
)
def test_a_reference_to_no_target_is_an_error(tmp_path: Path, compose: str, policy: str, expected: str) -> None:
    policy = policy.replace("targets: {load: false}\n", "") if "exclude" in policy else policy
    assert error_of(tmp_path, compose, policy) == expected


# -- a project with no build target ----------------------------------------------------------
HEADER = "Generated by bakegen; do not edit. Regenerate with: bakegen render. bakegen: {version}; read: {read}; "
EMPTY_JSON = '{{\n  "//": "{header}",\n  "group": {{\n    "default": {{\n      "targets": []\n    }}\n  }}\n}}\n'
EMPTY_HCL = '# {header}\n\ngroup "default" {{\n  targets = []\n}}\n'


@pytest.mark.parametrize(
    ("files", "policy", "more"),
    [
        (
            {"compose.override.yaml": "services:\n  web:\n    build: !reset null\n"},
            POLICY.replace("[compose.yaml]", "[compose.yaml, compose.override.yaml]"),
            "bakegen.yaml compose.override.yaml compose.yaml",
        ),
        (
            {},
            POLICY.replace("targets: {load: false}", "targets: {load: false, include: [nothing]}"),
            "bakegen.yaml compose.yaml",
        ),
    ],
    ids=["build-reset-in-override", "policy-selects-nothing"],
)
def test_no_build_target_renders_a_file_buildx_accepts(
    tmp_path: Path, files: dict[str, str], policy: str, more: str, capsys: pytest.CaptureFixture[str]
) -> None:
    compose = "services:\n  web:\n    image: nginx\n    build: .\n"
    policy += "output: {json: docker-bake.json, hcl: docker-bake.hcl}\n"
    bake = compile_project(tmp_path, compose, policy, files)
    # The compiled dict holds the header's placeholder; rendering through the command seals it
    # (freshness.seal: the inputs read and the content hash).
    header = HEADER.format(version=__version__, read=more)
    # No `"target": {}`: HCL's JSON syntax wants at least one label there, and buildx stops
    # with "Missing block label". A `default` group with no targets is accepted by buildx
    # (shared/bake-cases targets.json group-empty) and `bake` with no target builds nothing.
    assert render_json(bake).decode() == EMPTY_JSON.format(header=PLACEHOLDER)
    assert render_hcl(bake).decode() == EMPTY_HCL.format(header=PLACEHOLDER)
    assert main(["render"]) == 0
    written = (tmp_path / "docker-bake.json").read_text()
    sealed = written.splitlines()[1].removeprefix('  "//": "').removesuffix('",')
    assert sealed.startswith(header)
    assert written == EMPTY_JSON.format(header=sealed)
    assert (tmp_path / "docker-bake.hcl").read_text() == EMPTY_HCL.format(header=sealed)
    printed = evaluate([("docker-bake.json", render_json(bake).decode())], {}, [], cwd=str(tmp_path))
    assert printed == {"group": {"default": {"targets": []}}, "target": {}}
    capsys.readouterr()
    assert main(["targets", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"groups": {"default": []}, "platforms": {}, "targets": []}


def test_the_evaluator_stops_on_an_empty_target_map_as_buildx_does() -> None:
    text = '{\n  "group": {"default": {"targets": []}},\n  "target": {}\n}\n'
    with pytest.raises(BakeError) as caught:
        evaluate([("docker-bake.json", text)], {}, [])
    assert str(caught.value) == (
        "docker-bake.json:3,13-14: Missing block label; At least one object property is required, "
        "whose name represents the target block's name."
    )
