"""The fan-out's CI matrix: one cell per target and platform, each on a native runner.

Pure: the bake file (as committed), the targets to build and the policy's runners come in;
the cells of the build jobs and the targets of the merge jobs go out. The bake variable
``BAKEGEN_PLATFORM`` (see ``cache``) makes one cell build one platform into its own cache
scope, which is why the fan-out needs ``{platform}`` in the cache key.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from bakegen.cache import PLATFORM_VARIABLE
from bakegen.errors import UserError
from bakegen.naming import branch_slug

# A target without platforms builds for its builder's platform: it gets one cell, here.
DEFAULT_PLATFORM = "linux/amd64"
# How a cell's image leaves the builder: by digest, merged later into one manifest; or not at all.
PUSH_BY_DIGEST = "type=image,push-by-digest=true,name-canonical=true,push=true"
NO_PUSH = "type=cacheonly"


@dataclass(frozen=True)
class Plan:
    cells: list[dict[str, Any]]  # the build jobs' matrix entries
    merges: list[str]  # targets whose pushed digests are merged into one manifest


def literal_platforms(target: Mapping[str, Any]) -> list[str] | None:
    """A target's own platforms as a literal list ([]: the builder's); None if they use variables.

    bakegen writes either a list or, with ``{platform}`` in the policy, an expression that
    falls back to that list; it is evaluated here without the run's platform.
    """
    value = target.get("platforms", [])
    if isinstance(value, str):
        from bakegen.bake import BakeError, evaluate

        document = {"variable": {PLATFORM_VARIABLE: {"default": ""}}, "target": {"t": {"platforms": value}}}
        try:
            value = evaluate([("docker-bake.json", json.dumps(document))], {}, ["t"])["target"]["t"].get("platforms", [])
        except BakeError:
            return None
    if not isinstance(value, list) or any(not isinstance(item, str) or "${" in item for item in value):
        return None
    return list(value)


def target_platforms(name: str, target: Mapping[str, Any]) -> list[str]:
    platforms = literal_platforms(target)
    if platforms is None:
        raise UserError(
            f"the platforms of target '{name}' depend on bake variables; a CI matrix needs literal platforms "
            "(set services.<name>.platforms in the policy)"
        )
    return platforms


def plan(
    bake: Mapping[str, Any], targets: Iterable[str], runners: Mapping[str, str], *, push: bool
) -> Plan:
    """Cells for ``targets`` of ``bake``; with ``push``, tagged targets push by digest and merge."""
    declared = (bake.get("variable") or {})
    if PLATFORM_VARIABLE not in declared:
        raise UserError(
            "the fan-out builds one platform per job: put {platform} in cache.key (e.g. "
            "'{service}-{platform}') and run 'bakegen render', so that jobs do not overwrite each "
            "other's cache"
        )
    specs: Mapping[str, Any] = bake.get("target") or {}
    cells: list[dict[str, Any]] = []
    merges: list[str] = []
    for name in sorted(set(targets)):
        spec = specs[name]
        pushes = push and bool(spec.get("tags"))
        for platform in target_platforms(name, spec) or [DEFAULT_PLATFORM]:
            if platform not in runners:
                known = ", ".join(sorted(runners))
                raise UserError(
                    f"no runner for platform '{platform}' of target '{name}'; fan_out.runners has: {known}"
                )
            cells.append(
                {
                    "target": name,
                    "platform": platform,
                    "slug": branch_slug(platform),
                    "runner": runners[platform],
                    "output": PUSH_BY_DIGEST if pushes else NO_PUSH,
                }
            )
        if pushes:
            merges.append(name)
    return Plan(cells, merges)


def github_outputs(result: Plan) -> str:
    """``name=value`` lines for ``$GITHUB_OUTPUT``: compact JSON, one line each."""
    def compact(value: Any) -> str:
        return json.dumps(value, sort_keys=True, separators=(",", ":"))

    return (
        f"build={compact({'include': result.cells})}\n"
        f"merge={compact({'include': [{'target': name} for name in result.merges]})}\n"
        f"cells={len(result.cells)}\n"
        f"merges={len(result.merges)}\n"
    )
