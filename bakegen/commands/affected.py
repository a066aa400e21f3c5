"""`bakegen affected`: the targets whose build inputs changed between two commits.

The committed bake file at the head commit says where each target's inputs live; git says
which paths changed (``git diff --name-only base...head``); ``bakegen.affected`` decides.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bakegen.errors import UserError
from bakegen.files import display_path
from bakegen.policy import Policy, load_policy


@dataclass(frozen=True)
class Comparison:
    base: str  # commit
    head: str  # commit
    bake: dict[str, Any]  # the bake file committed at head
    targets: dict[str, list[str]]  # affected target → reasons


def compare(policy: Policy, base: str, head: str) -> Comparison:
    from bakegen import git
    from bakegen.affected import affected_targets
    from bakegen.pipeline import load_compose

    repository = Path(os.path.realpath(git.repository_root(policy.root)))

    def relative(path: Path) -> str:
        return Path(os.path.relpath(os.path.realpath(path), repository)).as_posix()

    base_commit = git.commit(repository, base)
    head_commit = git.commit(repository, head)
    bake_path = relative(policy.root / policy.output_json)
    bake = _read_bake(repository, head, head_commit, bake_path)
    project, _ = load_compose(policy)
    inputs = {relative(policy.path), bake_path}
    inputs |= {relative(path) for path in project.files}
    inputs |= {relative(policy.root / name) for name in policy.env_files}
    if policy.output_hcl:
        inputs.add(relative(policy.root / policy.output_hcl))

    def read(path: str) -> str | None:
        data = git.file_at(repository, head_commit, path)
        return None if data is None else data.decode("utf-8", "replace")

    changed = git.changed_paths(repository, base_commit, head_commit)
    bake_dir = str(Path(bake_path).parent.as_posix())
    result = affected_targets(bake, bake_dir, changed, inputs, read)
    return Comparison(base_commit, head_commit, bake, result.targets)


def committed_bake(policy: Policy, head: str) -> dict[str, Any]:
    """The bake file as committed at ``head`` (the matrix reads targets from it, not the disk)."""
    from bakegen import git

    repository = Path(os.path.realpath(git.repository_root(policy.root)))
    bake_path = Path(os.path.relpath(os.path.realpath(policy.root / policy.output_json), repository)).as_posix()
    return _read_bake(repository, head, git.commit(repository, head), bake_path)


def _read_bake(repository: Path, head: str, head_commit: str, bake_path: str) -> dict[str, Any]:
    from bakegen import git

    text = git.file_at(repository, head_commit, bake_path)
    if text is None:
        raise UserError(f"{bake_path} is not committed at {head}; run 'bakegen render' and commit it")
    try:
        bake = json.loads(text.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise UserError(f"{bake_path} at {head} is not JSON: {error}") from None
    if not isinstance(bake, dict) or not isinstance(bake.get("target", {}), dict):
        raise UserError(f"{bake_path} at {head} is not a bake file; expected an object with 'target'")
    return bake


def run(config: str, base: str, head: str, *, as_json: bool) -> int:
    policy_path = Path(config)
    policy = load_policy(policy_path, display_path(policy_path))
    comparison = compare(policy, base, head)
    if as_json:
        document = {
            "base": comparison.base,
            "head": comparison.head,
            "targets": sorted(comparison.targets),
            "reasons": comparison.targets,
        }
        sys.stdout.write(json.dumps(document, indent=2, sort_keys=True) + "\n")
        return 0
    for name in comparison.targets:
        print(name)
    return 0
