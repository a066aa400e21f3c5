"""`bakegen render` / `bakegen check`."""

from __future__ import annotations

import sys
from pathlib import Path

from bakegen.files import display_path
from bakegen.freshness import seal
from bakegen.inputs import recording
from bakegen.lint import MACHINE_RULES
from bakegen.output import check_writable, read_existing, unified_diff, write_all
from bakegen.pipeline import Output, build
from bakegen.policy import load_policy
from bakegen.problems import report


def run(config: str, mode: str) -> int:
    policy_path = Path(config)
    with recording() as log:
        policy = load_policy(policy_path, display_path(policy_path))
        result = build(policy)
    warned = any(problem.severity == "warning" and problem.rule not in MACHINE_RULES for problem in result.problems)
    sealed = seal([(str(output.path), output.content) for output in result.outputs], log.found, str(policy.root), warned)
    outputs = [Output(output.path, output.display, content) for output, content in zip(result.outputs, sealed)]
    if mode == "write":
        # Every output is checked before any is written: a bad second output must not leave
        # the first one changed. An unwritable output is an input error: one line, first.
        for output, key in zip(outputs, ("json", "hcl")):
            check_writable(output.path, output.display, policy.written_at("output", key))
    # One verdict: what `validate` reports as an error stops render and check too (exit 2,
    # nothing written); warnings are printed, on stderr (stdout may carry the bake file).
    errors, _ = report(result.problems, sys.stderr)
    if errors:
        print(f"bakegen: {errors} error(s); nothing written (see 'bakegen validate')", file=sys.stderr)
        return 2
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
    for display in write_all([(output.path, output.content, output.display) for output in outputs]):
        print(f"bakegen: wrote {display}", file=sys.stderr)
    return 0
