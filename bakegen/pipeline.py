"""The one-way pipeline shared by the commands: policy → compose → compile → render."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bakegen.errors import UserError
from bakegen.policy import Policy


@dataclass(frozen=True)
class Output:
    path: Path
    display: str
    content: bytes


def display_path(path: Path) -> str:
    """Paths in messages are relative to the current directory where possible."""
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return path.as_posix()
    return Path(relative).as_posix() if not relative.startswith("../../..") else path.as_posix()


def load_compose(policy: Policy) -> tuple[Any, dict[str, str | None]]:
    from bakegen.compose.loader import load_project

    env_defaults = load_env_defaults(policy)
    static_env = {name: value for name, value in env_defaults.items() if value is not None and "${" not in value}
    files = [policy.root / name for name in policy.compose_files]
    for path, name in zip(files, policy.compose_files):
        if not path.is_file():
            raise UserError(f"compose file not found: {display_path(path)} (listed in compose.files)")
    project = load_project(files, project_directory=policy.root, static_env=static_env)
    return project, env_defaults


def load_env_defaults(policy: Policy) -> dict[str, str | None]:
    """Values of the policy's env files, as bake variable defaults (bake template text)."""
    if not policy.env_files:
        return {}
    from bakegen.dotenv import parse_env_file
    from bakegen.interpolation import to_bake

    defaults: dict[str, str | None] = {}
    for name in policy.env_files:
        path = policy.root / name
        try:
            text = path.read_bytes().decode("utf-8")
        except FileNotFoundError:
            raise UserError(f"env file not found: {display_path(path)} (listed in compose.env_files)") from None
        except UnicodeDecodeError:
            raise UserError(f"env file is not UTF-8: {display_path(path)}") from None
        for entry in parse_env_file(text, display_path(path)):
            template = getattr(entry, "template", None)
            if template is not None:
                defaults[entry.name] = to_bake(template, lambda _name: True).text
            else:
                value = entry.value
                defaults[entry.name] = None if value is None else value.replace("${", "$${").replace("%{", "%%{")
    return defaults


def compile_policy(policy: Policy) -> dict[str, Any]:
    from bakegen.compiler import compile_bake

    project, env_defaults = load_compose(policy)
    return compile_bake(project, policy, env_defaults)


def render_outputs(policy: Policy, bake: dict[str, Any] | None = None) -> list[Output]:
    from bakegen.render import render_hcl, render_json

    bake = compile_policy(policy) if bake is None else bake
    outputs = [Output(policy.root / policy.output_json, "", render_json(bake))]
    if policy.output_hcl:
        outputs.append(Output(policy.root / policy.output_hcl, "", render_hcl(bake)))
    return [Output(output.path, display_path(output.path), output.content) for output in outputs]
