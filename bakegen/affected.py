"""Which bake targets a set of changed files affects (``bakegen affected``).

Pure: the bake file (as committed), the changed paths (from git, relative to the repository
root) and a reader of files at the head commit come in; target names and reasons go out.

A target is affected when a changed path is

- under its context and not left out by the context's .dockerignore (``<Dockerfile>.dockerignore``
  next to the Dockerfile first, as BuildKit reads it, else ``<context>/.dockerignore``);
- its Dockerfile, or one of those .dockerignore files;
- under one of its local additional ``contexts`` (no .dockerignore applies to them);

or when a target it takes as a ``target:`` context is affected (transitively), or when its
context or an additional context is remote (git or URL: its content is not in this
repository, so it is always affected). Every target is affected when a *project input*
changes: the policy, the compose files and listed env files it names, or the bake file.

Paths that hold a bake expression (``${…}``) match conservatively: the expression matches
any text.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bakegen.compose.normalize import is_remote_context
from bakegen.dockerignore import DockerIgnore

_LOCAL_SCHEMES = ("oci-layout://",)
_IMAGE_SCHEMES = ("docker-image://",)


@dataclass(frozen=True)
class TargetInputs:
    """Where one target's inputs live, relative to the repository root."""

    context: str | None  # a directory; None when remote
    dockerfile: str
    contexts: tuple[tuple[str, str], ...]  # (name, directory) of local additional contexts
    depends_on: tuple[str, ...]  # `target:` contexts
    remote: tuple[str, ...]  # remote contexts (always affected)


@dataclass
class Affected:
    targets: dict[str, list[str]] = field(default_factory=dict)  # target → reasons, in order

    def add(self, target: str, reason: str) -> None:
        reasons = self.targets.setdefault(target, [])
        if reason not in reasons:
            reasons.append(reason)


def target_inputs(target: Mapping[str, Any], bake_dir: str) -> TargetInputs:
    """The inputs of one bake target; paths in the file are relative to ``bake_dir``."""
    remote: list[str] = []
    raw_context = str(target.get("context", "."))
    context: str | None = None
    if _is_remote(raw_context):
        remote.append(raw_context)
    else:
        context = _join(bake_dir, raw_context)
    dockerfile_raw = str(target.get("dockerfile", "Dockerfile"))
    base = context if context is not None else bake_dir
    dockerfile = _join(base, dockerfile_raw)
    contexts: list[tuple[str, str]] = []
    depends: list[str] = []
    for name, value in sorted(dict(target.get("contexts") or {}).items()):
        text = str(value)
        if text.startswith("target:"):
            depends.append(text.removeprefix("target:"))
        elif text.startswith(_IMAGE_SCHEMES):
            continue  # an image from a registry: not a file in this repository
        elif text.startswith(_LOCAL_SCHEMES):
            contexts.append((name, _join(bake_dir, text.split("://", 1)[1].split("@", 1)[0])))
        elif _is_remote(text):
            remote.append(text)
        else:
            contexts.append((name, _join(bake_dir, text)))
    return TargetInputs(context, dockerfile, tuple(contexts), tuple(depends), tuple(remote))


def affected_targets(
    bake: Mapping[str, Any],
    bake_dir: str,
    changed: Iterable[str],
    project_inputs: Iterable[str],
    read: Callable[[str], str | None],
) -> Affected:
    """Targets of ``bake`` whose inputs ``changed`` touches (``read``: a file's text at head)."""
    targets: Mapping[str, Any] = bake.get("target") or {}
    changed = sorted(set(changed))
    result = Affected()
    globals_changed = sorted(set(changed) & set(project_inputs))
    if globals_changed:
        for name in sorted(targets):
            result.add(name, f"{globals_changed[0]}: project input changed (every target)")
        return result
    inputs = {name: target_inputs(spec, bake_dir) for name, spec in targets.items()}
    for name in sorted(inputs):
        for reason in _direct_reasons(inputs[name], changed, read):
            result.add(name, reason)
    # Dependencies: a target built from an affected target (`target:` context) is affected.
    progress = True
    while progress:
        progress = False
        for name in sorted(inputs):
            for dependency in inputs[name].depends_on:
                if dependency in result.targets and name not in result.targets:
                    result.add(name, f"depends on target {dependency}")
                    progress = True
    return Affected({name: result.targets[name] for name in sorted(result.targets)})


def _direct_reasons(inputs: TargetInputs, changed: list[str], read: Callable[[str], str | None]) -> list[str]:
    reasons = [f"remote context {value}" for value in inputs.remote]
    ignore_files = []
    if inputs.context is not None:
        ignore_files = [inputs.dockerfile + ".dockerignore", _join(inputs.context, ".dockerignore")]
    dockerfile = _pattern(inputs.dockerfile)
    ignore = _ignore_rules(ignore_files, read)
    for path in changed:
        if dockerfile.match(path):
            reasons.append(f"{path}: Dockerfile")
        elif path in ignore_files:
            reasons.append(f"{path}: .dockerignore")
        elif inputs.context is not None and _under(path, inputs.context):
            relative = _relative(path, inputs.context)
            if ignore is None or not ignore.ignored(relative):
                reasons.append(f"{path}: in context {inputs.context}")
        for name, directory in inputs.contexts:
            if _under(path, directory):
                reasons.append(f"{path}: in context {name} ({directory})")
    return reasons


def _ignore_rules(candidates: list[str], read: Callable[[str], str | None]) -> DockerIgnore | None:
    for path in candidates:
        if "${" in path:
            return None  # not knowable before build time: nothing is taken as ignored
        text = read(path)
        if text is not None:
            return DockerIgnore(text, path)
    return None


def _is_remote(value: str) -> bool:
    """Content outside this repository: a git or URL context (the loader's one definition)."""
    return is_remote_context(value) and not value.startswith(_LOCAL_SCHEMES + _IMAGE_SCHEMES + ("target:",))


def _join(base: str, path: str) -> str:
    joined = path if posixpath.isabs(path) else posixpath.join(base, path)
    return posixpath.normpath(joined)


def _pattern_text(path: str) -> str:
    """A path that may hold ``${…}`` expressions as regex text: each expression matches anything."""
    from bakegen.hcl import map_interpolations

    return ".*".join(re.escape(part) for part in map_interpolations(path, lambda _: "\0").split("\0"))


def _pattern(path: str) -> re.Pattern[str]:
    return re.compile("^" + _pattern_text(path) + "$")


def _under(path: str, directory: str) -> bool:
    if directory == ".":
        return True
    if "${" in directory:
        return re.match(_pattern_text(directory) + "/", path) is not None
    return path.startswith(directory + "/")


def _relative(path: str, directory: str) -> str:
    return path if directory == "." else path[len(directory) + 1 :]
