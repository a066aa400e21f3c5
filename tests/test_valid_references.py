"""Issue 13, fixed cases: the names compose and git allow give valid references, or `render`
refuses with one line naming the input and the fix; every variable the output reads is declared."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from bakegen.bake import evaluate
from bakegen.cli import main
from bakegen.naming import branch_slug

PUSH = {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "push"}


def project(tmp_path: Path, compose: str, policy: str) -> Path:
    (tmp_path / "compose.yaml").write_text("name: shop\n" + compose)
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    (tmp_path / "bakegen.yaml").write_text("version: 1\ncompose: {files: [compose.yaml]}\n" + policy)
    return tmp_path


def render(root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    monkeypatch.chdir(root)
    code = main(["render"])
    return code, capsys.readouterr().err


def targets(root: Path, env: dict[str, str]) -> dict[str, Any]:
    text = (root / "docker-bake.json").read_text()
    return evaluate([("docker-bake.json", text)], env, [], cwd=str(root))["target"]  # type: ignore[no-any-return]


def push(branch: str) -> dict[str, str]:
    return {**PUSH, "GITHUB_REF_NAME": branch, "GITHUB_REF": f"refs/heads/{branch}"}


def pull_request(head: str, base: str) -> dict[str, str]:
    return {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "pull_request", "GITHUB_REF_NAME": "7/merge",
            "GITHUB_REF": "refs/pull/7/merge", "GITHUB_HEAD_REF": head, "GITHUB_BASE_REF": base}


REGISTRY = 'cache:\n  backend: registry\n  ref: "registry.example/cache/{service}"\n'
API_UPPER = "services:\n  Api:\n    build: .\n    image: registry.example/api\n"


def test_upper_case_service_gets_a_lower_case_registry_ref(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = project(tmp_path, API_UPPER, REGISTRY)
    assert render(root, monkeypatch, capsys) == (0, "bakegen: wrote docker-bake.json\n")
    target = targets(root, push("main"))["Api"]
    assert target["tags"] == ["registry.example/api"]
    assert target["cache-from"] == [{"type": "registry", "ref": "registry.example/cache/api:main"}]
    assert target["cache-to"] == [{"type": "registry", "ref": "registry.example/cache/api:main", "mode": "max",
                                   "image-manifest": "true", "oci-mediatypes": "true", "ignore-error": "true"}]


@pytest.mark.parametrize("branch", ["#", "\u00e9", "\u65e5\u672c", "+/#"])
def test_a_branch_that_sanitizes_to_nothing_gets_a_hash(
    branch: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = project(tmp_path, "services:\n  api:\n    build: .\n    image: acme/api\n", REGISTRY)
    assert render(root, monkeypatch, capsys) == (0, "bakegen: wrote docker-bake.json\n")
    digest = hashlib.sha256(branch.encode()).hexdigest()[:12]
    assert branch_slug(branch) == digest
    for env in (push(branch), pull_request(branch, "main")):
        assert targets(root, env)["api"]["cache-from"] == [
            {"type": "registry", "ref": f"registry.example/cache/api:{digest}"},
            {"type": "registry", "ref": "registry.example/cache/api:main"},
        ]


def test_gha_scopes_of_two_such_branches_differ(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = project(tmp_path, "services:\n  api:\n    build: .\n", 'cache:\n  key: "{service}-{branch}"\n')
    assert render(root, monkeypatch, capsys) == (0, "bakegen: wrote docker-bake.json\n")
    scopes = [targets(root, pull_request(head, "#"))["api"]["cache-to"][0]["scope"] for head in ("#", "\u00e9")]
    assert scopes == ["api-" + branch_slug("#"), "api-" + branch_slug("\u00e9")]
    assert branch_slug("#") != branch_slug("\u00e9")
    # The PR's base branch `#` gets the same slug as a push of `#` wrote.
    assert targets(root, pull_request("x", "#"))["api"]["cache-from"][1] == {"type": "gha", "scope": scopes[0]}


@pytest.mark.parametrize(
    "branch",
    ["Feature/ABC_def--x", "dependabot/npm_and_yarn/@types/node-20.1.0", "a" * 63 + "/b", "#", "-.#.-", "_x", "\u00e9t\u00e9", "\u1100\u1161"],
)
def test_the_bake_slug_and_its_python_twin_agree(
    branch: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = project(tmp_path, "services:\n  api:\n    build: .\n", 'tags: ["acme/{service}:{branch}"]\ncache: {backend: none}\n')
    assert render(root, monkeypatch, capsys) == (0, "bakegen: wrote docker-bake.json\n")
    assert targets(root, push(branch))["api"]["tags"] == [f"acme/api:{branch_slug(branch)}"]


@pytest.mark.parametrize(
    ("compose", "policy", "message"),
    [
        pytest.param(
            "services:\n  Api:\n    build: .\n", "",
            "compose.yaml:3:3: error: service 'Api' gets the image name '${BAKEGEN_PROJECT}-Api' from compose, which is "
            "not a valid image reference: the repository name must be lower case; give the service a valid "
            "image: in the compose file",
            id="implicit-image-upper-case",
        ),
        pytest.param(
            "services:\n  api:\n    build: .\n    image: Acme/API\n", "",
            "compose.yaml:5:12: error: service 'api' gets the image name 'Acme/API' from compose, which is not a valid "
            "image reference: the repository name must be lower case; give the service a valid image: in "
            "the compose file",
            id="explicit-image-upper-case",
        ),
        pytest.param(
            "services:\n  api:\n    build: .\n", 'tags: ["ghcr.io/acme/{service}:${TAG}"]\n',
            "bakegen.yaml:3:8: error: tag template 'ghcr.io/acme/{service}:${TAG}' reads the variable TAG, which the "
            'bake file would not declare; declare it in bakegen.yaml, e.g. variables: {TAG: ""}',
            id="undeclared-tag-variable",
        ),
        pytest.param(
            "services:\n  api:\n    build: .\n",
            'cache:\n  backend: s3\n  s3: {bucket: acme-cache, access_key_id: "${AWS_KEY}"}\n',
            "bakegen.yaml:5:7: error: cache.s3.access_key_id '${AWS_KEY}' reads the variable AWS_KEY, which the bake "
            'file would not declare; declare it in bakegen.yaml, e.g. variables: {AWS_KEY: ""}',
            id="undeclared-s3-variable",
        ),
        pytest.param(
            "services:\n  api:\n    build: .\n",
            'cache:\n  backend: registry\n  ref: "registry.example/{branch}/{service}"\n',
            "bakegen.yaml:5:8: error: cache.ref 'registry.example/{branch}/{service}' puts {branch} in the image name, "
            "where branch names such as '_x' or 'a..b' are not valid; put {branch} in the tag, after the ':'",
            id="branch-in-ref",
        ),
        pytest.param(
            "services:\n  api:\n    build: .\n", 'cache:\n  key: "{service},mode=min"\n',
            "bakegen.yaml:4:8: error: cache.key '{service},mode=min' must not contain ','; in a cache entry it would "
            "start another option",
            id="comma-in-cache-key",
        ),
        pytest.param(
            "services:\n  api:\n    build: .\n", 'tags: ["ghcr.io/Acme/{service}:latest"]\n',
            "bakegen.yaml:3:8: error: tag template 'ghcr.io/Acme/{service}:latest' gives service 'api' the tag "
            "'ghcr.io/Acme/api:latest', which is not a valid image reference: the repository name must be "
            "lower case",
            id="upper-case-literal-in-tag",
        ),
        pytest.param(
            "services:\n  Api:\n    build: .\n    image: a/api\n  api:\n    build: .\n    image: a/api2\n", REGISTRY,
            "bakegen.yaml:5:8: error: cache.ref 'registry.example/cache/{service}' gives services 'Api' and 'api' the "
            "same cache ref (registry names are lower case); rename one of the services",
            id="services-differing-in-case",
        ),
        pytest.param(
            "services:\n  web_:\n    build: .\n    image: a/web\n", REGISTRY,
            "bakegen.yaml:5:8: error: cache.ref 'registry.example/cache/{service}' gives service 'web_' the cache ref "
            "'registry.example/cache/web_:${BAKEGEN_BRANCH}', which is not a valid image reference: the repository "
            "name must be components of [a-z0-9] joined by '.', '_', '__' or '-', separated by '/'",
            id="service-not-a-path-component",
        ),
    ],
)
def test_render_refuses_what_it_cannot_make_valid(
    compose: str, policy: str, message: str,
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    root = project(tmp_path, compose, policy)
    assert render(root, monkeypatch, capsys) == (2, message + "\n")
    assert not (root / "docker-bake.json").exists()


def test_hcl_output_gives_the_same_hash_fallback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = project(tmp_path, "services:\n  api:\n    build: .\n    image: acme/api\n",
                   REGISTRY + "output: {json: docker-bake.json, hcl: docker-bake.hcl}\n")
    assert render(root, monkeypatch, capsys)[0] == 0
    env = pull_request("\u00e9", "#")
    hcl = (root / "docker-bake.hcl").read_text()
    assert evaluate([("docker-bake.hcl", hcl)], env, [], cwd=str(root))["target"] == targets(root, env)
    assert targets(root, env)["api"]["cache-from"] == [
        {"type": "registry", "ref": "registry.example/cache/api:4a99557e4033"},
        {"type": "registry", "ref": "registry.example/cache/api:334359b90efe"},
        {"type": "registry", "ref": "registry.example/cache/api:main"},
    ]


@pytest.mark.parametrize("output", ["docker-bake.json", "docker-bake.hcl"])
def test_a_variable_in_an_image_name_is_lower_cased_at_build_time(
    output: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = (
        'tags: ["ghcr.io/${OWNER}/{service}:${TAG}"]\nvariables: {OWNER: acme, TAG: "1.0"}\n'
        'cache:\n  backend: registry\n  ref: "ghcr.io/${OWNER}/cache/{service}"\n'
        "output: {json: docker-bake.json, hcl: docker-bake.hcl}\n"
    )
    root = project(tmp_path, "services:\n  Api:\n    build: .\n    image: acme/api\n", policy)
    assert render(root, monkeypatch, capsys)[0] == 0
    env = {**push("main"), "OWNER": "Acme-Corp", "TAG": "V1"}
    target = evaluate([(output, (root / output).read_text())], env, [], cwd=str(root))["target"]["Api"]
    assert target["tags"] == ["ghcr.io/acme-corp/api:V1"]
    assert target["cache-from"] == [{"type": "registry", "ref": "ghcr.io/acme-corp/cache/api:main"}]
