"""Include env files: compose interpolates an included file with the include's env_file
(or the included directory's .env) as defaults under the environment (see compose.include)."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from bakegen.compose import load_project
from bakegen.errors import UserError
from bakegen.interpolation import evaluate, parse, to_bake


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_included_files_carry_their_include_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, {
        "compose.yaml": "include:\n  - path: [m/c.yaml, m/o.yaml]\n    env_file: m.env\n  - d/c.yaml\n  - e/c.yaml\n",
        "m.env": "A=1\n",
        "m/c.yaml": "include: [n/c.yaml]\nservices:\n  m:\n    build: .\n",
        "m/o.yaml": "services:\n  m:\n    build: {args: {X: $A}}\n",
        "m/n/.env": "B=2\n",
        "m/n/c.yaml": "services:\n  n:\n    build: .\n",
        "d/.env": "C=3\n",
        "d/c.yaml": "services:\n  d:\n    build: .\n",
        "e/c.yaml": "services:\n  e:\n    build: .\n",
    })
    project = load_project([tmp_path / "compose.yaml"])
    envs = project.include_envs
    assert sorted(envs) == ["d/c.yaml", "m/c.yaml", "m/n/c.yaml", "m/o.yaml"]
    assert [e.name for e in envs["m/c.yaml"].entries] == ["A"] and envs["m/o.yaml"] is envs["m/c.yaml"]
    assert envs["m/n/c.yaml"].parent is envs["m/c.yaml"] and [e.name for e in envs["m/n/c.yaml"].entries] == ["B"]
    assert [e.name for e in envs["d/c.yaml"].entries] == ["C"] and envs["d/c.yaml"].parent is None


def test_include_env_values_serve_structural_strings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, {
        "compose.yaml": "include:\n  - path: m/c.yaml\n    env_file: m.env\n",
        "m.env": "SUB=inner\n",
        "m/c.yaml": "include: ['${SUB}/c.yaml']\n",
        "m/inner/c.yaml": "services:\n  i:\n    build: .\n",
    })
    project = load_project([tmp_path / "compose.yaml"])
    assert "i" in project.services and "SUB" in project.static_include_uses
    # the environment (static_env: listed env files) wins over the include's values
    write(tmp_path, {"m/other/c.yaml": "services:\n  o:\n    build: .\n"})
    project = load_project([tmp_path / "compose.yaml"], static_env={"SUB": "other"})
    assert "o" in project.services and not project.static_include_uses


def test_a_file_under_two_include_envs_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, {
        "compose.yaml": "include:\n  - path: a/c.yaml\n    env_file: a.env\n  - path: b/c.yaml\n",
        "a.env": "A=1\n",
        "a/c.yaml": "services:\n  a:\n    extends: {file: ../common.yaml, service: base}\n",
        "b/c.yaml": "services:\n  b:\n    extends: {file: ../common.yaml, service: base}\n",
        "common.yaml": "services:\n  base:\n    build: .\n",
    })
    with pytest.raises(UserError) as caught:
        load_project([tmp_path / "compose.yaml"])
    assert str(caught.value) == (
        "b/c.yaml:3:21: error: common.yaml is loaded with two different include environments (env files); "
        "compose interpolates each copy with its own, which bakegen cannot express"
    )


TEMPLATES = ["$V", "${V}", "${V:-d}", "${V-d}", "${V:+a}", "${V+a}", "x${V:-${W:-w}}y", "${W:-${V}}"]


@pytest.mark.parametrize("text", TEMPLATES)
def test_fallbacks_mean_environment_first_then_the_fixed_value(text: str) -> None:
    """to_bake with a fallback for V evaluates like compose with V's env-file value under the env."""
    from bakegen.bake import evaluate as bake_evaluate

    compiled = to_bake(parse(text), lambda name: True, {"V": '"fixed"'})
    bake = (
        '{{"variable": {{"V": {{"default": null}}, "W": {{"default": null}}}},'
        ' "group": {{"default": {{"targets": ["t"]}}}}, "target": {{"t": {{"args": {{"A": {}}}}}}}}}'.format(__import__("json").dumps(compiled.text))
    )
    for v, w in itertools.product([None, "", "shell"], [None, "", "wv"]):
        env = {name: value for name, value in (("V", v), ("W", w)) if value is not None}
        view = {"V": "fixed", **env}
        expected = evaluate(parse(text), view.get)
        printed = bake_evaluate([("docker-bake.json", bake)], env, [], cwd=".")
        assert printed["target"]["t"].get("args", {}).get("A", "") == expected, (env, compiled.text)


def test_required_variable_with_a_fallback_checks_the_fallback() -> None:
    compiled = to_bake(parse("${V:?need}"), lambda name: True, {"V": '"fixed"'})
    [(name, condition, message)] = compiled.validations
    assert name == "V" and condition == '${(V != null ? V : "fixed") != ""}' and "need" in message


def test_required_variable_in_an_include_env_file_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bakegen.pipeline import compile_policy
    from bakegen.policy import load_policy

    monkeypatch.chdir(tmp_path)
    write(tmp_path, {
        "bakegen.yaml": "version: 1\ncache: {backend: none}\n",
        "compose.yaml": "include:\n  - path: m/c.yaml\n    env_file: m.env\n",
        "m.env": "A=${B:?set B}\n",
        "m/c.yaml": "services:\n  m:\n    build: {context: ., args: {A: $A}}\n",
    })
    with pytest.raises(UserError) as caught:
        compile_policy(load_policy(tmp_path / "bakegen.yaml", "bakegen.yaml"))
    assert str(caught.value).startswith("m.env:1:1: error: A in an include env file uses a required variable")
