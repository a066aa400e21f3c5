"""The files `bakegen init` generates besides the policy: the GitHub Actions workflow and the
``.pre-commit-config.yaml`` entry (from ``templates/*.j2``), and where the hook gets bakegen
(``hook_source``: one place, one version). ``templates()`` is init's Jinja2 environment,
the policy scaffold's included: every name is written as a YAML-safe scalar.
"""

from __future__ import annotations

import json
import os
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bakegen import __version__
from bakegen.errors import UserError
from bakegen.policy import DEFAULT_POLICY_FILE, Policy

# bakegen's own repository: the hook's default source (the `Repository` URL in pyproject.toml
# says the same; a test checks they agree).
REPOSITORY = "https://github.com/bakegen/bakegen"
# The pre-commit the generated workflow installs to run the hook (its own pinned version).
PRE_COMMIT_VERSION = "4.7.0"

# Text pasted into `run:` steps and hook arguments: file names and project names only ever
# need these characters, and refusing the rest keeps shell and `${{ }}` syntax out of them.
_PLAIN = re.compile(r"[A-Za-z0-9._/-]+")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def without_controls(text: str) -> str:
    """``text`` with control characters and line separators shown as ``?``."""
    return _CONTROL.sub("?", text)


@dataclass(frozen=True)
class HookSource:
    repo: str  # the git URL pre-commit clones
    rev: str  # the release tag: "v" + bakegen's version


def hook_source(repo: str | None = None) -> HookSource:
    """Where the pre-commit hook (and so the generated CI) gets bakegen: one place, one version.

    The rev is this bakegen's release tag (``v`` + its version: the tag scheme of the release
    workflow). The repository is ``--hook-repo`` if given, else the git URL this bakegen was
    installed from (``pip install git+URL@vX``, recorded by pip as PEP 610 direct_url.json),
    else the project's published repository (``Repository`` in its package metadata).
    """
    rev = f"v{__version__}"
    if repo:
        return HookSource(repo, rev)
    from importlib import metadata

    try:
        distribution = metadata.distribution("bakegen")
    except metadata.PackageNotFoundError:  # running from a source tree that is not installed
        return HookSource(REPOSITORY, rev)
    direct = distribution.read_text("direct_url.json")
    if direct:
        try:
            record = json.loads(direct)
        except ValueError:
            record = {}
        if isinstance(record, dict) and isinstance(record.get("vcs_info"), dict) and record["vcs_info"].get("vcs") == "git":
            return HookSource(str(record.get("url", REPOSITORY)), rev)
    for value in distribution.metadata.get_all("Project-URL") or []:
        label, _, url = value.partition(",")
        if label.strip().lower() == "repository" and url.strip():
            return HookSource(url.strip(), rev)
    return HookSource(REPOSITORY, rev)


def render_workflow(policy: Policy, repository: Path, *, fan_out: bool = False) -> str:
    """The GitHub Actions workflow for ``policy`` in the git repository at ``repository``.

    ``fan_out``: the workflow of one job per target and platform (github-workflow-fanout.yml.j2).
    """
    root = Path(os.path.abspath(policy.root))
    workdir = _plain(os.path.relpath(root, repository), "the project directory")
    # The same files and project name as the policy: `compose up` must look for the images
    # under the names bake gave them.
    compose_args = "".join(f"-f {_plain(name, 'a compose file name')} " for name in policy.compose_files)
    if policy.project:
        compose_args += f"-p {_plain(policy.project, 'the project name')} "
    # `bakegen matrix` runs in the policy's directory, where it finds bakegen.yaml by itself.
    name = policy.path.name
    policy_args = "" if name == DEFAULT_POLICY_FILE else f" -c {shlex.quote(_plain(name, 'the policy path'))}"
    template = "github-workflow-fanout.yml.j2" if fan_out else "github-workflow.yml.j2"
    text: str = templates().get_template(template).render(
        expr=_github_expression,
        policy_args=policy_args,
        version=__version__,
        output_json=_plain(policy.output_json, "the output path"),
        default_branch=policy.cache.default_branch,
        workdir=Path(workdir).as_posix(),
        source="." if workdir == "." else f"./{Path(workdir).as_posix()}",
        compose_args=compose_args,
        pre_commit_version=PRE_COMMIT_VERSION,
    )
    return text


def render_pre_commit(policy_path: Path, repository: Path, source: HookSource | None = None) -> str:
    """The `.pre-commit-config.yaml` with bakegen's hook; hooks run from the repository's root."""
    source = source or hook_source()
    relative = Path(os.path.relpath(os.path.abspath(policy_path), repository)).as_posix()
    args = [] if relative == DEFAULT_POLICY_FILE else ["-c", _plain(relative, "the policy path")]
    text: str = templates().get_template("pre-commit-config.yaml.j2").render(
        version=__version__, policy_args=args, repo=source.repo, rev=source.rev
    )
    return text


def _plain(text: str, what: str) -> str:
    if not _PLAIN.fullmatch(text):
        raise UserError(
            f"{what} '{without_controls(text)}' has characters a generated workflow or hook "
            "cannot carry safely; expected letters, digits, '.', '_', '-' and '/'"
        )
    return text


def _github_expression(text: str) -> str:
    """A GitHub Actions ``${{ … }}`` expression, written from a template."""
    return "${{ " + text + " }}"


def _yaml_scalar(value: Any) -> str:
    # JSON strings are YAML double-quoted scalars: any file or project name is written
    # exactly, whatever YAML would otherwise make of it (`yes`, `1.0`, `#`, `: `).
    return json.dumps(str(value), ensure_ascii=True)


def _comment(value: Any) -> str:
    # A line break inside a comment would start YAML content.
    return without_controls(str(value))


def templates() -> Any:
    """init's Jinja2 templates (the policy's too), with the filters that keep names YAML-safe."""
    from bakegen.resources import data_path
    from bakegen.templating import jinja_environment

    directory = data_path("templates/bakegen.yaml.j2").parent
    return jinja_environment(directory, {"yaml": _yaml_scalar, "comment": _comment})
