"""The policy's two validators: jsonschema_rs says "valid" quickly, jsonschema words errors.

Both read schema/bakegen.schema.json. The fast one is trusted only where the two agree
(``_fast_path_applies``); these tests check that agreement on documents drawn from the schema
itself, and that what a user sees (messages, imports) follows from it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bakegen.errors import UserError
from bakegen.policy import load_policy
from bakegen.schema_check import _fast_path_applies, _fast_validator, _plain, accepted_quickly

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "schema" / "bakegen.schema.json").read_text())
SLOW_VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)

# Strings near the schema's patterns and limits: path traversal, a trailing newline (where
# Python's `$` and ECMA's differ), env: conditions, platforms, non-ASCII, blanks.
EDGE_STRINGS = [
    "", "a", "web", "Web", "web-1", "web_1", "1web", "-web", "a b", "café", "a\n", "web\n",
    "../x", "x/..", "x/../y", "..", "..\n", "/abs", "dir/", "a/b.json", "docker-bake.json",
    "ci", "always", "never", "env:CI", "env:1CI", "env:", "env:CI\n", "gha", "registry",
    "linux/amd64", "linux/arm64/v8", "linux/", "Linux/amd64", "{service}", "{image}", "${TAG}",
    "min", "max", "per-service", "shared", "ubuntu-24.04", "x\ty", "\u00a0", "\ufeffweb",
]


def _strings() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(EDGE_STRINGS), st.text(alphabet="ab/._-:{}$\n é0Z", max_size=8))


def _any_json() -> st.SearchStrategy[Any]:
    scalars = st.one_of(
        st.none(), st.booleans(), st.integers(-3, 3), st.sampled_from([1.0, 1.5, 2**63, -(2**63) - 1]), _strings()
    )
    return st.recursive(scalars, lambda inner: st.lists(inner, max_size=2) | st.dictionaries(_strings(), inner, max_size=2), max_leaves=4)


# Strings that fit most of the schema's patterns, so that many drawn documents are valid.
FITTING_STRINGS = ["web", "shop", "api-1", "a/b.json", "ci", "env:CI", "linux/amd64", "{service}", "TAG", "x.y"]


@st.composite
def _documents(draw: st.DrawFn) -> Any:
    """Policies drawn from the schema, each with its own rate of values that may not fit."""
    return draw(_from_schema(SCHEMA, draw(st.sampled_from([0, 0, 40, 8]))))


@st.composite
def _from_schema(draw: st.DrawFn, schema: dict[str, Any], misfit_rate: int) -> Any:
    """A value shaped by ``schema``; with ``misfit_rate`` n > 0, one value in n is anything."""
    if misfit_rate and draw(st.integers(1, misfit_rate)) == 1:
        return draw(_any_json())
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return draw(st.sampled_from(schema["enum"]))
    types = schema.get("type", "object")
    kind = draw(st.sampled_from(types)) if isinstance(types, list) else types
    if kind == "object":
        value = {}
        for name, sub in schema.get("properties", {}).items():
            if name in schema.get("required", ()) or draw(st.booleans()):
                value[name] = draw(_from_schema(sub, misfit_rate))
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            names = st.sampled_from(FITTING_STRINGS) | (_strings() if misfit_rate else st.nothing())
            for name in draw(st.lists(names, max_size=2)):
                value[name] = draw(_from_schema(extra, misfit_rate))
        return value
    if kind == "array":
        return draw(st.lists(_from_schema(schema.get("items", {"type": "string"}), misfit_rate), max_size=3))
    if kind == "string":
        return draw(st.sampled_from(FITTING_STRINGS) if not misfit_rate or draw(st.integers(0, 3)) else _strings())
    if kind == "boolean":
        return draw(st.booleans())
    if kind in ("integer", "number"):
        return draw(st.integers(-2, 3))
    return None


def _slow_valid(document: Any) -> bool:
    return not list(SLOW_VALIDATOR.iter_errors(_plain(document)))


@pytest.mark.slow
@settings(max_examples=400, derandomize=True, deadline=None, database=None)
@given(_documents())
def test_the_fast_validator_agrees_with_jsonschema_wherever_it_is_trusted(document: Any) -> None:
    slow = _slow_valid(document)
    if _fast_path_applies(_plain(document)):
        assert accepted_quickly(document) == slow
    else:
        assert not accepted_quickly(document)


@pytest.mark.parametrize(
    ("document", "fast_path", "valid"),
    [
        ({"version": 1}, True, True),
        ({"version": 1.0}, True, True),  # a number equal to 1 is the constant 1 in JSON Schema
        ({"version": True}, True, False),  # a boolean is not
        ({"version": 1, "compose": {"project": "shop"}}, True, True),
        # Python's `$` matches before a final newline, ECMA's does not: jsonschema decides.
        ({"version": 1, "compose": {"project": "shop\n"}}, False, True),
        ({"version": 1, "output": {"json": "..\n"}}, False, False),
        ({"version": 1, "compose": {"files": ["café.yaml"]}}, False, True),
        ({"version": 1, "variables": {"WHEN": date(2024, 1, 1)}}, False, False),
        ({"version": 2**63}, False, False),
        ({"version": float("nan")}, False, False),
    ],
)
def test_which_documents_the_fast_path_takes(document: dict[str, Any], fast_path: bool, valid: bool) -> None:
    assert _fast_path_applies(_plain(document)) is fast_path
    assert _slow_valid(document) is valid
    assert accepted_quickly(document) is (fast_path and valid)


def test_a_document_outside_the_fast_path_gets_jsonschema_s_message(tmp_path: Path) -> None:
    policy = tmp_path / "bakegen.yaml"
    policy.write_text('version: 1\noutput: {json: "..\\n"}\n')
    with pytest.raises(UserError) as raised:
        load_policy(policy, "bakegen.yaml")
    assert str(raised.value) == (
        "bakegen.yaml:2:16: error: output.json must be a file path relative to the policy's directory, inside it, got '..\n'"
    )


def test_without_jsonschema_rs_jsonschema_decides_every_policy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "jsonschema_rs", None)  # `import jsonschema_rs` raises ImportError
    _fast_validator.cache_clear()
    try:
        assert accepted_quickly({"version": 1}) is False
        policy = tmp_path / "bakegen.yaml"
        policy.write_text("version: 1\ncompose: {project: shop}\n")
        assert load_policy(policy, "bakegen.yaml").project == "shop"
        policy.write_text("version: 1\ncache: {backend: gah}\n")
        with pytest.raises(UserError) as raised:
            load_policy(policy, "bakegen.yaml")
        assert str(raised.value).startswith("bakegen.yaml:2:18: error: cache.backend must be one of gha, ")
    finally:
        _fast_validator.cache_clear()


def _imports_of(args: list[str], cwd: Path) -> tuple[int, str, list[str]]:
    code = (
        "import sys\nfrom bakegen.cli import main\nrc = main(sys.argv[1:])\n"
        "print(sorted(m for m in ('jsonschema', 'jsonschema_rs') if m in sys.modules), file=sys.stderr)\n"
        "sys.exit(rc)\n"
    )
    env = {key: value for key, value in os.environ.items() if not key.startswith(("GITHUB_", "COMPOSE_"))}
    done = subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, env=env, capture_output=True, text=True, check=False)
    *lines, imported = done.stderr.splitlines()
    return done.returncode, "\n".join(lines), json.loads(imported.replace("'", '"'))


@pytest.mark.slow
def test_a_valid_policy_is_rendered_without_importing_jsonschema(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text("name: shop\nservices:\n  web:\n    build: .\n")
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    (tmp_path / "bakegen.yaml").write_text("version: 1\n")
    assert _imports_of(["render", "--stdout"], tmp_path) == (0, "", ["jsonschema_rs"])
    (tmp_path / "bakegen.yaml").write_text("version: 1\ncache: {backend: gah}\n")
    assert _imports_of(["render", "--stdout"], tmp_path) == (
        2,
        (
            "bakegen.yaml:2:18: error: cache.backend must be one of gha, registry, local, s3, inline, none, "
            "got 'gah'; did you mean 'gha'?"
        ),
        ["jsonschema", "jsonschema_rs"],
    )
