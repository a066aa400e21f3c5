"""The one-way pipeline shared by the commands: policy → compose → compile → render."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bakegen.errors import Location, UserError
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


def policy_location(policy: Policy, *keys: str | int) -> Location | None:
    """Where a value of the policy was written (``"compose", "files", 0``), when known.

    Errors about files the policy names point at the name in ``bakegen.yaml``.
    """
    from bakegen.yamlio import location_at

    return location_at(policy.locations, keys)  # None: not written in the policy (a default)


def load_compose(policy: Policy) -> tuple[Any, dict[str, Any]]:
    from bakegen.compose.loader import load_project

    env_defaults = load_env_defaults(policy)
    static_env = static_values(env_defaults)
    files = [policy.root / name for name in policy.compose_files]
    for index, path in enumerate(files):
        if path.is_file():
            continue
        at = policy_location(policy, "compose", "files", index)
        if path.is_dir():
            raise UserError(f"compose file {display_path(path)} is a directory; expected a compose file", at)
        raise UserError(f"compose file not found: {display_path(path)} (listed in compose.files)", at)
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
    require_tracked(policy)
    for index, name in enumerate(policy.env_files):
        path = policy.root / name
        shown = display_path(path)
        at = policy_location(policy, "compose", "env_files", index)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise UserError(f"env file not found: {shown} (listed in compose.env_files)", at) from None
        except IsADirectoryError:
            raise UserError(f"env file {shown} is a directory; expected a file", at) from None
        except OSError as error:
            raise UserError(f"cannot read env file {shown}: {error.strerror}", at) from None
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise UserError(
                f"env file is not valid UTF-8 (byte 0x{data[error.start]:02x})", _byte_location(data, error.start, shown)
            ) from None
        entries.extend(parse_env_file(text, shown))
    templates = bake_defaults(entries)
    origins = {entry.name: Location(entry.path, entry.line, entry.column) for entry in entries if not entry.inherited}

    def nullable(name: str) -> bool:
        return templates.get(name) is None and name not in dict(policy.variables)

    from bakegen.compiler import VariableDefault

    return {
        name: VariableDefault(None, frozenset())
        if template is None
        else VariableDefault(to_bake(template, nullable).text, template.variables(), origins.get(name))
        for name, template in templates.items()
    }


def require_tracked(policy: Policy) -> None:
    """Every listed env file is tracked by git: its values go into the committed bake file.

    An ignored or untracked env file differs from checkout to checkout (and often holds a
    developer's tokens), so the output would too.
    """
    from bakegen.git import file_states

    files = list(dict.fromkeys(policy.env_files))
    existing = [name for name in files if (policy.root / name).is_file()]
    states = file_states(policy.root, existing)
    for name in existing:
        state = states[name]
        if state == "tracked":
            continue
        index = policy.env_files.index(name)
        at = policy_location(policy, "compose", "env_files", index)
        shown = display_path(policy.root / name)
        reason, fix = {
            "ignored": ("git ignores it", "remove it from compose.env_files (list a committed file without secrets instead)"),
            "untracked": ("git does not track it", f"commit it (git add {shown}) or remove it from compose.env_files"),
            "outside": ("it is not in a git repository", "commit it to the project's git repository or remove it from compose.env_files"),
        }[state]
        raise UserError(
            f"env file {shown} is listed in compose.env_files, but {reason}: its values would make the "
            f"bake file differ per checkout; {fix}",
            at,
        )


def _byte_location(data: bytes, offset: int, shown: str) -> Location:
    """Line and column (in characters) of a byte offset, for decoding errors."""
    head = data[:offset].removeprefix(b"\xef\xbb\xbf")
    line = head.count(b"\n") + 1
    last = head.rsplit(b"\n", 1)[-1]
    return Location(shown, line, len(last.decode("utf-8", errors="replace")) + 1)


def static_values(defaults: dict[str, Any]) -> dict[str, str]:
    """Defaults that are plain text: what structural strings (include paths…) may use."""
    return {
        name: default.text.replace("$${", "${").replace("%%{", "%{")
        for name, default in defaults.items()
        if default.text is not None and not default.references and "${" not in default.text.replace("$${", "")
    }


def compile_policy(policy: Policy) -> dict[str, Any]:
    return compile_project(policy)[1]


def compile_project(policy: Policy) -> tuple[Any, dict[str, Any]]:
    from bakegen.compiler import compile_bake

    project, env_defaults = load_compose(policy)
    return project, compile_bake(project, policy, env_defaults)


def unlisted_dotenv(policy: Policy, project: Any, bake: dict[str, Any]) -> tuple[Path, list[str]] | None:
    """A `.env` compose reads that the policy does not list, and the bake variables it would set.

    compose reads the project directory's `.env` by itself; bake cannot. bakegen carries only
    the env files the policy lists (an unlisted `.env` is often uncommitted), so a `.env` that
    sets a variable the bake file uses makes compose and bake differ: said, never silent.
    """
    dotenv = Path(getattr(project, "project_directory", policy.root)) / ".env"
    if not dotenv.is_file():
        return None
    listed = {(policy.root / name).resolve() for name in policy.env_files}
    if dotenv.resolve() in listed:
        return None
    from bakegen.dotenv import parse_env_file

    try:
        entries = parse_env_file(dotenv.read_bytes().decode("utf-8-sig"), display_path(dotenv))
    except (OSError, UnicodeDecodeError, UserError):
        return dotenv, []
    used = set(bake.get("variable", {}))
    return dotenv, sorted({entry.name for entry in entries} & used)


def render_outputs(policy: Policy, bake: dict[str, Any] | None = None) -> list[Output]:
    from bakegen.render import render_hcl, render_json

    bake = compile_policy(policy) if bake is None else bake
    outputs = [Output(policy.root / policy.output_json, "", render_json(bake))]
    if policy.output_hcl:
        outputs.append(Output(policy.root / policy.output_hcl, "", render_hcl(bake)))
    return [Output(output.path, display_path(output.path), output.content) for output in outputs]
