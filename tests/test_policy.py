"""bakegen.yaml: validated against the JSON Schema (the one copy of its rules), with positions."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from bakegen.errors import UserError
from bakegen.policy import load_policy
from bakegen.schema_check import schema_problems
from bakegen.yamlio import load_yaml

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "schema" / "bakegen.schema.json").read_text())

BAD_POLICIES = [
    (
        "version: 1\ncache:\n  backend: gha\n  scoep: shared\n",
        ("p.yaml:4:3: error: unknown key 'scoep' in cache; did you mean 'scope'? (expected one of: backend, "
        "scope, key, mode, ignore_error, export, fallback, default_branch, enabled, ref, s3, local)"),
    ),
    (
        "version: 1\ntargetz: {}\n",
        ("p.yaml:2:1: error: unknown key 'targetz' in the policy; did you mean 'targets'? (expected one of: "
        "version, compose, output, targets, tags, variables, cache, services, fan_out)"),
    ),
    ("version: 2\n", "p.yaml:1:10: error: unsupported policy version 2; this bakegen reads version 1"),
    ("compose: {}\n", "p.yaml:1:1: error: the policy needs 'version: 1'"),
    (
        "version: 1\ncache: {backend: redis}\n",
        ("p.yaml:2:18: error: cache.backend must be one of gha, registry, local, s3, inline, none, got 'redis'; "
        "did you mean 'registry'?"),
    ),
    (
        "version: 1\ncache: {backend: gah}\n",
        ("p.yaml:2:18: error: cache.backend must be one of gha, registry, local, s3, inline, none, got 'gah'; "
        "did you mean 'gha'?"),
    ),
    (
        "version: 1\ncache: {mode: 3}\n",
        "p.yaml:2:15: error: cache.mode must be one of min, max, got a number",
    ),
    (
        'version: "1"\n',
        "p.yaml:1:10: error: policy version must be the number 1, not the string '1'; write 'version: 1' without quotes",
    ),
    ("version: true\n", "p.yaml:1:10: error: unsupported policy version True; this bakegen reads version 1"),
    (
        "version: 1\ncompose: {files: []}\n",
        "p.yaml:2:18: error: compose.files must not be empty",
    ),
    (
        "version: 1\ncache: {fallback: [base, '']}\n",
        "p.yaml:2:26: error: cache.fallback[1] must not be empty",
    ),
    (
        "version: 1\nvariables: {1BAD: x}\n",
        ("p.yaml:2:13: error: variables key '1BAD' is not a valid bake variable name; expected a letter or '_', "
        "then letters, digits and '_'"),
    ),
    (
        "version: 1\nvariables: [TAG]\n",
        "p.yaml:2:12: error: variables must be a mapping, got a list",
    ),
    (
        "version: 1\noutput: {hcl: 3}\n",
        "p.yaml:2:15: error: output.hcl must be a string or null, got a number",
    ),
    (
        "version: 1\ncache: {backend: s3}\n",
        "p.yaml:2:8: error: cache.backend s3 needs cache.s3.bucket",
    ),
    (
        "version: 1\ncache: {backend: s3, s3: {region: x}}\n",
        "p.yaml:2:26: error: cache.s3 needs 'bucket'",
    ),
    (
        "version: 2\ncache: {backnd: x}\n",
        "p.yaml:1:10: error: unsupported policy version 2; this bakegen reads version 1",
    ),
    (
        "version: 1\ncache: {enabled: sometimes}\n",
        "p.yaml:2:18: error: cache.enabled must be ci, always, never or env:NAME, got 'sometimes'",
    ),
    ("version: 1\ntargets: {load: yes please}\n", "p.yaml:2:17: error: targets.load must be true or false, got a string"),
    (
        "version: 1\ntags: [ok, 3]\n",
        "p.yaml:2:12: error: tags[1] must be a string, got a number",
    ),
    (
        "version: 1\ncache: {backend: registry}\n",
        "p.yaml:2:8: error: cache.backend registry needs cache.ref, e.g. 'ghcr.io/acme/cache/{service}'",
    ),
    (
        "version: 1\ncompose: {project: My App}\n",
        ("p.yaml:2:20: error: compose.project must be a compose project name: lower-case letters, digits, '-' "
        "and '_', starting with a letter or digit, got 'My App'"),
    ),
    (
        "version: 1\nservices:\n  web: {cache: {mdoe: min}}\n",
        "p.yaml:3:17: error: unknown key 'mdoe' in services.web.cache; did you mean 'mode'? (expected one of: mode, skip)",
    ),
    (
        "version: 1\ntargets:\n  groups: {default: [a]}\n",
        "p.yaml:3:12: error: targets.groups key 'default' is reserved: bakegen emits group 'default' with every target",
    ),
    (
        "version: 1\noutput: {json: /tmp/x.json}\n",
        "p.yaml:2:16: error: output.json must be a file path relative to the policy's directory, inside it, got '/tmp/x.json'",
    ),
    ("- version\n", "p.yaml:1:1: error: the policy must be a mapping, got a list"),
]


def _load(tmp_path: Path, text: str) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(text)
    load_policy(path, "p.yaml")


@pytest.mark.parametrize(("text", "message"), BAD_POLICIES, ids=[m.split("error: ")[1][:40] for _, m in BAD_POLICIES])
def test_bad_policy_is_one_line_with_position(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(UserError) as raised:
        _load(tmp_path, text)
    assert str(raised.value) == message


@pytest.mark.parametrize(("text", "message"), BAD_POLICIES, ids=[m.split("error: ")[1][:40] for _, m in BAD_POLICIES])
def test_validate_reports_the_same_line(text: str, message: str) -> None:
    # One copy of the rules (the schema) and one wording: `validate` lists what loading stops at.
    problems = [str(problem) for problem in schema_problems(load_yaml(text, "p.yaml"), "p.yaml")]
    assert message + " [schema]" in problems


GOOD_POLICIES = [
    "version: 1\n",
    "version: 1\ncache: {backend: registry, ref: 'ghcr.io/acme/cache/{service}'}\n",
    "version: 1\ncache: {backend: s3, s3: {bucket: b, region: eu-west-1}}\n",
    "version: 1\ncache: {backend: gha, key: '{service}-{branch}', fallback: [base, default, develop]}\n",
    "version: 1\ncache: {local: {dir: .cache, enabled: 'env:USE_DOCKER_CACHE'}, enabled: 'env:CI_CACHE'}\n",
    "version: 1\ntargets: {include: ['*'], exclude: [docs], groups: {backend: [api, 'work*']}, load: false}\n",
    "version: 1\nvariables: {TAG: latest}\ntags: ['{image}', 'ghcr.io/acme/{service}:${TAG}']\n",
    "version: 1\nservices: {web: {skip: false, platforms: [linux/amd64], tags: [x], cache: {mode: min, skip: true}}}\n",
    "version: 1\noutput: {json: ci/docker-bake.json, hcl: ci/docker-bake.hcl}\ncompose: {files: [a.yaml, b.yaml], project: shop, env_files: [.env]}\n",
]


@pytest.mark.parametrize("text", GOOD_POLICIES)
def test_parser_and_schema_accept_good_policies(tmp_path: Path, text: str) -> None:
    _load(tmp_path, text)
    assert schema_problems(load_yaml(text, "p.yaml"), "p.yaml") == []


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def _properties(schema: dict, path: str = "") -> list[tuple[str, dict]]:
    found = []
    for name, prop in schema.get("properties", {}).items():
        found.append((f"{path}{name}", prop))
        found.extend(_properties(prop, f"{path}{name}."))
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        found.extend(_properties(extra, f"{path}*."))
    return found


def test_every_schema_property_has_title_and_description_and_objects_are_closed() -> None:
    for path, prop in _properties(SCHEMA):
        assert prop.get("title") and prop.get("description"), path
        if prop.get("type") == "object" and "properties" in prop:
            assert prop.get("additionalProperties") is False, path
    assert SCHEMA["additionalProperties"] is False


@pytest.mark.parametrize("policy", sorted(ROOT.glob("examples/*/bakegen.yaml")), ids=lambda p: p.parent.name)
def test_example_policies_validate(policy: Path) -> None:
    assert schema_problems(load_yaml(policy.read_bytes(), str(policy)), str(policy)) == []


def test_schema_typo_names_key_line_and_column() -> None:
    text = "version: 1\ncache:\n  backend: gha\n  scoep: shared\n"
    problems = schema_problems(load_yaml(text, "p.yaml"), "p.yaml")
    assert [str(p) for p in problems] == [
        ("p.yaml:4:3: error: unknown key 'scoep' in cache; did you mean 'scope'? (expected one of: backend, "
        "scope, key, mode, ignore_error, export, fallback, default_branch, enabled, ref, s3, local) [schema]")
    ]
