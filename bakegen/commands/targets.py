"""`bakegen targets`: targets and groups, e.g. for a CI matrix."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bakegen.files import display_path
from bakegen.pipeline import compile_policy
from bakegen.policy import load_policy


def run(config: str, *, as_json: bool) -> int:
    policy_path = Path(config)
    policy = load_policy(policy_path, display_path(policy_path))
    bake = compile_policy(policy)
    targets = sorted(bake["target"])
    groups = {name: group["targets"] for name, group in sorted(bake["group"].items())}
    if as_json:
        from bakegen.matrix import literal_platforms

        # platforms: target → its own platforms ([]: the builder's; null: they depend on variables).
        platforms = {name: literal_platforms(bake["target"][name]) for name in targets}
        document = {"targets": targets, "groups": groups, "platforms": platforms}
        sys.stdout.write(json.dumps(document, indent=2, sort_keys=True) + "\n")
        return 0
    for name in targets:
        print(name)
    for name, members in groups.items():
        print(f"group {name}: {' '.join(members)}")
    return 0
