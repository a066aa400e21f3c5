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


def load_compose(policy: Policy) -> tuple[Any, dict[str, Any]]:
    from bakegen.compose.loader import load_project

    env_defaults = load_env_defaults(policy)
    static_env = static_values(env_defaults)
    files = [policy.root / name for name in policy.compose_files]
    for path, name in zip(files, policy.compose_files):
        if not path.is_file():
            raise UserError(f"compose file not found: {display_path(path)} (listed in compose.files)")
    if not files:
        from bakegen.compose.loader import discover_files

        files = discover_files(policy.root)
    # compose's project directory is the first compose file's directory (no --project-directory).
    project = load_project(files, static_env=static_env)
    return project, env_defaults


def load_env_defaults(policy: Policy) -> dict[str, Any]:
    """Values of the policy's env files as bake variable defaults (bake template text).

    compose reads them at run time; bake cannot read a file, so the values travel as defaults
    that the environment still overrides, as it does for compose.
    """
    if not policy.env_files:
        return {}
    from bakegen.dotenv import bake_defaults, parse_env_file
    from bakegen.interpolation import to_bake

    entries = []
    for name in policy.env_files:
        path = policy.root / name
        shown = display_path(path)
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except FileNotFoundError:
            raise UserError(f"env file not found: {shown} (listed in compose.env_files)") from None
        except UnicodeDecodeError as error:
            raise UserError(f"{shown}: env file is not valid UTF-8 (byte {error.start})") from None
        except OSError as error:
            raise UserError(f"cannot read env file {shown}: {error.strerror}") from None
        entries.extend(parse_env_file(text, shown))
    templates = bake_defaults(entries)

    def nullable(name: str) -> bool:
        return templates.get(name) is None and name not in dict(policy.variables)

    from bakegen.compiler import VariableDefault

    return {
        name: VariableDefault(None, frozenset())
        if template is None
        else VariableDefault(to_bake(template, nullable).text, template.variables())
        for name, template in templates.items()
    }


def static_values(defaults: dict[str, Any]) -> dict[str, str]:
    """Defaults that are plain text: what structural strings (include paths…) may use."""
    return {
        name: default.text.replace("$${", "${").replace("%%{", "%{")
        for name, default in defaults.items()
        if default.text is not None and not default.references and "${" not in default.text.replace("$${", "")
    }


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
