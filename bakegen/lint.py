"""Lints over the combination of policy, compose project and compiled bake file.

A lint is a function of a ``LintContext`` returning Problems (listed in ``RULES``); ``pipeline``
runs them for every command and ``problems.report`` prints them: ``validate`` reports all,
``render`` and ``check`` print them too and stop on an error.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from bakegen import inputs
from bakegen.compose.model import ComposeProject
from bakegen.envfiles import VariableDefault
from bakegen.errors import Location
from bakegen.files import display_path
from bakegen.policy import Policy
from bakegen.problems import Problem


class LintContext:
    def __init__(
        self,
        policy: Policy,
        project: ComposeProject,
        bake: dict[str, Any],
        env_defaults: Mapping[str, VariableDefault] | None = None,
    ) -> None:
        self.policy = policy
        self.project = project
        self.bake = bake
        self.env_defaults = env_defaults or {}  # the listed env files' values, as compiled
        self._services_by_target: dict[str, str] | None = None  # built on first use: service_of

    def policy_location(self, *path: str | int) -> Location:
        return self.policy.location(*path)

    def policy_key_location(self, section: str, key: str) -> Location:
        return self.policy.key_location(section, key)

    def service_location(self, name: str) -> Location:
        return self.project.services[name].location

    def service_of(self, target: str) -> str:
        """The compose service a bake target comes from (the first one, in file order, whose
        target name it is); a name no service maps to is returned as it is."""
        if self._services_by_target is None:
            from bakegen.naming import target_name

            self._services_by_target = {}
            for name in self.project.services:
                self._services_by_target.setdefault(target_name(name), name)
        return self._services_by_target.get(target, target)

    def build_services(self) -> list[str]:
        return self.project.build_services()


Lint = Callable[[LintContext], Iterable[Problem]]

# Warnings about this machine or checkout rather than the committed inputs (a developer's own
# .env, the git branches here). The header's content hash cannot cover them; the inputs they
# read are watched instead (inputs.watch, inputs.note_git_branch) and the fast path asks again.
MACHINE_RULES = frozenset({"unlisted-env-file", "default-branch-missing"})


def run_lints(context: LintContext, rules: Iterable[Lint] | None = None) -> list[Problem]:
    problems: list[Problem] = []
    for rule in RULES if rules is None else rules:
        problems.extend(rule(context))
    return problems


def shared_scope(context: LintContext) -> Iterator[Problem]:
    cache = context.policy.cache
    exporting = cache.export != "none" and cache.backend not in ("none", "inline")
    if cache.scope == "shared" and exporting and len(context.bake["target"]) > 1:
        yield Problem(
            context.policy_location("cache", "scope"),
            "warning",
            f"{len(context.bake['target'])} targets export to one shared cache scope; each export "
            "replaces the scope's index, so only the last target keeps its cache; use per-service",
            "shared-cache-scope",
        )


_QUOTED_CACHE_ENTRY = re.compile(r'"(type=[^"]*)"')


def duplicate_cache_destinations(context: LintContext) -> Iterator[Problem]:
    seen: dict[str, str] = {}
    for name, target in sorted(context.bake["target"].items()):
        entries = target.get("cache-to", [])
        if isinstance(entries, str):
            # The policy's own entries, compiled into one conditional list; a shared scope
            # is reported once by shared_scope, not once per pair of targets.
            if context.policy.cache.scope == "shared":
                continue
            entries = _QUOTED_CACHE_ENTRY.findall(entries)
        for entry in entries:
            if entry == "type=inline":
                continue
            destination = ",".join(part for part in entry.split(",") if not part.startswith(("mode=", "ignore-error=")))
            if destination in seen and seen[destination] != name:
                yield Problem(
                    context.service_location(name) if name in context.project.services else context.policy_location("cache"),
                    "error",
                    f"targets '{seen[destination]}' and '{name}' export cache to the same destination "
                    f"'{destination}'; each export overwrites the other",
                    "duplicate-cache-destination",
                )
            seen.setdefault(destination, name)


def image_name_from_directory(context: LintContext) -> Iterator[Problem]:
    if context.policy.project or context.project.name:
        return
    for name in context.build_services():
        image = context.project.services[name].image
        if image is None or not image.value:
            yield Problem(
                context.service_location(name),
                "warning",
                f"service '{name}' has no image: and the project has no name:, so its image name "
                "depends on the checkout directory's name; set compose.project in the policy or name: in compose",
                "image-name-from-directory",
            )


def unknown_services(context: LintContext) -> Iterator[Problem]:
    services = set(context.project.services)
    build_services = context.build_services()
    for name, _ in context.policy.services:
        if name not in services:
            yield Problem(
                context.policy_key_location("services", name),
                "error",
                f"policy names service '{name}', which the compose project does not define",
                "unknown-service",
            )
    for section, patterns in (("include", context.policy.include), ("exclude", context.policy.exclude)):
        for index, pattern in enumerate(patterns):
            if not any(fnmatch.fnmatchcase(name, pattern) for name in build_services):
                yield Problem(
                    context.policy_location("targets", section, index),
                    "warning",
                    f"targets.{section} pattern '{pattern}' matches no build service",
                    "glob-matches-nothing",
                )
    for group, patterns in context.policy.groups:
        for index, pattern in enumerate(patterns):
            if not any(fnmatch.fnmatchcase(name, pattern) for name in build_services):
                yield Problem(
                    context.policy_location("targets", "groups", group, index),
                    "warning",
                    f"group '{group}' entry '{pattern}' matches no build service",
                    "glob-matches-nothing",
                )


def unlisted_env_file(context: LintContext) -> Iterator[Problem]:
    from bakegen.envfiles import unlisted_dotenv

    found = unlisted_dotenv(context.policy, context.project.project_directory, set(context.bake.get("variable", {})))
    if found is None:
        return
    path, names = found
    from bakegen.git import file_states

    if file_states(path.parent, [path.name])[path.name] != "tracked":
        # A developer's own .env (ignored or never committed) cannot be listed; it matters only
        # where it sets what the bake file uses.
        if names:
            yield Problem(
                Location(display_path(path)),
                "warning",
                f"compose reads {', '.join(names)} from this .env, which git does not commit, so bake builds "
                "without those values; set them in the environment where bake runs",
                "unlisted-env-file",
            )
        return
    effect = f"its {', '.join(names)} differ between compose and bake" if names else "its values are not carried"
    yield Problem(
        Location(display_path(path)),
        "warning",
        f"compose reads this .env, but the policy does not list it in compose.env_files, so {effect}; "
        "list it (and commit it) or remove it",
        "unlisted-env-file",
    )


_REMOTE_CONTEXT = re.compile(r"^[a-z][a-z0-9+.-]*://|^git@")


def missing_paths(context: LintContext) -> Iterator[Problem]:
    # Joined as strings, one Path per probe: measured −3 ms at 1000 services.
    output_dir = os.fspath(context.policy.root / Path(context.policy.output_json).parent)
    for name, target in sorted(context.bake["target"].items()):
        context_path = target.get("context", ".")
        if "${" in context_path or _REMOTE_CONTEXT.match(context_path):
            continue
        directory = Path(os.path.normpath(os.path.join(output_dir, context_path)))
        location = context.service_location(context.service_of(name))
        if not inputs.is_dir(directory):
            yield Problem(location, "error", f"build context '{context_path}' of '{name}' does not exist", "missing-context")
            continue
        dockerfile = target.get("dockerfile", "Dockerfile")
        if "dockerfile-inline" not in target and "${" not in dockerfile and not inputs.is_file(directory / dockerfile):
            yield Problem(
                location, "error", f"dockerfile '{dockerfile}' of '{name}' does not exist in its context", "missing-dockerfile"
            )


def machine_specific_paths(context: LintContext) -> Iterator[Problem]:
    """Absolute paths are kept as written; they name files of one machine, not of the checkout."""
    for name, target in sorted(context.bake["target"].items()):
        paths = [("build context", target.get("context")), ("dockerfile", target.get("dockerfile"))]
        paths += [(f"additional context '{key}'", value) for key, value in sorted(target.get("contexts", {}).items())]
        paths += [
            (f"secret '{entry.split(',')[0].removeprefix('id=')}'", entry.split(",src=", 1)[1])
            for entry in target.get("secret", []) if isinstance(entry, str) and ",src=" in entry
        ]
        for what, path in paths:
            if isinstance(path, str) and path.startswith("/"):
                yield Problem(
                    context.service_location(context.service_of(name)),
                    "warning",
                    f"{what} of '{name}' is the absolute path '{path}', which exists on this machine only; "
                    "use a path relative to the compose file",
                    "machine-specific-path",
                )


def default_branch_exists(context: LintContext) -> Iterator[Problem]:
    """Pushes to the default branch seed the cache (and `export: default-branch` exports only there)."""
    from bakegen.freshness import branches_seen
    from bakegen.git import branch_exists

    name = context.policy.cache.default_branch
    inputs.note_git_branch(context.policy.root, name)  # the fast path asks git again
    try:
        # Seen in git's files (or no repository): no need to start git on every render.
        seen = branches_seen(str(context.policy.root), [name])
    except (OSError, ValueError, IndexError):  # a .git it cannot read: git decides
        seen = False
    if not seen and branch_exists(context.policy.root, name) is False:
        yield Problem(
            context.policy_location("cache", "default_branch"),
            "warning",
            f"default branch '{name}' does not exist in this git repository; set cache.default_branch "
            "to the repository's default branch (and the branch the workflow's `on: push` names)",
            "default-branch-missing",
        )


def unset_variables(context: LintContext) -> Iterator[Problem]:
    """A bare ``${V}`` no listed env file sets: compose warns "variable is not set" and uses ""."""
    from bakegen.compiler import first_location, texts_in
    from bakegen.interpolation import InterpolationError, Substitution, Template, parse
    from bakegen.yamlio import location_of

    declared = context.bake.get("variable", {})
    candidates = {
        name for name, entry in declared.items()
        if isinstance(entry, dict) and entry.get("default", "") is None and "validation" not in entry
    }
    candidates -= set(context.env_defaults) | {name for name, _ in context.policy.variables}
    if not candidates:
        return

    def bare(template: Template) -> Iterator[str]:
        for part in template.parts:
            if isinstance(part, Substitution):
                if part.operator is None:
                    yield part.name
                elif part.argument is not None:
                    yield from bare(part.argument)

    # A bare use of V is written `$V` or `${V}`: a text that has neither for any candidate is
    # not parsed (measured −1.5 ms at 1000 services, whose image names all differ).
    spelled = "|".join(re.escape(name) for name in sorted(candidates))
    may_mention = re.compile(rf"\$(?:{spelled}|\{{(?:{spelled})\}})").search
    reported: set[str] = set()
    seen: set[str] = set()  # a text seen before names only variables already reported (or not candidates)
    for service in context.build_services():
        spec = context.project.services[service]
        for key in ("image", "build"):
            value = spec.data.get(key)
            for text in texts_in(value, skip=seen):
                seen.add(text)
                if not may_mention(text):
                    continue
                try:
                    names = sorted(set(bare(parse(text))) & candidates - reported)
                except InterpolationError:
                    continue
                if not names:
                    continue
                # Located only when reported (rarely): measured −10 ms at 1000 services.
                location = first_location(value, location_of(spec.data, key, context.service_location(service)), text)
                for name in names:
                    reported.add(name)
                    yield Problem(
                        location or context.service_location(service),
                        "warning",
                        f"variable {name} has no default and no listed env file sets it: compose warns that "
                        f"it is not set and uses an empty string; set it in the environment or a listed env "
                        f"file, or give it a default (${{{name}:-…}})",
                        "unset-variable",
                    )


def multi_platform_load(context: LintContext) -> Iterator[Problem]:
    """The docker exporter loads one platform: compose `up --no-build` cannot find the others' image."""
    if not context.policy.load:
        return
    overrides = dict(context.policy.services)  # once, not per target
    for name, target in sorted(context.bake["target"].items()):
        platforms = target.get("platforms")
        if isinstance(platforms, list) and len(platforms) > 1:
            service = context.service_of(name)
            written = overrides.get(service)
            location = (
                context.policy_location("services", service, "platforms")
                if written is not None and written.platforms
                else context.service_location(service)
            )
            yield Problem(
                location,
                "warning",
                f"target '{name}' builds {len(platforms)} platforms ({', '.join(platforms)}), which docker "
                "cannot load: `docker compose up --no-build` will not find its image; build one platform "
                "where compose runs it, or set targets.load: false",
                "multi-platform-load",
            )


def bake_run_directory(context: LintContext) -> Iterator[Problem]:
    parent = Path(context.policy.output_json).parent
    if parent != Path("."):
        yield Problem(
            context.policy_location("output", "json"),
            "warning",
            f"bake resolves context paths from the directory it runs in: run 'docker buildx bake' from "
            f"{parent.as_posix()}/ (or set BUILDX_BAKE_FILE_RELATIVE_PATHS=1)",
            "bake-run-directory",
        )


def policy_variable_shadows_compose(context: LintContext) -> Iterator[Problem]:
    compose_variables = {
        name for name, variable in context.bake.get("variable", {}).items() if variable.get("default") is None
    }
    written: list[str] | None = None  # the compose build and image sections as text, made on first need
    for name, _ in context.policy.variables:
        if name not in compose_variables:
            written = _compose_texts(context) if written is None else written
            if not _used_by_compose(written, name):
                continue
        yield Problem(
            context.policy_key_location("variables", name),
            "warning",
            f"variable '{name}' is also used by the compose file; its policy default changes what "
            "compose's ${" + name + "} means in the bake file",
            "variable-shadows-compose",
        )


def unsupported_build_keys(context: LintContext) -> Iterator[Problem]:
    """A build key compose accepts and bake cannot express (compose.keys): said, never dropped silently."""
    from bakegen.compose.keys import UNSUPPORTED_KEYS

    for name in context.build_services():
        build = context.project.services[name].build
        for key, location in build.unsupported if build is not None else ():
            yield Problem(location, "warning", f"services.{name}.{UNSUPPORTED_KEYS[key]}", "unsupported-build-key")


def _compose_texts(context: LintContext) -> list[str]:
    """Every service's build and image sections as text: made once, not once per policy variable."""
    return [repr(spec.data.get(key, "")) for spec in context.project.services.values() for key in ("build", "image")]


def _used_by_compose(texts: list[str], name: str) -> bool:
    pattern = re.compile(r"\$\{?" + re.escape(name) + r"\b")
    return any(pattern.search(text) for text in texts)


RULES = (
    shared_scope,
    duplicate_cache_destinations,
    image_name_from_directory,
    unknown_services,
    unlisted_env_file,
    missing_paths,
    machine_specific_paths,
    default_branch_exists,
    unset_variables,
    multi_platform_load,
    bake_run_directory,
    policy_variable_shadows_compose,
    unsupported_build_keys,
)
