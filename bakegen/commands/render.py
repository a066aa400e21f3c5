"""`bakegen render` / `bakegen check`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from bakegen.output import check_writable, read_existing, unified_diff, write_all
from bakegen.pipeline import compile_project, display_path, policy_location, render_outputs, unlisted_dotenv
from bakegen.policy import Policy, load_policy


def run(config: str, mode: str) -> int:
    policy_path = Path(config)
    policy = load_policy(policy_path, display_path(policy_path))
    project, bake = compile_project(policy)
    _warn_unlisted_dotenv(policy, project, bake)
    outputs = render_outputs(policy, bake)
    if mode == "stdout":
        sys.stdout.buffer.write(outputs[0].content)
        return 0
    if mode == "check":
        stale = False
        for output in outputs:
            old = read_existing(output.path)
            if old != output.content:
                stale = True
                sys.stdout.write(unified_diff(old, output.content, output.display))
        if stale:
            print("bakegen: the bake file is stale; run 'bakegen render' and commit the result", file=sys.stderr)
            return 1
        return 0
    # Every output is checked before any is written: a bad second output must not leave
    # the first one changed.
    for output, key in zip(outputs, ("json", "hcl")):
        check_writable(output.path, output.display, policy_location(policy, "output", key))
    for display in write_all([(output.path, output.content, output.display) for output in outputs]):
        print(f"bakegen: wrote {display}", file=sys.stderr)
    return 0


def _warn_unlisted_dotenv(policy: Policy, project: Any, bake: dict[str, Any]) -> None:
    found = unlisted_dotenv(policy, project, bake)
    if found and found[1]:
        path, names = found
        print(
            f"{display_path(path)}: warning: compose reads {', '.join(names)} from this file, but "
            "compose.env_files does not list it, so the bake file does not carry those values",
            file=sys.stderr,
        )
