"""The one pipeline every command runs: policy → env files → compose → compile → lint → render.

``build(policy)`` returns everything a command needs (``BuildResult``); each stage lives in
its own module, imported here lazily so a command pays only for what it uses.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

from bakegen import inputs
from bakegen.compose.model import ComposeProject
from bakegen.envfiles import VariableDefault
from bakegen.errors import UserError
from bakegen.files import display_path
from bakegen.policy import Policy
from bakegen.problems import Problem


class Output(NamedTuple):
    """A rendered output file: where it goes, how it is shown, its bytes."""

    path: Path
    display: str
    content: bytes


class BuildResult(NamedTuple):
    """What ``build`` gives a command."""

    policy: Policy
    project: ComposeProject
    bake: dict[str, Any]
    outputs: tuple[Output, ...]  # empty when not rendered
    problems: tuple[Problem, ...]  # the lints' findings (empty when not linted)

    @property
    def errors(self) -> list[Problem]:
        return [problem for problem in self.problems if problem.severity == "error"]


def build(policy: Policy, *, lint: bool = True, render: bool = True) -> BuildResult:
    """Compile the policy's compose project; lint the result; render the outputs."""
    from bakegen.compiler import compile_bake

    project, env_defaults = load_compose(policy)
    bake = compile_bake(project, policy, env_defaults)
    problems: list[Problem] = []
    if lint:
        from bakegen.lint import LintContext, run_lints

        problems = run_lints(LintContext(policy, project, bake, env_defaults))
    outputs = render_outputs(policy, bake) if render else []
    return BuildResult(policy, project, bake, tuple(outputs), tuple(problems))


def load_compose(policy: Policy) -> tuple[ComposeProject, dict[str, VariableDefault]]:
    """The compose project the policy names, and the values of its listed env files."""
    from bakegen.compose.loader import load_project
    from bakegen.envfiles import load_env_defaults, static_values

    env_defaults = load_env_defaults(policy)
    files = [policy.root / name for name in policy.compose_files]
    for index, path in enumerate(files):
        if inputs.is_file(path):
            continue
        at = policy.written_at("compose", "files", index)
        if path.is_dir():
            raise UserError(f"compose file {display_path(path)} is a directory; expected a file", at)
        raise UserError(f"compose file not found: {display_path(path)} (listed in compose.files)", at)
    if not files:
        from bakegen.compose.loader import discover_files

        files = discover_files(policy.root)
    # compose's project directory is the first compose file's directory (no --project-directory).
    project = load_project(files, static_env=static_values(env_defaults))
    return project, env_defaults


def compile_policy(policy: Policy) -> dict[str, Any]:
    """The bake file of the policy (no lints, nothing rendered)."""
    return build(policy, lint=False, render=False).bake


def render_outputs(policy: Policy, bake: dict[str, Any]) -> list[Output]:
    from bakegen.render import render_hcl, render_json

    paths = [(policy.root / policy.output_json, render_json)]
    if policy.output_hcl:
        paths.append((policy.root / policy.output_hcl, render_hcl))
    return [Output(path, display_path(path), render(bake)) for path, render in paths]
