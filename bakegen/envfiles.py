"""The env files a policy lists (compose's `.env` format), read into bake variable defaults.

compose reads them at run time; bake cannot read a file, so their values travel as variable
defaults that the environment still overrides, as it does for compose. Also: the `.env`
compose reads by itself that the policy does not list (``unlisted_dotenv``).
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from bakegen import inputs
from bakegen.errors import Location, UserError
from bakegen.files import display_path, read_file
from bakegen.policy import Policy


class VariableDefault(NamedTuple):
    """An env-file value as a bake variable default: template text and the variables it reads."""

    text: str | None
    references: frozenset[str] = frozenset()
    origin: Location | None = None  # the env file line that sets it (the last one, as compose reads)
    # `${V:?…}` in the value: (variable, condition, message) as BakeTemplate.validations. compose
    # fails reading the env file, whatever the environment says about this key.
    validations: tuple[tuple[str, str, str], ...] = ()


def load_env_defaults(policy: Policy) -> dict[str, VariableDefault]:
    """Values of the policy's env files as bake variable defaults (bake template text)."""
    if not policy.env_files:
        return {}
    from bakegen.dotenv import parse_env_file
    from bakegen.dotenv_defaults import bake_defaults
    from bakegen.interpolation import to_bake

    entries = []
    require_tracked(policy)
    for index, name in enumerate(policy.env_files):
        path = policy.root / name
        shown = display_path(path)
        at = policy.written_at("compose", "env_files", index)
        data = read_file(path, "env file", at, shown=shown, hint=" (listed in compose.env_files)")
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

    defaults: dict[str, VariableDefault] = {}
    for name, template in templates.items():
        if template is None:
            defaults[name] = VariableDefault(None, frozenset())
            continue
        compiled = to_bake(template, nullable)
        defaults[name] = VariableDefault(compiled.text, template.variables(), origins.get(name), compiled.validations)
    return defaults


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
            inputs.note_git_tracked(policy.root / name)  # so an unchanged check asks git again
            continue
        index = policy.env_files.index(name)
        at = policy.written_at("compose", "env_files", index)
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


def static_values(defaults: dict[str, VariableDefault]) -> dict[str, str]:
    """Defaults that are plain text: what structural strings (include paths…) may use."""
    return {
        name: default.text.replace("$${", "${").replace("%%{", "%{")
        for name, default in defaults.items()
        if default.text is not None and not default.references and "${" not in default.text.replace("$${", "")
    }


def unlisted_dotenv(policy: Policy, project_directory: Path, used: set[str]) -> tuple[Path, list[str]] | None:
    """A `.env` compose reads that the policy does not list, and which of the ``used`` bake
    variables it sets.

    compose reads the project directory's `.env` by itself; bake cannot. bakegen carries only
    the env files the policy lists (an unlisted `.env` is often uncommitted), so a `.env` that
    sets a variable the bake file uses makes compose and bake differ: said, never silent.
    """
    dotenv = project_directory / ".env"
    listed = {(policy.root / name).resolve() for name in policy.env_files}
    if dotenv.resolve() in listed:
        return None
    # Read only to warn: not an input of the output (often a developer's own, uncommitted
    # file), so watched rather than recorded: the fast path compiles whenever it exists.
    inputs.watch(dotenv)
    if not dotenv.is_file():
        return None
    from bakegen.dotenv import parse_env_file

    try:
        entries = parse_env_file(dotenv.read_bytes().decode("utf-8-sig"), display_path(dotenv))
    except (OSError, UnicodeDecodeError, UserError):
        return dotenv, []
    return dotenv, sorted({entry.name for entry in entries} & used)
