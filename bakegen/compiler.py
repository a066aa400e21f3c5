"""Compose project + policy → bake file (a plain dict, rendered elsewhere).

Every compose value that depends on a variable is compiled into a bake template that buildx
evaluates at build time, so the output never depends on the environment bakegen ran in
(``variables.Interpolator``). Each compose build key maps in ``build_keys``; here the targets
are chosen, the policy (tags, platforms, cache) applied, and groups and variables declared.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Container, Iterator, Mapping
from functools import cached_property
from pathlib import Path
from typing import Any

from bakegen import hcl
from bakegen.build_keys import BuildKeyMapper, dedupe
from bakegen.cache import (
    BRANCH_VARIABLE,
    CacheCompiler,
    derived_variables,
    platform_variables,
    platforms_expression,
    reference_problem_at_build_time,
    uses_platform,
)
from bakegen.compose.model import ComposeProject, PathValue, ServiceSpec
from bakegen.envfiles import VariableDefault
from bakegen.errors import Location, UserError
from bakegen.freshness import PLACEHOLDER
from bakegen.inputs import resolved_name
from bakegen.interpolation import Alias
from bakegen.naming import normalize_project_name, target_name
from bakegen.policy import Policy, ServicePolicy
from bakegen.variables import Interpolator, Variables, may_be_empty
from bakegen.yamlio import YamlMap, location_of, location_or_whole

__all__ = ["PROJECT_ENV_VARIABLE", "PROJECT_VARIABLE", "Compiler", "VariableDefault", "compile_bake", "first_location", "templates_in", "texts_in"]

PROJECT_ENV_VARIABLE = "COMPOSE_PROJECT_NAME"
PROJECT_VARIABLE = "BAKEGEN_PROJECT"
# Variables buildx itself defines (bake/bake.go, defaultVars).
BAKE_BUILTIN_VARIABLES = frozenset({"BAKE_CMD_CONTEXT", "BAKE_LOCAL_PLATFORM"})
_TARGET_NAME = re.compile(r"[A-Za-z0-9_-]+")  # what bake accepts as a target name
_NO_OVERRIDES = ServicePolicy()  # a service the policy does not name (frozen: shared)


class Compiler:
    def __init__(self, project: ComposeProject, policy: Policy, env_defaults: Mapping[str, VariableDefault]) -> None:
        self.project = project
        self.policy = policy
        self.output_dir = policy.root / Path(policy.output_json).parent
        self.variables = Variables(defaults=dict(env_defaults), policy=dict(policy.variables))
        # Files loaded by an include with env files: their values read its variables.
        self.interpolator = Interpolator(self.variables, project.include_envs)
        self.project_name = self._project_name()
        self.uses_project_variable = False
        # Per compile: what depends only on the policy's tag templates, and the compose image
        # names already checked (an {image} template checks the same name again): with
        # `tags: [".../{service}:{branch}", "{image}"]`, measured −6 ms at 1000 services.
        self._tag_locations: dict[tuple[tuple[str, ...], int], Location | None] = {}
        self._tag_parts: dict[str, tuple[str, str | None]] = {}
        self._valid_compose_tags: set[str] = set()
        # compose interpolates ${COMPOSE_PROJECT_NAME} as the project's name (compose-go
        # loader.projectName): fixed by the policy, or as compose resolves it at build time.
        if policy.project:
            self.interpolator.alias(PROJECT_ENV_VARIABLE, Alias(self.project_name))
        else:
            self.interpolator.alias(PROJECT_ENV_VARIABLE, Alias(PROJECT_VARIABLE, expression=True), self.project_reference)
        self.cache = CacheCompiler(policy, self.project_name, self._policy_location)
        self.build_keys = BuildKeyMapper(project, self.interpolator, self.output_dir, self.project_reference)

    # -- positions --------------------------------------------------------------------------
    def _policy_location(self, key: str) -> Location | None:
        return self.policy.written_at("cache", key)

    # -- services without a build -------------------------------------------------------------
    def _require_image(self, spec: ServiceSpec) -> None:
        """compose refuses a service with neither build nor image, also when image is "" at run time."""
        message = f'service "{spec.name}" has neither an image nor a build context specified'
        if spec.image is None or not spec.image.value:
            raise UserError(message, spec.location)
        raw = spec.image.value
        if not may_be_empty(raw):
            return
        from bakegen.interpolation import parse

        image = self.interpolator.template(raw, spec.image.location)
        anchor = min(parse(raw).variables())
        self.variables.add_validation(anchor, "${" + f'{hcl.quote_template(image)} != ""' + "}", message)

    # -- project ----------------------------------------------------------------------------
    def _project_name(self) -> str:
        if self.policy.project:
            return self.policy.project
        raw_name = self.project.name
        if raw_name:
            location = self.project.name_location
            name = normalize_project_name(self.interpolator.literal(raw_name, location, "the compose project name"))
            if not name:
                raise UserError("the compose project name is empty after normalization", location)
            return name
        directory = self.project.project_directory
        return normalize_project_name(resolved_name(directory)) or "default"

    # -- services ---------------------------------------------------------------------------
    def selected_services(self) -> list[str]:
        overrides = self._overrides
        chosen = []
        for name in self.project.build_services():
            if not any(fnmatch.fnmatchcase(name, pattern) for pattern in self.policy.include):
                continue
            if any(fnmatch.fnmatchcase(name, pattern) for pattern in self.policy.exclude):
                continue
            if overrides.get(name, _NO_OVERRIDES).skip:
                continue
            chosen.append(name)
        return chosen

    def compile(self) -> dict[str, Any]:
        services = self.selected_services()
        self._check_target_names(services)
        self.cache.check_unique(services)
        self._scan_required_variables()
        self._check_static_include_uses()
        targets = {target_name(name): self.compile_target(name) for name in services}
        self._check_target_references(targets)
        groups: dict[str, Any] = {"default": {"targets": sorted(targets)}}
        for group, patterns in self.policy.groups:
            members = sorted(
                {target_name(name) for name in services for pattern in patterns if fnmatch.fnmatchcase(name, pattern)}
            )
            groups[group] = {"targets": members}
        bake: dict[str, Any] = {"//": PLACEHOLDER}  # the header: freshness.seal fills it in
        variables = self._variables()
        if variables:
            bake["variable"] = variables
        bake["group"] = groups
        bake["target"] = targets
        return bake

    def _check_target_names(self, services: list[str]) -> None:
        seen: dict[str, str] = {}
        for name in services:
            target = target_name(name)
            if not _TARGET_NAME.fullmatch(target):
                raise UserError(
                    f"service name '{name}' cannot be a bake target name; bake allows [a-zA-Z0-9_-] "
                    "(dots become '_')",
                    self._service(name).location,
                )
            if target in seen:
                raise UserError(
                    f"services '{seen[target]}' and '{name}' both become bake target '{target}'",
                    self._service(name).location,
                )
            seen[target] = name

    def _check_target_references(self, targets: Mapping[str, Any]) -> None:
        """A context on another service's target needs that target in this file, or buildx
        stops with "failed to find target"."""
        for reference in self.build_keys.target_references:
            if reference.target not in targets:
                raise UserError(
                    f"context '{reference.context}' of service '{reference.referrer}' builds on service "
                    f"'{reference.service}', which the policy leaves out of the bake file (targets.include, "
                    "targets.exclude or services.<name>.skip); buildx would fail to find its target",
                    reference.location,
                )

    def _service(self, name: str) -> ServiceSpec:
        return self.project.services[name]

    def _check_static_include_uses(self) -> None:
        """A structural string read an include's variable that also has a bake default:
        compose would use that default (the environment wins), bakegen used the include's."""
        for name, location in self.project.static_include_uses.items():
            if not self.variables.nullable(name):
                raise UserError(
                    f"{name} is set both in an include env file and in compose.env_files or variables; "
                    "compose would use the latter in this path, set it in one place",
                    location,
                )

    def _scan_required_variables(self) -> None:
        """compose fails on ``${V:?…}`` anywhere in a file it reads, not only in build sections.

        compose interpolates each document whole before merging: a check in a value that a
        later file replaces, or outside ``services`` (``networks``, ``x-…``), fails too. So
        every ``?`` check in every document becomes a bake validation, and every invalid
        template anywhere is an error, as it is for compose.
        """
        from bakegen.interpolation import valid_syntax

        for spec in self.project.services.values():
            if spec.build is None:
                self._require_image(spec)
        # The same text checks the same way (and its validations are added once): each text is
        # handled only the first time. It is located only when its location can matter (an
        # error, a `?` check, a file an include reads with env files): measured −20 ms at 1000
        # services, where nearly every text is valid and most are repeated. A text is looked
        # for in its service (or top-level section) only, not the whole document.
        # compose interpolates every line of an env file while reading it: a `${V:?…}` there
        # fails also when no compose file reads that key, so the key is declared with its checks.
        for name, default in self.variables.defaults.items():
            if default.validations:
                self.interpolator.use_variable(name, default.origin)
        checked: set[str] = set()
        scoped = bool(self.project.include_envs)
        for part, where in _document_parts(self.project.documents):
            for value in texts_in(part, skip=checked):
                checked.add(value)
                if "?" in value or scoped:
                    location = first_location(part, where, value)
                    if "?" in value:
                        self.interpolator.template(value, location)
                    else:
                        self.interpolator.check_syntax(value, location)
                elif not valid_syntax(value):
                    self.interpolator.check_syntax(value, first_location(part, where, value))

    # -- one target -------------------------------------------------------------------------
    def compile_target(self, name: str) -> dict[str, Any]:
        target, tags = self.build_keys.map_service(name, self._service(name))
        self._apply_policy(name, target, tags)
        return target

    # -- project name in images -------------------------------------------------------------
    def project_reference(self) -> str:
        """The project name as compose resolves it at run time.

        `-p` (the policy's compose.project) wins; otherwise compose lets COMPOSE_PROJECT_NAME
        (environment or .env) override `name:` and the directory, so image names follow it at
        build time too, normalized the way compose-go's NormalizeProjectName does.
        """
        if self.policy.project:
            return self.project_name
        self.interpolator.use_variable(PROJECT_ENV_VARIABLE, None)
        self.uses_project_variable = True
        return "${" + PROJECT_VARIABLE + "}"


    # -- policy -----------------------------------------------------------------------------
    @cached_property
    def _overrides(self) -> dict[str, ServicePolicy]:
        # Once per compile, not once per target (quadratic in the policy's services).
        return dict(self.policy.services)

    def _apply_policy(self, name: str, target: dict[str, Any], compose_tags: list[str]) -> None:
        overrides = self._overrides.get(name, _NO_OVERRIDES)
        tags = compose_tags
        if self.policy.tags is not None:
            tags = [
                self._policy_tag(template, name, compose_tags, self._policy_item_location(("tags",), index))
                for index, template in enumerate(self.policy.tags)
            ]
            tags = [tag for tag in tags if tag]
        tags = dedupe(
            tags
            + [
                self._policy_tag(template, name, compose_tags, self._policy_item_location(("services", name, "tags"), index))
                for index, template in enumerate(overrides.tags)
            ]
        )
        for tag in tags:
            if tag in compose_tags:
                self._check_compose_tag(name, tag)
        if tags:
            target["tags"] = tags
        if overrides.platforms is not None:
            target["platforms"] = list(overrides.platforms)
        if self.policy.load and "output" not in target:
            # compose builds a multi-platform image with type=image,push=false: the docker
            # exporter cannot load several platforms (`docker compose build --print`).
            several = len(target.get("platforms", [])) > 1
            target["output"] = ["type=image,push=false" if several else "type=docker"]
        if uses_platform(self.policy.cache):
            # Per-platform caches: a run that names its platform (BAKEGEN_PLATFORM, set by a
            # fan-out cell) builds that one platform and reads/writes that platform's scope.
            target["platforms"] = platforms_expression(target.get("platforms", []))
        self._apply_cache(name, target, overrides)

    def _policy_item_location(self, path: tuple[str, ...], index: int) -> Location | None:
        if (path, index) not in self._tag_locations:
            self._tag_locations[path, index] = self.policy.written_at(*path, index)
        return self._tag_locations[path, index]

    def _check_compose_tag(self, service: str, tag: str) -> None:
        """compose's own image names are kept as compose spells them (`docker compose up
        --no-build` looks for them): one that is not a valid reference is refused, not fixed."""
        if tag in self._valid_compose_tags:
            return
        problem = reference_problem_at_build_time(tag)
        if problem is not None:
            spec = self._service(service)
            where = spec.image.location if spec.image is not None else spec.location
            raise UserError(
                f"service '{service}' gets the image name '{tag}' from compose, which is not a valid image "
                f"reference: {problem}; give the service a valid image: in the compose file",
                where,
            )
        self._valid_compose_tags.add(tag)

    def _policy_tag(self, template: str, service: str, compose_tags: list[str], location: Location | None) -> str:
        """A tag template expanded for one service. ``{service}`` is lower-cased in the image
        name (registry repository names are lower case; compose allows `Api`), kept in the tag;
        a user ``${…}`` in the image name is lower-cased at build time."""
        from bakegen.cache import (
            expand_key,
            lower_at_build_time,
            refuse_branch_in_image_name,
            split_tag_template,
        )

        image = compose_tags[-1] if compose_tags else ""
        if "{image}" in template and image:
            self._check_compose_tag(service, image)
        project = self.project_reference() if "{project}" in template else self.project_name
        values = {"image": image, "service": service, "project": project, "branch": "${" + BRANCH_VARIABLE + "}"}
        if "{branch}" in template:
            self.cache.uses_branch = True
        checked = self.cache.checked
        tag = expand_key(template, values, "tag template", location, self.cache.references, checked)
        if template not in self._tag_parts:
            self._tag_parts[template] = split_tag_template(template)
        name_part, tag_part = self._tag_parts[template]
        refuse_branch_in_image_name(name_part, "tag template", template, location)
        if "{image}" not in name_part and ("{service}" in name_part or "${" in name_part):
            name = expand_key(name_part, {**values, "service": service.lower()}, "tag template", location, None, checked)
            tag = lower_at_build_time(name, name_part)
            if tag_part is not None:
                tag += ":" + expand_key(tag_part, values, "tag template", location, None, checked)
        problem = reference_problem_at_build_time(tag)
        if problem is not None:
            raise UserError(
                f"tag template '{template}' gives service '{service}' the tag '{tag}', which is not a valid image "
                f"reference: {problem}",
                location,
            )
        return tag

    def _apply_cache(self, name: str, target: dict[str, Any], overrides: ServicePolicy) -> None:
        reads, writes, read_on, write_on = self.cache.for_target(target_name(name), overrides.cache_mode, overrides.cache_skip)
        local_reads, local_writes, local_on = self.cache.local_for_target(target_name(name), overrides.cache_mode, overrides.cache_skip)
        for key, main, main_on, local in (
            ("cache-from", reads, read_on, local_reads),
            ("cache-to", writes, write_on, local_writes),
        ):
            static = target.pop(key, [])
            if not main and not local:
                if static:
                    target[key] = static
                continue
            tail = [hcl.quote_template(entry) for entry in static]
            branches = []
            if main:
                branches.append((main_on or "true", main))
            if local:
                branches.append((local_on or "false", local))
            expression = "[" + ", ".join(tail) + "]"
            for condition, entries in reversed(branches):
                expression = f"{condition} ? [{', '.join(entries + tail)}] : {expression}"
            target[key] = "${" + expression + "}"

    # -- variables --------------------------------------------------------------------------
    def _variables(self) -> dict[str, Any]:
        names = set(self.variables.used) | set(self.variables.policy) | self.cache.variables
        if self.cache.uses_branch:
            names |= {"GITHUB_BASE_REF", "GITHUB_HEAD_REF", "GITHUB_REF_NAME"}
        declared: dict[str, Any] = {}
        for name in names:
            if name in self.variables.policy:
                entry: dict[str, Any] = {"default": self.variables.policy[name]}
            elif name in self.variables.used:
                entry = {"default": self.variables.defaults.get(name, VariableDefault(None)).text}
            else:
                entry = {"default": ""}
            if name in self.variables.validations:
                entry["validation"] = self.variables.validations[name]
            declared[name] = entry
        if self.cache.uses_branch:
            declared.update(derived_variables())
        if uses_platform(self.policy.cache):
            declared.update(platform_variables())
        if self.uses_project_variable:
            name = PROJECT_ENV_VARIABLE
            declared[PROJECT_VARIABLE] = {
                "default": "${" + f'{name} != null && {name} != "" ? {name} : "{self.project_name}"' + "}"
            }
            # compose rejects an invalid COMPOSE_PROJECT_NAME rather than normalizing it.
            declared[name].setdefault("validation", []).append(
                {
                    "condition": "${" + f'{name} == null || {name} == "" || can(regex("^[a-z0-9][a-z0-9_-]*$", {name}))' + "}",
                    "error_message": f'invalid project name "${{{name}}}": must consist only of lowercase alphanumeric '
                    "characters, hyphens, and underscores as well as start with a letter or number",
                }
            )
        self._check_declared(declared)
        return dict(sorted(declared.items()))

    def _check_declared(self, declared: Mapping[str, Any]) -> None:
        """A variable a policy template reads must be declared in the output, or buildx stops
        with "Unknown variable" (or, for a name read twice in one target, with the misleading
        "variable cycle not allowed"): shared/bake-cases emitted.json, undeclared-var-*."""
        for name, (where, template, location) in self.cache.references.items():
            if name not in declared and name not in BAKE_BUILTIN_VARIABLES:
                raise UserError(
                    f"{where} '{template}' reads the variable {name}, which the bake file would not declare; "
                    f'declare it in bakegen.yaml, e.g. variables: {{{name}: ""}}',
                    location,
                )


def compile_bake(
    project: ComposeProject, policy: Policy, env_defaults: Mapping[str, VariableDefault] | None = None
) -> dict[str, Any]:
    from bakegen.credentials import refuse_carried_credentials

    bake = Compiler(project, policy, env_defaults or {}).compile()
    refuse_carried_credentials(project, policy.allow_credentials, env_defaults or {}, bake)
    return bake


def _document_parts(documents: list[YamlMap]) -> Iterator[tuple[object, Location | None]]:
    """Each service, and each other top-level entry, of every document, with its location."""
    for document in documents:
        for key, value in document.items():
            if key == "services" and isinstance(value, YamlMap):
                for name, service in value.items():
                    yield service, value.value_location(name)
            else:
                yield value, document.value_location(key)


def texts_in(value: object, *, skip: Container[str] = ()) -> Iterator[str]:
    """Every string containing ``$`` below ``value`` and not in ``skip``, in the order
    ``templates_in`` yields them, without looking up locations (``first_location`` finds one)."""
    stack: list[object] = [value]
    while stack:
        current = stack.pop()
        if isinstance(current, str):
            if "$" in current and current not in skip:
                yield current
        elif isinstance(current, dict):  # the model's mappings: no ABC check (a list is no Mapping)
            stack.extend(current.values())
        elif isinstance(current, list):
            stack.extend(current)
        elif isinstance(current, Mapping):
            stack.extend(current.values())
        elif isinstance(current, PathValue):
            stack.append(current.raw)


def first_location(value: object, location: Location | None, text: str) -> Location | None:
    """Where ``templates_in(value, location)`` first yields ``text``."""
    for found, where in templates_in(value, location):
        if found == text:
            return where
    return location


def templates_in(value: object, location: Location | None) -> Iterator[tuple[str, Location | None]]:
    """Every string containing ``$`` below ``value``, with its location.

    Locations are looked up only for those strings (and for containers): most strings of a
    model have no ``$``. An entry of the stack is (value, its container, its key or index
    there, the container's location).
    """
    stack: list[tuple[object, object, object, Location | None]] = [(value, None, None, location)]
    while stack:
        current, container, key, outer = stack.pop()
        if isinstance(current, str):
            if "$" in current:
                yield current, _location_in(container, key, outer)
        elif isinstance(current, Mapping):
            where = _location_in(container, key, outer)
            for item_key, item in current.items():
                stack.append((item, current, item_key, where))
        elif isinstance(current, list):
            where = _location_in(container, key, outer)
            for index, item in enumerate(current):
                stack.append((item, current, index, where))
        elif isinstance(current, PathValue):
            where = current.location
            stack.append((current.raw, None, None, where))


def _location_in(container: object, key: object, outer: Location | None) -> Location | None:
    """Where ``container[key]`` was written (``outer``: the container's own location)."""
    if container is None:
        return outer
    if isinstance(container, list):
        return location_of(container, key, outer)
    return location_or_whole(container, key)
