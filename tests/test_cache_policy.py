"""Issue 4's acceptance: what buildx makes of the example's cache policy, per environment.

The bake file is evaluated by bakegen's evaluator, which reproduces real buildx's --print
(tests/test_bake_cases.py checks it against shared/bake-cases).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from shop_example import EXAMPLE, PR, PUSH_MAIN, evaluate
from shop_example import shop_with_policy as with_policy

TARGETS = ["frontend", "gateway", "migrate", "orders", "payments"]

DEPENDABOT = "dependabot/npm_and_yarn/@types/node-20.1.0"
PUSH = {
    "GITHUB_ACTIONS": "true",
    "GITHUB_EVENT_NAME": "push",
    "GITHUB_REF_NAME": DEPENDABOT,
    "GITHUB_REF": f"refs/heads/{DEPENDABOT}",
}


def gha(scope: str, **options: str) -> dict[str, str]:
    return {"type": "gha", "scope": scope, **options}


def test_pull_request_every_target_has_its_own_scope_read_first_and_written() -> None:
    targets = evaluate(EXAMPLE, PR)
    assert sorted(targets) == TARGETS
    for name, target in targets.items():
        assert target["cache-from"] == [gha(name)]
        assert target["cache-to"] == [gha(name, mode="max", **{"ignore-error": "true"})]
        assert target["output"] == [{"type": "docker"}]
    scopes = [target["cache-to"][0]["scope"] for target in targets.values()]
    assert len(set(scopes)) == len(scopes)


def test_pull_request_with_branch_key_falls_back_to_main(tmp_path: Path) -> None:
    project = with_policy(tmp_path, {'key: "{service}"': 'key: "{service}-{branch}"'})
    targets = evaluate(project, PR)
    for name, target in targets.items():
        assert target["cache-from"] == [gha(f"{name}-feature-login-page"), gha(f"{name}-main")]
        assert target["cache-to"] == [gha(f"{name}-feature-login-page", mode="max", **{"ignore-error": "true"})]


def test_branch_key_on_a_pr_into_develop_reads_base_then_default(tmp_path: Path) -> None:
    project = with_policy(tmp_path, {'key: "{service}"': 'key: "{service}-{branch}"'})
    targets = evaluate(project, {**PR, "GITHUB_BASE_REF": "release/2.0"})
    assert targets["orders"]["cache-from"] == [
        gha("orders-feature-login-page"),
        gha("orders-release-2.0"),
        gha("orders-main"),
    ]


def test_push_of_a_dependabot_branch_has_no_slash_or_at_in_scopes_or_branch_tags(tmp_path: Path) -> None:
    project = with_policy(
        tmp_path,
        {'key: "{service}"': 'key: "{service}-{branch}"', "version: 1\n": "version: 1\ntags: ['{image}', 'ghcr.io/acme/{service}:{branch}']\n"},
    )
    targets = evaluate(project, PUSH)
    slug = "dependabot-npm_and_yarn-types-node-20.1.0"
    for name, target in targets.items():
        scopes = [entry["scope"] for entry in target["cache-from"] + target["cache-to"]]
        assert scopes == [f"{name}-{slug}", f"{name}-main", f"{name}-{slug}"]
        assert target["tags"][-1] == f"ghcr.io/acme/{name}:{slug}"
        tag_parts = [tag.rsplit("/", 1)[-1].partition(":")[2] for tag in target["tags"]]
        for value in scopes + tag_parts:
            assert "/" not in value and "@" not in value


def test_locally_there_is_no_gha_entry_at_all() -> None:
    for name, target in evaluate(EXAMPLE, {}).items():
        assert "cache-from" not in target and "cache-to" not in target, name
        assert target["output"] == [{"type": "docker"}]


def test_local_cache_switch_uses_a_directory_outside_ci() -> None:
    targets = evaluate(EXAMPLE, {"USE_DOCKER_CACHE": "true"})
    assert targets["orders"]["cache-from"] == [{"type": "local", "src": ".cache/buildx/orders"}]
    assert targets["orders"]["cache-to"] == [{"type": "local", "dest": ".cache/buildx/orders", "mode": "max"}]


def test_export_default_branch_only_writes_on_pushes_to_main(tmp_path: Path) -> None:
    project = with_policy(tmp_path, {"  mode: max\n": "  mode: max\n  export: default-branch\n"})
    assert "cache-to" not in evaluate(project, PR)["orders"]
    assert evaluate(project, PR)["orders"]["cache-from"] == [gha("orders")]
    assert evaluate(project, PUSH_MAIN)["orders"]["cache-to"] == [gha("orders", mode="max", **{"ignore-error": "true"})]


def test_registry_reads_own_then_default_and_writes_own(tmp_path: Path) -> None:
    project = with_policy(
        tmp_path, {"  backend: gha\n": "  backend: registry\n  ref: ghcr.io/acme/cache/{service}\n", 'key: "{service}"': 'key: "{service}"'}
    )
    targets = evaluate(project, PR)
    assert targets["orders"]["cache-from"] == [
        {"type": "registry", "ref": "ghcr.io/acme/cache/orders:feature-login-page"},
        {"type": "registry", "ref": "ghcr.io/acme/cache/orders:main"},
    ]
    assert targets["orders"]["cache-to"] == [
        {
            "type": "registry",
            "ref": "ghcr.io/acme/cache/orders:feature-login-page",
            "mode": "max",
            "image-manifest": "true",
            "oci-mediatypes": "true",
            "ignore-error": "true",
        }
    ]


@pytest.mark.parametrize("env", [{}, PR, PUSH, {"USE_DOCKER_CACHE": "1", "TAG": "v2", "DOCKERFILE_SUFFIX": "-local"}], ids=["local", "pr", "push", "vars"])
def test_hcl_output_evaluates_to_the_same_targets_as_json(env: dict[str, str]) -> None:
    assert evaluate(EXAMPLE, env, hcl=True) == evaluate(EXAMPLE, env)


def test_expand_key_with_a_shared_memo_checks_each_expansion_that_holds_an_expression() -> None:
    from bakegen.cache import Checked, References, expand_key
    from bakegen.errors import UserError

    checked: Checked = {}
    used: References = {}

    def expand(template: str, **values: str) -> str:
        return expand_key(template, values, "cache.key", None, used, checked)

    assert expand("{service}-{branch}", service="api", branch="main") == "api-main"
    assert expand("{service}-{branch}", service="web", branch="dev") == "web-dev"
    assert used == {}
    assert expand("{service}-{branch}", service="api", branch="${BAKEGEN_BRANCH}") == "api-${BAKEGEN_BRANCH}"
    assert used == {"BAKEGEN_BRANCH": ("cache.key", "{service}-{branch}", None)}
    # An expansion that is not a valid bake template is refused, even after valid ones.
    with pytest.raises(UserError) as error:
        expand("{service}-{branch}", service="api", branch="${")
    assert error.value.message == (
        "cache.key '{service}-{branch}' is not a valid bake template: Unclosed template interpolation sequence; "
        "There is no closing brace for this interpolation sequence before the end of the file. This might be "
        "caused by incorrect nesting inside the given expression."
    )
    # A refused template is refused every time (errors are not remembered as passed).
    for _ in range(2):
        with pytest.raises(UserError) as error:
            expand("{service}}", service="api")
        assert error.value.message == (
            "cache.key '{service}}' has an unbalanced '{' or '}'; placeholders look like {service} and bake "
            "expressions like ${NAME}"
        )
