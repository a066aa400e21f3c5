"""`bakegen init`: scaffold ``bakegen.yaml`` from the compose project next to it.

The policy is rendered from ``templates/bakegen.yaml.j2`` with every default written out,
then compiled once before anything is written, so that ``bakegen init && bakegen render``
works with no edits: a project bakegen cannot compile fails here, with the same message
``render`` would print, and leaves no file behind.

``--ci github`` also writes ``.github/workflows/bakegen.yml`` (at the git repository's root,
so that GitHub finds it when the compose project lives in a subdirectory), and
``--pre-commit`` prints a ``.pre-commit-config.yaml`` entry on stdout (those files' text:
``ci_files``).
"""

from __future__ import annotations

import os
import re
import shlex
import sys
from dataclasses import dataclass, replace
from pathlib import Path

from bakegen import __version__
from bakegen.ci_files import (
    hook_source,
    render_pre_commit,
    render_workflow,
    templates,
    without_controls,
)
from bakegen.errors import Location, UserError
from bakegen.files import display_path
from bakegen.policy import DEFAULT_POLICY_FILE, Policy

WORKFLOW_PATH = Path(".github") / "workflows" / "bakegen.yml"
FAN_OUT_WORKFLOW_PATH = Path(".github") / "workflows" / "bakegen-fanout.yml"
PRE_COMMIT_CONFIG = Path(".pre-commit-config.yaml")
OUTPUT_JSON = "docker-bake.json"


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


@dataclass(frozen=True)
class ComposeChoice:
    """Which compose files and project name to scaffold from: ``-f``/``COMPOSE_FILE``, ``COMPOSE_PROJECT_NAME``."""

    files: tuple[str, ...] = ()  # as given (relative to the current directory); empty: discovery
    project: str | None = None
    path_separator: str | None = None  # COMPOSE_PATH_SEPARATOR from the environment


def run(
    config: str,
    *,
    force: bool,
    ci: str | None,
    pre_commit: bool,
    compose: ComposeChoice = ComposeChoice(),
    hook_repo: str | None = None,
    fan_out: bool = False,
) -> int:
    if fan_out and ci != "github":
        raise UserError("--fan-out writes a GitHub Actions workflow; use it with --ci github")
    policy_path = Path(config)
    root = policy_path.parent
    repository = _repository_root(root)
    writes: list[tuple[Path, bytes, str]] = []
    notes: list[str] = []
    # `init --ci github` / `--pre-commit` next to an existing policy add their own files and
    # leave the policy alone (with --force too): --force only overwrites what the command writes.
    adding = ci is not None or pre_commit
    if adding and (policy_path.is_file() or policy_path.is_symlink()):
        from bakegen.policy import load_policy

        policy = load_policy(policy_path, display_path(policy_path))
        notes.append(f"using the existing {display_path(policy_path)}")
        from bakegen.cache import uses_platform

        if fan_out and not uses_platform(policy.cache):
            notes.append("the fan-out needs {platform} in cache.key (e.g. \"{service}-{platform}\"); "
                         "add it and run bakegen render")
    else:
        scaffold = scaffold_policy(policy_path, compose, default_branch=_default_branch(root), fan_out=fan_out)
        policy = scaffold.policy
        notes.extend(scaffold.notes)
        writes.append((policy_path, scaffold.text.encode("utf-8"), "policy file"))
    entry = ""
    source = hook_source(hook_repo)
    if pre_commit or ci == "github":
        # The generated CI runs the pre-commit hook at the rev this file pins: one version.
        config_path = repository / PRE_COMMIT_CONFIG
        entry = render_pre_commit(policy_path, repository, source)
        if not (config_path.exists() or config_path.is_symlink()):
            writes.append((config_path, entry.encode("utf-8"), "pre-commit config"))
            entry = ""
        elif _has_bakegen_hook(config_path):
            notes.append(f"{display_path(config_path)} already runs bakegen's hook; left as it is")
            entry = ""
        else:
            notes.append(f"{display_path(config_path)} exists and is left as it is: add the entry printed "
                         "on stdout under its `repos:`" + (" (the workflow runs that hook)" if ci else ""))
    if ci == "github":
        workflow = render_workflow(policy, repository, fan_out=fan_out)
        path = FAN_OUT_WORKFLOW_PATH if fan_out else WORKFLOW_PATH
        writes.append((repository / path, workflow.encode("utf-8"), "workflow file"))
    # Every refusal comes before any write: `init --ci github` next to an existing workflow must
    # not leave a policy behind.
    existing = {path for path, _, kind in writes if _check_target(path, kind, force)}
    from bakegen.output import write_all

    for path, _, _ in writes:
        path.parent.mkdir(parents=True, exist_ok=True)
    # All or nothing, through temp files and renames, as render writes its outputs.
    write_all([(path, content, display_path(path)) for path, content, _ in writes])
    for note in notes:
        print(f"bakegen: {note}", file=sys.stderr)
    for path, _, _ in writes:
        print(f"bakegen: {'overwrote' if path in existing else 'wrote'} {display_path(path)}", file=sys.stderr)
    sys.stdout.write(entry)
    shown = display_path(policy_path)
    option = "" if shown == DEFAULT_POLICY_FILE else f" -c {shlex.quote(shown)}"
    added = dict.fromkeys([shown, display_path(root / policy.output_json), *(display_path(path) for path, _, _ in writes)])
    print(f"bakegen: next: bakegen render{option} && git add {' '.join(shlex.quote(name) for name in added)}",
          file=sys.stderr)
    return 0


def _check_target(path: Path, kind: str, force: bool) -> bool:
    """Refuse to replace ``path`` without --force; True when it exists (and will be overwritten)."""
    shown = display_path(path)
    if path.is_dir():
        raise UserError(f"{kind} path is a directory; expected a file", Location(shown))
    exists = path.exists() or path.is_symlink()
    if exists and not force:
        raise UserError(f"{kind} already exists; use --force to overwrite", Location(shown))
    return exists


def _has_bakegen_hook(config_path: Path) -> bool:
    try:
        text = config_path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return re.search(r"\bid:\s*['\"]?bakegen-(render|check)\b", text) is not None


def _default_branch(directory: Path) -> str:
    from bakegen.git import default_branch

    return default_branch(directory) or "main"


def scaffold_policy(
    policy_path: Path,
    compose: ComposeChoice = ComposeChoice(),
    *,
    default_branch: str = "main",
    fan_out: bool = False,
    list_dotenv: bool = True,
    earlier_notes: tuple[str, ...] = (),
) -> Scaffold:
    """The policy text for the compose project in ``policy_path``'s directory, checked to compile."""
    from bakegen.compose.loader import DEFAULT_FILES, OVERRIDE_FILES
    from bakegen.naming import normalize_project_name
    from bakegen.pipeline import load_compose
    from bakegen.policy import parse_policy
    from bakegen.yamlio import load_yaml

    root = policy_path.parent
    policy_dir = Path(os.path.abspath(root))
    if not compose.files:
        # compose reads COMPOSE_FILE from the .env of the directory it runs in, too (the
        # environment wins: cli.py passes that as compose.files).
        compose = replace(compose, files=_dotenv_compose_files(policy_dir / ".env", compose.path_separator))
    if compose.files:
        for name in compose.files:
            if not Path(name).is_file():
                raise UserError(f"compose file not found: {name} (given with -f or COMPOSE_FILE)")
        # compose's project directory is the first file's directory.
        directory = Path(os.path.abspath(Path(compose.files[0]).parent))
        found = [Path(os.path.relpath(os.path.abspath(name), policy_dir)).as_posix() for name in compose.files]
    else:
        directory = policy_dir
        # compose's discovery, restricted to the policy's directory: compose also looks in the
        # parents, but a policy whose compose files live above it would compile contexts and
        # write the bake file away from the project, which `init` should not guess at.
        found = [name for name in DEFAULT_FILES if (directory / name).is_file()][:1]
        if not found:
            raise UserError(
                f"no compose file in {display_path(directory) if root != Path('.') else 'the current directory'} "
                f"(looked for {', '.join(DEFAULT_FILES)}); run 'bakegen init' next to the compose file, "
                "or name the files with -f"
            )
        found += [name for name in OVERRIDE_FILES if (directory / name).is_file()][:1]
    env_files: tuple[str, ...] = ()
    notes = list(earlier_notes)
    dotenv = directory / ".env"
    if dotenv.is_file() and list_dotenv:
        # Only a committed .env is listed: its values go into the committed bake file, and an
        # ignored or untracked one is a developer's (often with tokens in it).
        from bakegen.git import file_states

        state = file_states(directory, [".env"])[".env"]
        if state == "tracked":
            env_files = (Path(os.path.relpath(dotenv, policy_dir)).as_posix(),)
        else:
            reason = {"ignored": "git ignores it", "untracked": "git does not track it",
                      "outside": "this is not a git repository"}[state]
            notes.append(f"not listing .env in compose.env_files: {reason}, and its values would "
                         "be written into the committed bake file")

    draft = Policy(path=policy_path, compose_files=tuple(found), env_files=env_files)
    project, _ = load_compose(draft)
    project_name: str | None = None
    if compose.project:
        # COMPOSE_PROJECT_NAME wins over `name:` for compose; written down like -p.
        if normalize_project_name(compose.project) != compose.project:
            raise UserError(
                f"COMPOSE_PROJECT_NAME '{without_controls(compose.project)}' is not a valid compose project "
                "name; expected lower-case letters, digits, '-' and '_', starting with a letter or digit"
            )
        project_name = compose.project
    elif project.name is None:
        # compose names the project after COMPOSE_PROJECT_NAME from .env if set, else after
        # the compose file's directory (the project directory), normalized the compose way;
        # written down so the image names of services without `image:` do not depend on
        # where the repository is checked out. An ignored .env counts too: compose reads it
        # here (laradock-style projects copy a committed .env.example, which names the project).
        project_name = _env_project_name(dotenv) if dotenv.is_file() else None
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

    text: str = templates().get_template("bakegen.yaml.j2").render(
        version=__version__,
        build_services=services,
        compose_files=found,
        project=project_name,
        env_files=list(env_files),
        output_json=OUTPUT_JSON,
        default_branch=default_branch,
        fan_out=fan_out,
    )
    # The scaffold must be a policy `render` accepts and compiles; a failure here is the
    # compose project's (reported as render would report it), or a template bug.
    shown = display_path(policy_path)
    policy = parse_policy(load_yaml(text.encode("utf-8"), shown), policy_path, shown)
    from bakegen.credentials import CarriedCredential
    from bakegen.pipeline import compile_policy

    try:
        compile_policy(policy)
    except CarriedCredential as error:
        if not env_files:
            raise
        # A committed .env with a token in it: listing it would stop every render, so it is
        # left out (compose still reads it) and said.
        note = (f"not listing .env in compose.env_files: its {error.name} {error.why}, and its value "
                "would be written into the committed bake file")
        return scaffold_policy(policy_path, compose, default_branch=default_branch, fan_out=fan_out,
                               list_dotenv=False, earlier_notes=(*notes, note))
    return Scaffold(text, policy, tuple(notes))


def _dotenv_compose_files(path: Path, separator: str | None) -> tuple[str, ...]:
    """A literal COMPOSE_FILE in ``path`` (a .env), split as compose splits it; () without one."""
    if not path.is_file():
        return ()
    from bakegen.dotenv import parse_env_file

    entries = parse_env_file(path.read_bytes().decode("utf-8-sig"), display_path(path))
    values = {entry.name: entry.value for entry in entries}
    files = values.get("COMPOSE_FILE")
    if not files or "$" in files:
        return ()
    separator = separator or values.get("COMPOSE_PATH_SEPARATOR") or os.pathsep
    return tuple(name for name in files.split(separator) if name)


def _env_project_name(path: Path) -> str | None:
    """A literal, valid COMPOSE_PROJECT_NAME in the project's .env (compose prefers it)."""
    from bakegen.dotenv import parse_env_file
    from bakegen.naming import normalize_project_name

    entries = parse_env_file(path.read_bytes().decode("utf-8-sig"), display_path(path))
    values = [entry.value for entry in entries if entry.name == "COMPOSE_PROJECT_NAME"]
    value = values[-1] if values else None
    if value and "$" not in value and normalize_project_name(value) == value:
        return value
    return None


def _repository_root(directory: Path) -> Path:
    """The nearest directory at or above ``directory`` holding ``.git``; else ``directory``."""
    current = Path(os.path.abspath(directory))
    for candidate in (current, *current.parents):
        if (candidate / ".git").exists():
            return candidate
    return current
