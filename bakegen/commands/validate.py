"""`bakegen validate [--strict]`: the policy against the JSON Schema, then lints."""

from __future__ import annotations

import sys
from pathlib import Path

from bakegen.errors import Location, UserError
from bakegen.pipeline import display_path
from bakegen.problems import Problem, sort_key


def run(config: str, *, strict: bool) -> int:
    from bakegen.lint import LintContext, lint
    from bakegen.pipeline import load_compose
    from bakegen.policy import parse_policy
    from bakegen.schema_check import schema_problems
    from bakegen.yamlio import load_yaml

    policy_path = Path(config)
    shown = display_path(policy_path)
    try:
        data = policy_path.read_bytes()
    except OSError:
        raise UserError(f"policy file not found: {shown}; run 'bakegen init' to create one, or pass -c FILE") from None
    document = load_yaml(data, shown)
    problems = schema_problems(document, shown)
    if problems:
        return _report(problems, strict)
    try:
        policy = parse_policy(document, policy_path, shown)
        project, env_defaults = load_compose(policy)
        from bakegen.compiler import compile_bake

        bake = compile_bake(project, policy, env_defaults)
    except UserError as error:
        location = error.location or Location(shown)
        return _report([Problem(location, "error", error.message, "compile")], strict)
    return _report(lint(LintContext(policy, project, bake)), strict)


def _report(problems: list[Problem], strict: bool) -> int:
    for problem in sorted(problems, key=sort_key):
        print(problem)
    errors = sum(problem.severity == "error" for problem in problems)
    warnings = len(problems) - errors
    if problems:
        print(f"bakegen: {errors} error(s), {warnings} warning(s)", file=sys.stderr)
    return 1 if errors or (strict and warnings) else 0
