"""Names as compose and buildx spell them; the branch slug twin of the bake expression."""

import pytest

from bakegen.naming import branch_slug, normalize_project_name, reference_problem, target_name


@pytest.mark.parametrize(
    ("branch", "slug"),
    [
        # The three inputs BAKE-FACTS.md verified against real buildx.
        ("Feature/ABC_def--x", "feature-abc_def--x"),
        ("dependabot/npm_and_yarn/@types/node-20.1.0", "dependabot-npm_and_yarn-types-node-20.1.0"),
        ("feature/Login-Page", "feature-login-page"),
        ("main", "main"),
        ("-lead/trail-", "lead-trail"),
        ("..hidden", "hidden"),
        ("caf\u00e9/menu", "caf-menu"),
        ("a" * 63 + "/b", "a" * 63),  # cut at 64 leaves a trailing '-', trimmed after
        # Nothing left: the first 12 hex digits of the sha256 of the name (issue 13).
        ("#", "334359b90efe"),
        ("\u00e9", "4a99557e4033"),
        ("\u1100\u1161", "64ee5293d31b"),  # cty normalizes strings to NFC (U+AC00) before hashing
        ("-.#.-", "75c2c66c1f1d"),
    ],
)
def test_branch_slug(branch: str, slug: str) -> None:
    assert branch_slug(branch) == slug


@pytest.mark.parametrize(
    ("name", "normalized"),
    [("shop", "shop"), ("Demo_Proj", "demo_proj"), ("my.app", "myapp"), ("_x-Y", "x-y"), ("--", "")],
)
def test_normalize_project_name(name: str, normalized: str) -> None:
    assert normalize_project_name(name) == normalized


def test_target_name_replaces_dots() -> None:
    assert target_name("web.api") == "web_api"
    assert target_name("web-api_2") == "web-api_2"


@pytest.mark.parametrize(
    ("reference", "problem"),
    [
        ("ghcr.io/acme/api:1.0", None),
        ("localhost:5000/shop/api:main", None),
        ("shop-api", None),
        ("a--b__c/e_f:_x", None),
        ("registry.example/cache/Api:main", "the repository name must be lower case"),
        ("shop-Api", "the repository name must be lower case"),
        ("Acme/app", "the repository name must be lower case"),
        ("registry.example/cache/api:", "the tag is empty"),
        ("a/b:" + "x" * 129, "the tag is longer than 128 characters"),
        ("a/b:-x", "the tag must match [A-Za-z0-9_][A-Za-z0-9._-]*"),
        ("a/web_", "the repository name must be components of [a-z0-9] joined by '.', '_', '__' or '-', separated by '/'"),
        ("a/b..c", "the repository name must be components of [a-z0-9] joined by '.', '_', '__' or '-', separated by '/'"),
        ("-bad.io/a", "the registry host is not a valid host name"),
        ("a/" + "b" * 254, "the name is longer than 255 characters"),
        # compose passes `image: app@sha256:…` on as a build tag (the sweep and the fuzzer saw
        # it); the message blamed the repository name.
        ("app@sha256:" + "0" * 64, "a digest (@…) names an existing image and cannot be a tag to build"),
    ],
)
def test_reference_problem(reference: str, problem: str | None) -> None:
    assert reference_problem(reference) == problem
