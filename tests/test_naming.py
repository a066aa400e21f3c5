"""Names as compose and buildx spell them; the branch slug twin of the bake expression."""

import pytest

from bakegen.naming import branch_slug, normalize_project_name, target_name


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
