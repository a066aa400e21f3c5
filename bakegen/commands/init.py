"""`bakegen init`: scaffold ``bakegen.yaml`` from the compose project next to it.

The policy is rendered from ``templates/bakegen.yaml.j2`` with every default written out,
then compiled once before anything is written, so that ``bakegen init && bakegen render``
works with no edits: a project bakegen cannot compile fails here, with the same message
``render`` would print, and leaves no file behind.

``--ci github`` also writes ``.github/workflows/bakegen.yml`` (at the git repository's root,
so that GitHub finds it when the compose project lives in a subdirectory), and
``--pre-commit`` prints a ``.pre-commit-config.yaml`` entry on stdout.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bakegen import __version__
from bakegen.errors import Location, UserError
from bakegen.pipeline import display_path
from bakegen.policy import DEFAULT_POLICY_FILE, Policy

WORKFLOW_PATH = Path(".github") / "workflows" / "bakegen.yml"
OUTPUT_JSON = "docker-bake.json"

# Text pasted into `run:` steps and hook arguments: file names and project names only ever
# need these characters, and refusing the rest keeps shell and `${{ }}` syntax out of them.
_PLAIN = re.compile(r"[A-Za-z0-9._/-]+")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


@dataclass(frozen=True)
class Scaffold:
    text: str  # the policy file's text
    policy: Policy  # the same, parsed
    notes: tuple[str, ...] = ()  # what init chose not to do, and why


@dataclass(frozen=True)
class _BuildService:
    name: str
    image: str | None  # as written (may hold ${…}); None when compose names it
    implicit: str  # compose's name for it when it has no image:


def run(config: str, *, force: bool, ci: str | None, pre_commit: bool) -> int:
    policy_path = Path(config)
    root = policy_path.parent
    scaffold = scaffold_policy(policy_path)
    writes: list[tuple[Path, bytes, str]] = [(policy_path, scaffold.text.encode("utf-8"), "policy file")]
    if ci == "github":
        repository = _repository_root(root)
        workflow = render_workflow(scaffold.policy, repository)
        writes.append((repository / WORKFLOW_PATH, workflow.encode("utf-8"), "workflow file"))
    entry = render_pre_commit(policy_path, _repository_root(root)) if pre_commit else ""
    # Every refusal comes before any write: `init --ci github` next to an existing policy must
    # not leave a workflow behind.
    for path, _, kind in writes:
        _check_target(path, kind, force)
    from bakegen.output import write_all

    for path, _, _ in writes:
        path.parent.mkdir(parents=True, exist_ok=True)
    # All or nothing, through temp files and renames, as render writes its outputs.
    write_all([(path, content, display_path(path)) for path, content, _ in writes])
    for note in scaffold.notes:
        print(f"bakegen: {note}", file=sys.stderr)
    for path, _, _ in writes:
        print(f"bakegen: wrote {display_path(path)}", file=sys.stderr)
    sys.stdout.write(entry)
    shown = display_path(policy_path)
    option = "" if shown == DEFAULT_POLICY_FILE else f" -c {shlex.quote(shown)}"
    print(f"bakegen: next: bakegen render{option} && git add {shlex.quote(shown)} "
          f"{shlex.quote(display_path(root / OUTPUT_JSON))}", file=sys.stderr)
    return 0


def _check_target(path: Path, kind: str, force: bool) -> None:
    shown = display_path(path)
    if path.is_dir():
        raise UserError(f"{kind} path is a directory; expected a file", Location(shown))
    if (path.exists() or path.is_symlink()) and not force:
        raise UserError(f"{kind} already exists; use --force to overwrite", Location(shown))


def scaffold_policy(policy_path: Path) -> Scaffold:
    """The policy text for the compose project in ``policy_path``'s directory, checked to compile."""
    from bakegen.compose.loader import DEFAULT_FILES, OVERRIDE_FILES
    from bakegen.naming import normalize_project_name
    from bakegen.pipeline import load_compose
    from bakegen.policy import parse_policy
    from bakegen.yamlio import load_yaml

    root = policy_path.parent
    directory = Path(os.path.abspath(root))
    # compose's discovery, restricted to the policy's directory: compose also looks in the
    # parents, but a policy whose compose files live above it would compile contexts and
    # write the bake file away from the project, which `init` should not guess at.
    found = [name for name in DEFAULT_FILES if (directory / name).is_file()][:1]
    if not found:
        raise UserError(
            f"no compose file in {display_path(directory) if root != Path('.') else 'the current directory'} "
            f"(looked for {', '.join(DEFAULT_FILES)}); run 'bakegen init' next to the compose file"
        )
    found += [name for name in OVERRIDE_FILES if (directory / name).is_file()][:1]
    env_files: tuple[str, ...] = ()
    notes: list[str] = []
    if (directory / ".env").is_file():
        # Only a committed .env is listed: its values go into the committed bake file, and an
        # ignored or untracked one is a developer's (often with tokens in it).
        from bakegen.git import file_states

        state = file_states(directory, [".env"])[".env"]
        if state == "tracked":
            env_files = (".env",)
        else:
            reason = {"ignored": "git ignores it", "untracked": "git does not track it",
                      "outside": "this is not a git repository"}[state]
            notes.append(f"not listing .env in compose.env_files: {reason}, and its values would "
                         "be written into the committed bake file")

    draft = Policy(path=policy_path, compose_files=tuple(found), env_files=env_files)
    project, _ = load_compose(draft)
    project_name: str | None = None
    if project.name is None:
        # compose names the project after COMPOSE_PROJECT_NAME from .env if set, else after
        # the compose file's directory (the project directory), normalized the compose way;
        # written down so the image names of services without `image:` do not depend on
        # where the repository is checked out.
        project_name = _env_project_name(directory) if env_files else None
        project_name = project_name or normalize_project_name(directory.name)
        if not project_name:
            raise UserError(
                f"cannot name the compose project after directory '{directory.name}' (no letters or "
                f"digits); add 'name:' to {found[0]}"
            )
    name_for_images = project_name or str(project.name)
    services = []
    for name, spec in sorted(project.services.items()):
        if "build" not in spec.data:
            continue
        image = spec.data.get("image")
        services.append(
            _BuildService(name, None if image in (None, "") else str(image), f"{name_for_images}-{name}")
        )

    text: str = _environment().get_template("bakegen.yaml.j2").render(
        version=__version__,
        build_services=services,
        compose_files=found,
        project=project_name,
        env_files=list(env_files),
        output_json=OUTPUT_JSON,
    )
    # The scaffold must be a policy `render` accepts and compiles; a failure here is the
    # compose project's (reported as render would report it), or a template bug.
    shown = display_path(policy_path)
    policy = parse_policy(load_yaml(text.encode("utf-8"), shown), policy_path, shown)
    from bakegen.pipeline import compile_policy

    compile_policy(policy)
    return Scaffold(text, policy, tuple(notes))


def _env_project_name(directory: Path) -> str | None:
    """A literal, valid COMPOSE_PROJECT_NAME in the project's .env (compose prefers it)."""
    from bakegen.dotenv import parse_env_file
    from bakegen.naming import normalize_project_name

    path = directory / ".env"
    entries = parse_env_file(path.read_bytes().decode("utf-8-sig"), display_path(path))
    values = [entry.value for entry in entries if entry.name == "COMPOSE_PROJECT_NAME"]
    value = values[-1] if values else None
    if value and "$" not in value and normalize_project_name(value) == value:
        return value
    return None


def render_workflow(policy: Policy, repository: Path) -> str:
    """The GitHub Actions workflow for ``policy`` in the git repository at ``repository``."""
    root = Path(os.path.abspath(policy.root))
    workdir = _plain(os.path.relpath(root, repository), "the project directory")
    policy_args = _policy_args(policy.path, root)
    # The same files and project name as the policy: `compose up` must look for the images
    # under the names bake gave them.
    compose_args = "".join(f"-f {_plain(name, 'a compose file name')} " for name in policy.compose_files)
    if policy.project:
        compose_args += f"-p {_plain(policy.project, 'the project name')} "
    text: str = _environment().get_template("github-workflow.yml.j2").render(
        version=__version__,
        output_json=OUTPUT_JSON,
        default_branch=policy.cache.default_branch,
        workdir=Path(workdir).as_posix(),
        source="." if workdir == "." else f"./{Path(workdir).as_posix()}",
        policy_args=policy_args,
        compose_args=compose_args,
    )
    return text


def render_pre_commit(policy_path: Path, repository: Path) -> str:
    """The `.pre-commit-config.yaml` entry; hooks run from the repository's root."""
    relative = Path(os.path.relpath(os.path.abspath(policy_path), repository)).as_posix()
    args = [] if relative == DEFAULT_POLICY_FILE else ["-c", _plain(relative, "the policy path")]
    text: str = _environment().get_template("pre-commit-config.yaml.j2").render(version=__version__, policy_args=args)
    return text


def _policy_args(policy_path: Path, run_directory: Path) -> str:
    """` -c FILE` when the policy is not ``bakegen.yaml`` in the directory commands run in."""
    relative = Path(os.path.relpath(os.path.abspath(policy_path), os.path.abspath(run_directory))).as_posix()
    if relative == DEFAULT_POLICY_FILE:
        return ""
    return f" -c {shlex.quote(_plain(relative, 'the policy path'))}"


def _plain(text: str, what: str) -> str:
    if not _PLAIN.fullmatch(text):
        raise UserError(
            f"{what} '{_CONTROL.sub('?', text)}' has characters a generated workflow or hook "
            "cannot carry safely; expected letters, digits, '.', '_', '-' and '/'"
        )
    return text


def _repository_root(directory: Path) -> Path:
    """The nearest directory at or above ``directory`` holding ``.git``; else ``directory``."""
    current = Path(os.path.abspath(directory))
    for candidate in (current, *current.parents):
        if (candidate / ".git").exists():
            return candidate
    return current


def _yaml_scalar(value: Any) -> str:
    # JSON strings are YAML double-quoted scalars: any file or project name is written
    # exactly, whatever YAML would otherwise make of it (`yes`, `1.0`, `#`, `: `).
    return json.dumps(str(value), ensure_ascii=True)


def _comment(value: Any) -> str:
    # A line break inside a comment would start YAML content.
    return _CONTROL.sub("?", str(value))


def _environment() -> Any:
    from bakegen.resources import data_path
    from bakegen.templating import jinja_environment

    directory = data_path("templates/bakegen.yaml.j2").parent
    return jinja_environment(directory, {"yaml": _yaml_scalar, "comment": _comment})
