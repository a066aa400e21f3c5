"""`bakegen validate [--strict]`: the policy against the JSON Schema, then the pipeline's lints."""

from __future__ import annotations

import sys
from pathlib import Path

from bakegen.errors import Location, UserError
from bakegen.files import display_path
from bakegen.problems import Problem, report


def run(config: str, *, strict: bool) -> int:
    from bakegen.pipeline import build
    from bakegen.policy import parse_policy, read_policy_file
    from bakegen.schema_check import schema_problems
    from bakegen.yamlio import load_yaml

    policy_path = Path(config)
    shown = display_path(policy_path)
    document = load_yaml(read_policy_file(policy_path, shown), shown)
    problems = schema_problems(document, shown)
    if problems:
        return _report(problems, strict)
    try:
        policy = parse_policy(document, policy_path, shown)
        result = build(policy, render=False)
    except UserError as error:
        # The line render and check print for the same input.
        return _report([Problem.from_error(error, Location(shown))], strict)
    return _report(list(result.problems), strict)


def _report(problems: list[Problem], strict: bool) -> int:
    errors, warnings = report(problems, sys.stdout)
    if problems:
        print(f"bakegen: {errors} error(s), {warnings} warning(s)", file=sys.stderr)
    return 1 if errors or (strict and warnings) else 0
