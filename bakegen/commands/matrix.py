"""`bakegen matrix`: the fan-out workflow's build matrix, from the committed bake file.

Without ``--base`` every target is in it (pushes to the default branch); with ``--base``
only the targets ``bakegen affected`` finds (pull requests). ``--push`` makes tagged
targets push by digest and lists them for the merge jobs.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bakegen.files import display_path
from bakegen.policy import load_policy


def run(config: str, base: str | None, head: str, *, push: bool, github: bool) -> int:
    from bakegen.matrix import github_outputs, plan

    policy_path = Path(config)
    policy = load_policy(policy_path, display_path(policy_path))
    if base is not None:
        from bakegen.commands.affected import compare

        comparison = compare(policy, base, head)
        bake, targets = comparison.bake, list(comparison.targets)
    else:
        from bakegen.commands.affected import committed_bake

        bake = committed_bake(policy, head)
        targets = list(bake.get("target") or {})
    result = plan(bake, targets, dict(policy.runners), push=push)
    if github:
        sys.stdout.write(github_outputs(result))
        return 0
    document = {"build": {"include": result.cells}, "merge": {"include": [{"target": name} for name in result.merges]}}
    sys.stdout.write(json.dumps(document, indent=2, sort_keys=True) + "\n")
    return 0

