"""`bakegen explain`: what buildx will build under a given environment.

The bake file bakegen would write is evaluated by ``bakegen.bake`` exactly as
``docker buildx bake --print`` evaluates it (checked against shared/bake-cases). Only the
``--env`` values are the environment: nothing leaks in from the shell running explain.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from bakegen.errors import UserError
from bakegen.files import display_path
from bakegen.naming import target_name
from bakegen.policy import Policy, load_policy

# What a target is shown with, in this order: what the policy adds (tags, cache, output), then
# what compose's build section gives (where and what it builds, then what the build may reach).
_SHOWN_KEYS = (
    "tags", "cache-from", "cache-to", "output", "platforms",
    "context", "dockerfile", "target", "args", "pull", "secret", "ssh", "network", "contexts",
)


def parse_env(pairs: list[str]) -> dict[str, str]:
    env: dict[str, str] = {}
    for pair in pairs:
        name, separator, value = pair.partition("=")
        if not separator or not name:
            raise UserError(f"--env expects NAME=VALUE, got '{pair}'")
        env[name] = value
    return env


def run(config: str, services: list[str], env_pairs: list[str], *, as_json: bool) -> int:
    from bakegen.bake import BakeError, evaluate
    from bakegen.pipeline import compile_policy
    from bakegen.render import render_json

    env = parse_env(env_pairs)
    policy_path = Path(config)
    policy = load_policy(policy_path, display_path(policy_path))
    bake = compile_policy(policy)
    names = [target_name(service) for service in services]
    for service, name in zip(services, names):
        if name not in bake["target"]:
            known = ", ".join(sorted(bake["target"]))
            raise UserError(f"unknown target '{service}'; the bake file has: {known}")
    try:
        printed = evaluate(
            [(Path(policy.output_json).name, render_json(bake).decode("utf-8"))],
            env,
            names,
            cwd=str(policy.root / Path(policy.output_json).parent),
        )
    except BakeError as error:
        raise UserError(f"buildx would fail under this environment: {error}") from None
    targets = {name: printed["target"][name] for name in sorted(printed["target"]) if not names or name in names}
    refs = gha_refs(env, policy)
    platform = run_platform(env, policy)
    if as_json:
        document = {"environment": env, "gha": refs, "targets": targets}
        if platform is not None:
            document["platform"] = platform
        sys.stdout.write(json.dumps(document, indent=2, sort_keys=True) + "\n")
        return 0
    _print_text(env, refs, targets, policy)
    return 0


def run_platform(env: dict[str, str], policy: Policy) -> dict[str, str | None] | None:
    """The platform this run builds and the text {platform} becomes; None without {platform}."""
    from bakegen.cache import ALL_PLATFORMS_SLUG, PLATFORM_VARIABLE, uses_platform
    from bakegen.naming import branch_slug

    if not uses_platform(policy.cache):
        return None
    chosen = env.get(PLATFORM_VARIABLE) or None
    return {"build": chosen, "key": branch_slug(chosen) if chosen else ALL_PLATFORMS_SLUG}


def gha_refs(env: dict[str, str], policy: Policy) -> dict[str, Any]:
    """Which git refs the run's Actions token lets the gha cache write and read.

    BuildKit writes a scope's index under the token's writable ref and reads the scope under
    every readable ref (cache/remotecache/gha/gha.go); GitHub grants a PR run write on
    refs/pull/N/merge and read on the base and default branches, a push its own branch and
    read on the default branch.
    """
    if env.get("GITHUB_ACTIONS") != "true":
        return {"active": False, "write": None, "read": []}
    default = f"refs/heads/{policy.cache.default_branch}"
    ref = env.get("GITHUB_REF") or ""
    event = env.get("GITHUB_EVENT_NAME", "")
    if event.startswith("pull_request") or ref.startswith("refs/pull/"):
        own = ref or f"refs/pull/{env.get('GITHUB_REF_NAME', '?')}"
        reads = [own]
        if env.get("GITHUB_BASE_REF"):
            reads.append(f"refs/heads/{env['GITHUB_BASE_REF']}")
    else:
        own = ref or f"refs/heads/{env.get('GITHUB_REF_NAME', '?')}"
        reads = [own]
    reads.append(default)
    return {"active": True, "write": own, "read": list(dict.fromkeys(reads))}


def _entry(value: Any) -> str:
    if isinstance(value, dict):
        parts = [f"type={value['type']}"] if "type" in value else []
        parts += [f"{key}={item}" for key, item in sorted(value.items()) if key != "type"]
        return ",".join(parts)
    return str(value)


def _print_text(env: dict[str, str], refs: dict[str, Any], targets: dict[str, Any], policy: Policy) -> None:
    shown_env = " ".join(f"{name}={value}" for name, value in sorted(env.items())) or "(empty)"
    print(f"environment: {shown_env}")
    if policy.cache.backend == "gha":
        if refs["active"]:
            print(f"gha cache: writes under {refs['write']}; reads under {', '.join(refs['read'])}")
            if not env.get("GITHUB_REF"):
                print("note: GITHUB_REF is not set, so the refs above are guessed; GitHub sets it: pass "
                      "--env GITHUB_REF=refs/heads/<branch> (a push) or --env GITHUB_REF=refs/pull/<number>/merge (a PR)")
        else:
            print("gha cache: off (not in GitHub Actions: no runtime token; BuildKit drops type=gha entries)")
    platform = run_platform(env, policy)
    if platform is not None:
        if platform["build"] is None:
            print(f"platform: each target's own, in one build (BAKEGEN_PLATFORM unset); {{platform}} is {platform['key']}")
        else:
            print(f"platform: {platform['build']} (BAKEGEN_PLATFORM); {{platform}} is {platform['key']}")
    directory = Path(policy.output_json).parent.as_posix()
    print(f"run: docker buildx bake -f {Path(policy.output_json).name} (from {directory}/, where context paths resolve)")
    for name, target in targets.items():
        print(f"\ntarget {name}")
        for key in _SHOWN_KEYS:
            value = target.get(key)
            if key == "dockerfile" and "dockerfile-inline" in target:
                key, value = "dockerfile", ["(inline)", *str(target["dockerfile-inline"]).splitlines()]
            if value is None:
                continue
            if isinstance(value, bool):
                lines = ["true" if value else "false"]
            elif isinstance(value, dict):
                lines = [f"{item_key}={item}" for item_key, item in sorted(value.items())]
            elif isinstance(value, list):
                lines = [_entry(item) for item in value]
            else:
                lines = [str(value)]
            for index, line in enumerate(lines or ["(none)"]):
                label = f"{key}:" if index == 0 else ""
                print(f"  {label:<12}{line}")
        for key in ("cache-from", "cache-to"):
            if key not in target:
                print(f"  {key + ':':<12}(none)")
