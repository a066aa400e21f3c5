"""Issue 13: every image tag, registry cache ref, gha scope, s3 name and local cache directory
the bake file can produce is valid for its consumer, whatever names compose and git allow.

A property test (Hypothesis, fixed seed, bounded examples) renders generated projects with
bakegen, evaluates the bake file with bakegen's evaluator (checked against real buildx in
test_bake_cases.py) under a GitHub Actions push, pull request or tag run, and checks every
emitted name against its grammar (tests/references.py). Shrunk counterexamples found while
developing are fixed cases in ``COUNTEREXAMPLES`` below.
"""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from references import TAG, is_git_branch_name, reference_problem

from bakegen.bake import evaluate
from bakegen.errors import UserError
from bakegen.naming import target_name
from bakegen.pipeline import compile_policy
from bakegen.policy import load_policy
from bakegen.render import render_json


@dataclass(frozen=True)
class Case:
    services: tuple[tuple[str, str | None], ...]  # (service name, explicit image or None)
    tags: tuple[str, ...] | None
    backend: str
    key: str
    ref: str
    branch: str
    base: str
    event: str
    declare_tag: bool = True
    variables: dict[str, str] = field(default_factory=dict)


def _yaml(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_project(root: Path, case: Case) -> Path:
    compose = ["name: shop", "services:"]
    for name, image in case.services:
        compose += [f"  {_yaml(name)}:", "    build: ."]
        if image is not None:
            compose.append(f"    image: {_yaml(image)}")
    (root / "compose.yaml").write_text("\n".join(compose) + "\n", encoding="utf-8")
    (root / "Dockerfile").write_text("FROM scratch\n", encoding="utf-8")
    policy = ["version: 1", "compose: {files: [compose.yaml]}"]
    if case.tags is not None:
        policy.append("tags: [" + ", ".join(_yaml(tag) for tag in case.tags) + "]")
    variables = dict(case.variables)
    if case.declare_tag:
        variables.setdefault("TAG", "1.0")
    variables.setdefault("OWNER", "acme")  # the environment sets it upper case: Acme-Corp
    if variables:
        policy.append("variables: {" + ", ".join(f"{k}: {_yaml(v)}" for k, v in variables.items()) + "}")
    policy += ["cache:", f"  backend: {case.backend}", f"  key: {_yaml(case.key)}"]
    if case.backend == "registry":
        policy.append(f"  ref: {_yaml(case.ref)}")
    if case.backend == "s3":
        policy += ["  s3: {bucket: acme-cache, region: eu-west-1}"]
    if case.backend == "local":
        policy += ["  enabled: always", "  local: {dir: .cache/buildx}"]
    (root / "bakegen.yaml").write_text("\n".join(policy) + "\n", encoding="utf-8")
    return root / "bakegen.yaml"


def environment(case: Case) -> dict[str, str]:
    ci = {"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "Acme-Corp/shop", "OWNER": "Acme-Corp"}
    if case.event == "push":
        return {**ci, "GITHUB_EVENT_NAME": "push", "GITHUB_REF_NAME": case.branch, "GITHUB_REF": f"refs/heads/{case.branch}"}
    if case.event == "tag":
        return {**ci, "GITHUB_EVENT_NAME": "push", "GITHUB_REF_TYPE": "tag", "GITHUB_REF_NAME": case.branch,
                "GITHUB_REF": f"refs/tags/{case.branch}"}
    return {**ci, "GITHUB_EVENT_NAME": "pull_request", "GITHUB_REF_NAME": "42/merge", "GITHUB_REF": "refs/pull/42/merge",
            "GITHUB_HEAD_REF": case.branch, "GITHUB_BASE_REF": case.base}


def _name_problem(text: str) -> str | None:
    """gha scopes, s3 names and cache directories: non-empty, no separator at either end
    (the generated templates never put one there, so one there is an empty branch slug)."""
    if not text or text[0] in "-." or text[-1] in "-.":
        return f"empty part in {text!r}"
    return None


def problems(targets: dict[str, Any]) -> list[str]:
    found = []
    for name, target in targets.items():
        for tag in target.get("tags", []):
            if (problem := reference_problem(tag)) is not None:
                found.append(f"{name}: tag {tag!r}: {problem}")
        for key in ("cache-from", "cache-to"):
            for entry in target.get(key, []):
                kind = entry["type"]
                if kind == "registry":
                    problem = reference_problem(entry["ref"], tag_required=True)
                elif kind == "gha":
                    problem = _name_problem(entry["scope"])
                elif kind == "s3":
                    problem = _name_problem(entry["name"])
                elif kind == "local":
                    path = (entry.get("src") or entry.get("dest") or "").removeprefix(".cache/buildx/")
                    problem = next(filter(None, map(_name_problem, path.split("/"))), None)
                else:
                    problem = None
                if problem is not None:
                    found.append(f"{name}: {key} {entry}: {problem}")
    return found


def undeclared_variables(text: str) -> list[str]:
    """Variables some ``${…}`` of the bake file reads that its ``variable`` block does not declare
    (every branch of every conditional, not only the one an environment takes)."""
    import json

    from bakegen.bake.diagnostics import Pos
    from bakegen.bake.parser import parse_template

    bake = json.loads(text)
    declared = set(bake.get("variable", {})) | {"BAKE_CMD_CONTEXT", "BAKE_LOCAL_PLATFORM"}
    found: list[str] = []
    stack: list[Any] = [bake]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, str) and "${" in value:
            names = parse_template(value, "docker-bake.json", Pos(1, 1)).variables()
            found += [name for name in names if name not in declared and name not in found]
    return found


def refusal_reasons(case: Case) -> list[str]:
    """Inputs bakegen cannot make valid: ``render`` must refuse naming one of these."""
    reasons = []
    uses_image = case.tags is None or "{image}" in case.tags
    for name, image in case.services:
        if uses_image and image is not None and reference_problem(image) is not None:
            reasons.append(image)
        if uses_image and image is None and reference_problem(f"shop-{name}") is not None:
            reasons.append(name)
    if not case.declare_tag and any("${TAG}" in tag for tag in case.tags or ()):
        reasons.append("TAG")
    tag_parts = [tag.rpartition(":")[2] for tag in case.tags or () if tag != "{image}"]
    if case.backend == "registry" and "{service}" not in case.ref:
        tag_parts.append("{service}-{branch}")
    for template in tag_parts:
        for name, _ in case.services:
            if len(template.replace("{branch}", "b" * 64).replace("{service}", name)) > 128:
                reasons.append(name)  # too long a tag for a long branch name
    names = [tag.rpartition(":")[0] for tag in case.tags or () if tag != "{image}"]
    if case.backend == "registry":
        names.append(case.ref)
    for template in names:
        if "{branch}" in template:
            reasons.append("{branch}")  # a branch slug is a valid tag, not a valid repository name
        for name, _ in case.services:
            static = template.replace("{service}", name.lower()).replace("{project}", "shop").replace("${OWNER}", "o")
            if reference_problem(static) is not None:
                reasons.append(name)
    return reasons


def check(case: Case) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = write_project(Path(directory), case)
        reasons = refusal_reasons(case)
        try:
            text = render_json(compile_policy(load_policy(path, "bakegen.yaml"))).decode()
        except UserError as error:
            message = str(error)
            assert "\n" not in message
            assert any(reason in message for reason in reasons), (message, reasons)
            return
        assert not reasons, f"rendered although {reasons} cannot be made valid"
        assert undeclared_variables(text) == []
        targets = evaluate([("docker-bake.json", text)], environment(case), [], cwd=directory)["target"]
    assert problems(targets) == []


# ------------------------------------------------------------------------------- strategies

SERVICE = st.one_of(
    st.sampled_from(["api", "Api", "WEB.v2", "db_migrate", "x-" + "Y" * 70]),
    st.from_regex(r"[a-z0-9][a-z0-9._-]{0,14}", fullmatch=True),
    st.from_regex(r"[a-zA-Z0-9][a-zA-Z0-9._-]{0,14}", fullmatch=True),
)
IMAGE = st.one_of(
    st.none(),
    st.none(),
    st.sampled_from(["ghcr.io/acme/api:1.0", "localhost:5000/shop/web", "Acme/App", "api:", "registry.example/a/b"]),
    st.from_regex(r"([a-z0-9.-]{1,12}(:[0-9]{2,4})?/)?[a-zA-Z0-9][a-zA-Z0-9._/-]{0,12}(:[a-zA-Z0-9_][a-zA-Z0-9._-]{0,8})?",
                  fullmatch=True),
)
HOST = st.sampled_from(["ghcr.io/acme", "localhost:5000", "registry.example/team", "ghcr.io/${OWNER}"])
COMPONENT = st.sampled_from(["{service}", "{project}", "{branch}", "cache", "{project}-{service}"])
TAG_PART = st.sampled_from(["{branch}", "{service}", "latest", "${TAG}", "{branch}-{service}", "{service}-{branch}"])
POLICY_TAG = st.one_of(
    st.just("{image}"),
    st.builds(lambda host, component, tag: f"{host}/{component}:{tag}", HOST, COMPONENT, TAG_PART),
)
KEY = st.sampled_from(["{service}", "{service}-{branch}", "{project}-{service}-{branch}", "{branch}-{service}"])
REF = st.sampled_from(
    ["registry.example/cache/{service}", "registry.example/cache", "localhost:5000/{project}/{service}",
     "ghcr.io/acme/{project}-{service}", "ghcr.io/acme/{branch}/{service}", "ghcr.io/${OWNER}/cache/{service}"]
)
BRANCH = st.one_of(
    st.sampled_from(["#", "é", "日本", "@", "+/#", "Feature/ABC_def--x", "123/merge", "_x", "a" * 63 + "/b",
                     "dependabot/npm_and_yarn/@types/node-20.1.0", "release/1.0.", "-a".strip("-") + "#.#"]),
    st.text(alphabet="aZ09-._/#@+éü日", min_size=1, max_size=16),
).filter(is_git_branch_name)


@st.composite
def cases(draw: Any) -> Case:
    names = draw(st.lists(SERVICE, min_size=1, max_size=3, unique_by=lambda n: target_name(n).lower()))
    services = tuple((name, draw(IMAGE)) for name in names)
    tags = draw(st.one_of(st.none(), st.lists(POLICY_TAG, min_size=1, max_size=2, unique=True).map(tuple)))
    return Case(
        services=services,
        tags=tags,
        backend=draw(st.sampled_from(["gha", "registry", "local", "s3"])),
        key=draw(KEY),
        ref=draw(REF),
        branch=draw(BRANCH),
        base=draw(BRANCH),
        event=draw(st.sampled_from(["push", "pull_request", "tag"])),
        declare_tag=draw(st.booleans()),
    )


@settings(max_examples=60, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_every_emitted_reference_is_valid(case: Case) -> None:
    check(case)


# ------------------------------------------------------------- fixed cases (shrunk examples)

def _case(services: tuple[tuple[str, str | None], ...], **changes: Any) -> Case:
    base: dict[str, Any] = {
        "tags": None, "backend": "gha", "key": "{service}", "ref": "registry.example/cache/{service}",
        "branch": "main", "base": "main", "event": "push", "declare_tag": True,
    }
    return Case(services=services, **{**base, **changes})


COUNTEREXAMPLES = [
    # Found on the code before issue 13 (the first two are the inputs):
    pytest.param(_case((("Api", "registry.example/api"),), backend="registry"), id="upper-case-service-registry-ref"),
    pytest.param(_case((("api", None),), backend="registry", branch="#"), id="branch-sanitizes-to-nothing-registry"),
    pytest.param(_case((("api", None),), key="{service}-{branch}", branch="#", base="#"), id="branch-#-gha-scope"),
    pytest.param(_case((("api", None),), key="{service}-{branch}", branch="\u00e9", event="pull_request"),
                 id="branch-non-ascii-gha-scope-pr"),
    pytest.param(_case((("A", None),), branch="0", base="0"), id="implicit-image-upper-case-refused"),
    pytest.param(_case((("api", None),), tags=("ghcr.io/acme/{service}:${TAG}",), declare_tag=False),
                 id="undeclared-tag-variable-refused"),
    # Found while developing the fix:
    pytest.param(_case((("api", None), ("WEB.v2", None), ("0_", None)), tags=("ghcr.io/acme/{service}:{branch}",),
                       branch="#", base="#"), id="service-not-a-path-component-refused"),
    pytest.param(_case((("api", None),), tags=("ghcr.io/acme/{branch}:{branch}",), branch="_x", base="#"),
                 id="branch-in-image-name-refused"),
    pytest.param(_case((("x-" + "Y" * 70, None),), tags=("ghcr.io/acme/{service}:{branch}-{service}",)),
                 id="tag-too-long-for-a-long-branch-refused"),
    pytest.param(_case((("api", None),), tags=("ghcr.io/${OWNER}/{service}:latest",), backend="registry",
                       ref="ghcr.io/${OWNER}/cache/{service}"), id="upper-case-variable-in-image-name"),
]


@pytest.mark.parametrize("case", COUNTEREXAMPLES)
def test_counterexample(case: Case) -> None:
    check(case)


# --------------------------------------------------------------------------- the grammars

@pytest.mark.parametrize(
    ("name", "valid"),
    [("#", True), ("é", True), ("ü/ß", True), ("日本", True), ("@", True), ("a@b", True), ("Feature/ABC", True),
     ("123/merge", True), ("a..b", False), ("-x", False), ("HEAD", False), ("a@{b", False), ("a.lock", False),
     ("x/.y", False), ("a/", False), ("a b", False), ("a:b", False), ("x.", False), (".a", False),
     ("a/b.lock/c", False), ("a~", False), ("a\\b", False), ("a//b", False), ("a?", False), ("a[b", False)],
)
def test_branch_name_rules_agree_with_git(name: str, valid: bool) -> None:
    assert is_git_branch_name(name) is valid
    result = subprocess.run(["git", "check-ref-format", "--branch", name], capture_output=True, check=False)
    assert (result.returncode == 0) is valid


@pytest.mark.parametrize(
    ("reference", "problem"),
    [
        ("ghcr.io/acme/api:1.0", None),
        ("localhost:5000/shop/api:main", None),
        ("shop-api", None),
        ("registry.example/cache/api:feature-x_y", None),
        ("registry.example/cache/Api:main", "invalid repository path 'cache/Api'"),
        ("registry.example/cache/api:", "invalid tag ''"),
        ("shop-Api", "invalid repository path 'shop-Api'"),
        ("Acme/app", "invalid repository path 'Acme/app'"),
        ("a/b:-x", "invalid tag '-x'"),
        ("a/b:" + "x" * 129, "invalid tag '" + "x" * 129 + "'"),
        ("a//b", "invalid repository path 'a//b'"),
        ("a--b__c.d", None),
        ("a___b", "invalid repository path 'a___b'"),
    ],
)
def test_reference_grammar(reference: str, problem: str | None) -> None:
    assert reference_problem(reference) == problem
    assert TAG.fullmatch("_x") and not TAG.fullmatch(".x")
