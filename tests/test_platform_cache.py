"""Issue 11, per-platform cache scopes: ``{platform}`` in ``cache.key`` / ``cache.ref``.

The bake file is evaluated by bakegen's evaluator (checked against shared/bake-cases by
tests/test_bake_cases.py). A run names the platform it builds in ``BAKEGEN_PLATFORM``;
unset, it builds every platform of a target at once and ``{platform}`` is ``all``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from shop_example import EXAMPLE, PR, PUSH_MAIN, evaluate
from shop_example import shop_with_policy as shop

from bakegen.cli import main
from bakegen.commands import render as render_command

GOLDEN = Path(__file__).resolve().parent / "golden" / "shop-platform-key.docker-bake.json"
WRITE = {"mode": "max", "ignore-error": "true"}


def rendered(project: Path) -> tuple[bytes, bytes]:
    """The outputs of a full render (header and content hash included; never the fast path)."""
    for name in ("docker-bake.json", "docker-bake.hcl"):
        (project / name).unlink(missing_ok=True)
    assert render_command.run(str(project / "bakegen.yaml"), "write") == 0
    return (project / "docker-bake.json").read_bytes(), (project / "docker-bake.hcl").read_bytes()


PLATFORM_KEY = {'key: "{service}"': 'key: "{service}-{platform}"'}


@pytest.mark.parametrize("hcl", [False, True], ids=["json", "hcl"])
def test_same_target_under_two_platforms_gets_two_scopes(tmp_path: Path, hcl: bool) -> None:
    project = shop(tmp_path, PLATFORM_KEY)
    amd64 = evaluate(project, {**PUSH_MAIN, "BAKEGEN_PLATFORM": "linux/amd64"}, hcl=hcl)
    arm64 = evaluate(project, {**PUSH_MAIN, "BAKEGEN_PLATFORM": "linux/arm64"}, hcl=hcl)
    for name in ("frontend", "orders"):
        assert amd64[name]["platforms"] == ["linux/amd64"]
        assert arm64[name]["platforms"] == ["linux/arm64"]
        assert amd64[name]["cache-from"] == [{"type": "gha", "scope": f"{name}-linux-amd64"}]
        assert arm64[name]["cache-from"] == [{"type": "gha", "scope": f"{name}-linux-arm64"}]
        assert amd64[name]["cache-to"] == [{"type": "gha", "scope": f"{name}-linux-amd64", **WRITE}]
        assert arm64[name]["cache-to"] == [{"type": "gha", "scope": f"{name}-linux-arm64", **WRITE}]
    scopes = {target["cache-to"][0]["scope"] for run in (amd64, arm64) for target in run.values()}
    assert len(scopes) == 2 * len(amd64)


def test_without_a_platform_the_run_builds_each_targets_own_platforms_under_all(tmp_path: Path) -> None:
    project = shop(tmp_path, PLATFORM_KEY)
    targets = evaluate(project, PUSH_MAIN)
    assert targets["frontend"]["platforms"] == ["linux/amd64"]  # compose's platforms
    assert "platforms" not in targets["orders"]  # none in compose: the builder's own
    assert targets["orders"]["cache-to"] == [{"type": "gha", "scope": "orders-all", **WRITE}]
    # The platform is sanitized like a branch: three-part platforms too.
    arm = evaluate(project, {**PUSH_MAIN, "BAKEGEN_PLATFORM": "linux/arm/v7"})
    assert arm["orders"]["cache-from"] == [{"type": "gha", "scope": "orders-linux-arm-v7"}]
    assert arm["orders"]["platforms"] == ["linux/arm/v7"]


def test_branch_key_with_platform_falls_back_per_platform(tmp_path: Path) -> None:
    project = shop(tmp_path, {'key: "{service}"': 'key: "{service}-{branch}-{platform}"'})
    targets = evaluate(project, {**PR, "BAKEGEN_PLATFORM": "linux/arm64"})
    assert targets["orders"]["cache-from"] == [
        {"type": "gha", "scope": "orders-feature-login-page-linux-arm64"},
        {"type": "gha", "scope": "orders-main-linux-arm64"},
    ]


def test_registry_tag_carries_the_platform(tmp_path: Path) -> None:
    project = shop(
        tmp_path, {"  backend: gha\n": "  backend: registry\n  ref: ghcr.io/acme/cache/{service}\n", **PLATFORM_KEY}
    )
    targets = evaluate(project, {**PR, "BAKEGEN_PLATFORM": "linux/arm64"})
    assert targets["orders"]["cache-from"] == [
        {"type": "registry", "ref": "ghcr.io/acme/cache/orders:feature-login-page-linux-arm64"},
        {"type": "registry", "ref": "ghcr.io/acme/cache/orders:main-linux-arm64"},
    ]
    assert targets["orders"]["cache-to"] == [
        {
            "type": "registry",
            "ref": "ghcr.io/acme/cache/orders:feature-login-page-linux-arm64",
            "mode": "max",
            "image-manifest": "true",
            "oci-mediatypes": "true",
            "ignore-error": "true",
        }
    ]


def test_registry_ref_may_place_the_platform_itself(tmp_path: Path) -> None:
    project = shop(tmp_path, {"  backend: gha\n": "  backend: registry\n  ref: ghcr.io/acme/cache/{service}-{platform}\n"})
    targets = evaluate(project, {**PUSH_MAIN, "BAKEGEN_PLATFORM": "linux/amd64"})
    assert targets["orders"]["cache-from"] == [{"type": "registry", "ref": "ghcr.io/acme/cache/orders-linux-amd64:main"}]
    assert targets["orders"]["platforms"] == ["linux/amd64"]


def test_local_backend_directory_carries_the_platform(tmp_path: Path) -> None:
    project = shop(tmp_path, {"  backend: gha\n": "  backend: local\n", **PLATFORM_KEY})
    targets = evaluate(project, {**PUSH_MAIN, "BAKEGEN_PLATFORM": "linux/arm64"})
    assert targets["orders"]["cache-from"] == [{"type": "local", "src": ".cache/buildx/orders-linux-arm64"}]
    assert targets["orders"]["cache-to"] == [
        {"type": "local", "dest": ".cache/buildx/orders-linux-arm64", **WRITE}
    ]


def test_without_platform_in_the_policy_the_output_is_todays(tmp_path: Path) -> None:
    # The committed example is the golden of a policy without {platform}: byte for byte.
    json_bytes, hcl_bytes = rendered(shop(tmp_path, {}))
    assert json_bytes == (EXAMPLE / "docker-bake.json").read_bytes()
    assert hcl_bytes == (EXAMPLE / "docker-bake.hcl").read_bytes()
    assert b"PLATFORM" not in json_bytes


def test_platform_key_golden(tmp_path: Path) -> None:
    # Reviewed by hand: only platforms, the two platform variables and the scopes differ from
    # examples/shop/docker-bake.json.
    assert rendered(shop(tmp_path, PLATFORM_KEY))[0].decode() == GOLDEN.read_text()


def test_platform_is_not_a_tag_placeholder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = shop(tmp_path, {"targets:\n": 'tags: ["acme/{service}:{platform}"]\ntargets:\n'})
    assert main(["render", "--stdout", "-c", str(project / "bakegen.yaml")]) == 2
    err = capsys.readouterr().err
    assert err.endswith(
        "error: unknown placeholder {platform} in tag template; expected one of {branch}, {image}, {project}, {service}\n"
    )


def test_explain_shows_the_platform(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    project = shop(tmp_path, PLATFORM_KEY)
    monkeypatch.chdir(project)
    assert main(["explain", "orders", "--env", "GITHUB_ACTIONS=true", "--env", "GITHUB_REF=refs/heads/main",
                 "--env", "BAKEGEN_PLATFORM=linux/arm64"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[2] == "platform: linux/arm64 (BAKEGEN_PLATFORM); {platform} is linux-arm64"
    assert "  cache-from: type=gha,scope=orders-linux-arm64" in lines
    assert "  platforms:  linux/arm64" in lines
    assert main(["explain", "orders"]) == 0
    assert capsys.readouterr().out.splitlines()[2] == (
        "platform: each target's own, in one build (BAKEGEN_PLATFORM unset); {platform} is all"
    )
    assert main(["explain", "orders", "--json", "--env", "BAKEGEN_PLATFORM=linux/amd64"]) == 0
    assert json.loads(capsys.readouterr().out)["platform"] == {"build": "linux/amd64", "key": "linux-amd64"}
    monkeypatch.chdir(EXAMPLE)
    assert main(["explain", "orders", "--json"]) == 0
    assert "platform" not in json.loads(capsys.readouterr().out)
