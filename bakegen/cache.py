"""The cache policy compiled into bake ``cache-from`` / ``cache-to`` values.

Everything that varies at build time (CI or not, branch, base branch) is a bake expression
over a few variables declared here; the bake file itself switches caching on in CI.

Why the gha default scope is the bare service name: BuildKit keys a gha scope's index by the
git ref of the run's Actions token and reads the scope under every ref the token may read
(own ref, PR base, default branch), so ``scope=api`` is already isolated per branch and falls
back to the base and default branch (BuildKit ``cache/remotecache/gha/gha.go``). A key with
``{branch}`` defeats that, so the fallback chain is then compiled into extra cache-from entries.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from bakegen.errors import Location, UserError
from bakegen.naming import BRANCH_HASH_LENGTH, BRANCH_SLUG_LENGTH, branch_slug, reference_problem
from bakegen.policy import CachePolicy, Policy

BRANCH_VARIABLE = "BAKEGEN_BRANCH"
BASE_BRANCH_VARIABLE = "BAKEGEN_BASE_BRANCH"
# The fan-out's knob: the one platform a run builds (e.g. linux/arm64), set by the workflow.
PLATFORM_VARIABLE = "BAKEGEN_PLATFORM"
PLATFORM_SLUG_VARIABLE = "BAKEGEN_PLATFORM_SLUG"
# {platform} when PLATFORM_VARIABLE is unset: the run builds all of a target's platforms at once.
ALL_PLATFORMS_SLUG = "all"
_PLATFORM = "${" + PLATFORM_SLUG_VARIABLE + "}"
_PLACEHOLDER = re.compile(r"(?<!\$)\{([A-Za-z_]+)\}")

# Variables the policy's templates read: name → (where, template, location) of its first use.
References = dict[str, tuple[str, str, Location | None]]


def _nonempty(name: str) -> str:
    # Null-safe: a compose file may reference the same variable, which then has a null default.
    return f'{name} != null && {name} != ""'


def slug_expression(raw: str) -> str:
    """The sanitizer, bake twin of ``naming.branch_slug`` without its fallback (checked against
    real buildx in shared/bake-cases): lower case, [A-Za-z0-9._-] runs kept, cut to 64, trimmed."""
    return f'trim(substr(lower(regex_replace({raw}, "[^A-Za-z0-9._-]+", "-")), 0, {BRANCH_SLUG_LENGTH}), "-.")'


def branch_slug_expression(raw: str) -> str:
    """Bake twin of ``naming.branch_slug``: the sanitizer, or when it leaves nothing (`#`, only
    non-ASCII letters) ``substr(sha256(…), 0, 12)`` (recorded in shared/bake-cases on its own;
    this conditional combining them is not)."""
    slug = slug_expression(raw)
    return f'{slug} != "" ? {slug} : substr(sha256({raw}), 0, {BRANCH_HASH_LENGTH})'


def derived_variables() -> dict[str, dict[str, object]]:
    """Variables every cached bake file declares: the GitHub context and two branch slugs."""
    head = f'{_nonempty("GITHUB_HEAD_REF")} ? GITHUB_HEAD_REF : {_nonempty("GITHUB_REF_NAME")} ? GITHUB_REF_NAME : "local"'
    base = "GITHUB_BASE_REF"
    return {
        BRANCH_VARIABLE: {"default": "${" + branch_slug_expression(f"({head})") + "}"},
        BASE_BRANCH_VARIABLE: {
            "default": "${" + f'{_nonempty(base)} ? ({branch_slug_expression(base)}) : ""' + "}"
        },
    }


def uses_platform(cache: CachePolicy) -> bool:
    """Whether the policy splits caches per platform: {platform} in the key or the ref."""
    return "{platform}" in cache.key or (cache.ref is not None and "{platform}" in cache.ref)


def platform_variables() -> dict[str, dict[str, object]]:
    """The platform a run builds, and its slug for cache keys (``linux/arm64`` → ``linux-arm64``)."""
    name = PLATFORM_VARIABLE
    return {
        name: {"default": ""},
        PLATFORM_SLUG_VARIABLE: {
            "default": "${" + f'{_nonempty(name)} ? {slug_expression(name)} : "{ALL_PLATFORMS_SLUG}"' + "}"
        },
    }


def platforms_expression(static: list[str]) -> str:
    """A target's platforms: the run's one platform when it names one, else the target's own."""
    from bakegen import hcl

    own = ", ".join(hcl.quote_template(platform) for platform in static)
    # The element is a quoted template, the shape of the cache entries in shared/bake-cases.
    run = '"${' + PLATFORM_VARIABLE + '}"'
    return "${" + f"{_nonempty(PLATFORM_VARIABLE)} ? [{run}] : [{own}]" + "}"


def switch_condition(switch: str) -> str:
    """The bake condition for an ``enabled`` switch: ci, always, never or env:NAME."""
    if switch == "ci":
        return 'GITHUB_ACTIONS == "true"'
    if switch == "always":
        return "true"
    if switch == "never":
        return "false"
    name = switch.removeprefix("env:")
    return f'{name} == "true" || {name} == "1"'


def switch_variables(switch: str) -> tuple[str, ...]:
    if switch == "ci":
        return ("GITHUB_ACTIONS",)
    if switch.startswith("env:"):
        return (switch.removeprefix("env:"),)
    return ()


# (template, expanded text, or "" when it holds no bake expression) → the variables it reads, for
# texts _check_template passed: one per compile (CacheCompiler.checked), since a tag's `{branch}`
# part expands alike for every service.
Checked = dict[tuple[str, str], list[str]]


def expand_key(
    template: str,
    values: dict[str, str],
    where: str,
    location: Location | None,
    used: References | None = None,
    checked: Checked | None = None,
) -> str:
    """Replace {placeholders}; ``${…}`` bake expressions pass through untouched, and the
    variables they read are recorded in ``used`` (the compiler checks they are declared)."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            allowed = ", ".join("{" + key + "}" for key in sorted(values))
            at = location.at(match.start()) if location is not None else None
            raise UserError(f"unknown placeholder {{{name}}} in {where}; expected one of {allowed}", at)
        return values[name]

    if '"' in template or "\\" in template:
        raise UserError(f"{where} must not contain '\"' or '\\'", location)
    expanded = _PLACEHOLDER.sub(replace, template)
    # The check reads the expanded text only when it holds a bake expression: otherwise one
    # check per template (a key `{service}` expands differently for every service; measured
    # −1 ms at 1000 services).
    check = (template, expanded if "${" in expanded or "%{" in expanded else "")
    names = checked.get(check) if checked is not None else None
    if names is None:
        names = _check_template(template, expanded, where, location)
        if checked is not None:
            checked[check] = names
    if used is not None:
        for name in names:
            used.setdefault(name, (where, template, location))
    return expanded


def split_tag_template(template: str) -> tuple[str, str | None]:
    """(image name part, tag part or None) of a tag template: the tag follows the last ':'
    after the last '/', outside ``${…}`` expressions."""
    from bakegen.hcl import map_interpolations

    mask = map_interpolations(template, lambda expression: "\0" * len(expression))
    colon = mask.rfind(":")
    if colon > mask.rfind("/"):
        return template[:colon], template[colon + 1 :]
    return template, None


def refuse_branch_in_image_name(name_part: str, where: str, template: str, location: Location | None) -> None:
    """A branch slug is a valid tag, not always a valid repository name (`_x`, `a..b`,
    `a___b`): ``{branch}`` belongs in the tag, after the ':'."""
    if "{branch}" in name_part:
        raise UserError(
            f"{where} '{template}' puts {{branch}} in the image name, where branch names such as '_x' or 'a..b' "
            "are not valid; put {branch} in the tag, after the ':'",
            location,
        )


def refuse_option_separator(text: str, where: str, location: Location | None) -> None:
    """A cache entry is CSV (`type=gha,scope=…`): a literal ',' in a value would end it and start
    another option (`key: "{service},mode=min"` silently sets mode=min and scope=<service>)."""
    from bakegen.hcl import strip_interpolations

    if "," in (strip_interpolations(text) or ""):
        raise UserError(
            f"{where} '{text}' must not contain ','; in a cache entry it would start another option", location
        )


def lower_at_build_time(name: str, template: str) -> str:
    """An image name whose template has a user ``${…}`` (``ghcr.io/${OWNER}/{service}``): the
    value is known only at build time and may be upper case (a GitHub owner `Acme`), so the
    whole name is lower-cased by bake. Names without one are lower-case or refused already."""
    if "${" not in template.replace("$${", ""):
        return name
    from bakegen.hcl import quote_template

    return "${lower(" + quote_template(name) + ")}"


def _build_time_example(expression: str) -> str:
    """A value an expression can take at build time, to check the static rest of a name.

    bakegen's branch slugs are at most 64 characters of [a-z0-9._-]; the project name is
    checked by a validation; other expressions are the user's values, taken as a plain word.
    """
    if expression in ("${" + BRANCH_VARIABLE + "}", "${" + BASE_BRANCH_VARIABLE + "}"):
        return "b" * BRANCH_SLUG_LENGTH
    return "x"


def reference_problem_at_build_time(reference: str) -> str | None:
    """``naming.reference_problem`` of a reference that may hold bake expressions."""
    from bakegen.hcl import map_interpolations

    return reference_problem(map_interpolations(reference, _build_time_example))


def _check_template(template: str, expanded: str, where: str, location: Location | None) -> list[str]:
    """A template must be placeholders, literal text and well-formed bake ``${…}`` expressions.

    Returns the variables the expanded template reads, from the same parse (bakegen.bake's
    parser is the costly part of a tag template: measured, parsing once instead of twice took
    a 1000-service compile with an {image} tag template from ~440 to ~250 ms)."""
    from bakegen.hcl import strip_interpolations

    literal = strip_interpolations(_PLACEHOLDER.sub("", template))
    if literal is None or "{" in literal.replace("$${", "").replace("%%{", "") or "}" in literal:
        raise UserError(
            f"{where} '{template}' has an unbalanced '{{' or '}}'; placeholders look like {{service}} and bake "
            "expressions like ${NAME}",
            location,
        )
    if "${" in expanded or "%{" in expanded:
        from bakegen.bake.diagnostics import BakeError, Pos
        from bakegen.bake.parser import parse_template

        try:
            return parse_template(expanded, "bakegen.yaml", Pos(1, 1)).variables()
        except BakeError as error:
            detail = str(error).split(": ", 1)[-1]
            raise UserError(f"{where} '{template}' is not a valid bake template: {detail}", location) from None
    return []


class CacheCompiler:
    """Builds the cache-from / cache-to values for each target under one policy."""

    def __init__(self, policy: Policy, project: str, location: Callable[[str], Location | None]) -> None:
        self.policy = policy
        self.cache: CachePolicy = policy.cache
        self.project = project
        self._location = location
        # Per compile: where each cache key was written, and the texts already checked for a
        # ',' (per target, both were recomputed for the same policy text: measured −3 ms at
        # 1000 services).
        self._locations: dict[str, Location | None] = {}
        self._separators_checked: set[tuple[str, str]] = set()
        self.checked: Checked = {}  # for expand_key, by every template of this compile
        self.uses_branch = False
        self.variables: set[str] = set()
        self.references: References = {}
        # (key template, service, branch) → the expanded key: scopes, reads and writes of a
        # target ask for the same key, and checking and expanding it again gives the same text.
        self._keys: dict[tuple[str, str, str], str] = {}
        self._refs: dict[tuple[str, str], str] = {}  # (service, branch) → registry ref, as _keys

    def location(self, key: str) -> Location | None:
        """Where ``cache.<key>`` was written."""
        if key not in self._locations:
            self._locations[key] = self._location(key)
        return self._locations[key]

    def _refuse_option_separator(self, text: str, where: str, key: str) -> None:
        """``refuse_option_separator`` once per text: the same text passes the same way."""
        if (text, where) not in self._separators_checked:
            refuse_option_separator(text, where, self.location(key))
            self._separators_checked.add((text, where))

    # -- keys -------------------------------------------------------------------------------
    def _key(self, service: str, branch: str, *, template: str | None = None) -> str:
        cache = self.cache
        text = template if template is not None else cache.key
        if cache.scope == "shared" and template is None and cache.key == "{service}":
            text = "{project}"
        known = self._keys.get((text, service, branch))
        if known is not None:
            return known
        values = {"service": service, "project": self.project, "branch": branch, "platform": _PLATFORM}
        self._refuse_option_separator(text, "cache.key", "key")
        key = self._keys[text, service, branch] = expand_key(
            text, values, "cache.key", self.location("key"), self.references, self.checked
        )
        return key

    def _branch_key_used(self) -> bool:
        # Registry refs always carry the branch as their tag: registries know no git refs.
        if self.cache.backend in ("registry", "inline") and self.cache.ref is not None:
            return True
        return "{branch}" in self.cache.key

    def check_unique(self, services: list[str]) -> None:
        """Per-service scopes must differ, or exports overwrite each other's index."""
        if self.cache.backend in ("none", "inline") or self.cache.scope == "shared":
            return
        seen: dict[str, str] = {}
        for service in services:
            key = self._destination(service, "${" + BRANCH_VARIABLE + "}")
            if key in seen and self.cache.backend == "registry" and seen[key].lower() == service.lower():
                raise UserError(
                    f"cache.ref '{self.cache.ref}' gives services '{seen[key]}' and '{service}' the same cache ref "
                    "(registry names are lower case); rename one of the services",
                    self.location("ref"),
                )
            if key in seen:
                raise UserError(
                    f"cache.key '{self.cache.key}' gives services '{seen[key]}' and '{service}' the same "
                    "cache scope; include {service} in the key",
                    self.location("key"),
                )
            seen[key] = service

    def _destination(self, service: str, branch: str) -> str:
        if self.cache.backend == "registry":
            return self._registry_ref(service, branch)
        return self._key(service, branch)

    def _registry_ref(self, service: str, branch: str) -> str:
        """``ref:tag``. Registry repository names are lower case, compose service names need
        not be (`Api`): the service is lower-cased in the ref (it is known when compiling)."""
        # Memoized like _key: check_unique, the read, the write and the fallbacks ask again.
        known = self._refs.get((service, branch))
        if known is None:
            known = self._refs[service, branch] = self._new_registry_ref(service, branch)
        return known

    def _new_registry_ref(self, service: str, branch: str) -> str:
        assert self.cache.ref is not None
        refuse_branch_in_image_name(self.cache.ref, "cache.ref", self.cache.ref, self.location("ref"))
        self._refuse_option_separator(self.cache.ref, "cache.ref", "ref")
        values = {"service": service.lower(), "project": self.project, "branch": branch, "platform": _PLATFORM}
        ref = expand_key(self.cache.ref, values, "cache.ref", self.location("ref"), self.references, self.checked)
        ref = lower_at_build_time(ref, self.cache.ref)
        tag = branch if "{service}" in self.cache.ref else f"{service}-{branch}"
        if "{platform}" in self.cache.key and "{platform}" not in self.cache.ref:
            tag += f"-{_PLATFORM}"  # the key asks for per-platform caches; a registry ref splits by tag
        reference = f"{ref}:{tag}"
        problem = reference_problem_at_build_time(reference)
        if problem is not None:
            raise UserError(
                f"cache.ref '{self.cache.ref}' gives service '{service}' the cache ref '{reference}', which is not a "
                f"valid image reference: {problem}",
                self.location("ref"),
            )
        return reference

    # -- entries ----------------------------------------------------------------------------
    def _read(self, service: str, branch: str) -> str:
        backend = self.cache.backend
        if backend == "gha":
            return f"type=gha,scope={self._key(service, branch)}"
        if backend == "registry":
            return f"type=registry,ref={self._registry_ref(service, branch)}"
        if backend == "s3":
            return ",".join(["type=s3", *self._s3_options(), f"name={self._key(service, branch)}"])
        if backend == "local":
            return f"type=local,src={self._local_dir(self.cache.local.dir if self.cache.local else '.cache/buildx', service, branch)}"
        raise AssertionError(backend)

    def _write_options(self, mode: str) -> list[str]:
        options = [f"mode={mode}"]
        if self.cache.backend == "registry":
            options += ["image-manifest=true", "oci-mediatypes=true"]
        if self.cache.ignore_error:
            options.append("ignore-error=true")
        return options

    def _write(self, service: str, branch: str, mode: str) -> str:
        backend = self.cache.backend
        if backend == "local":
            directory = self.cache.local.dir if self.cache.local else ".cache/buildx"
            head = f"type=local,dest={self._local_dir(directory, service, branch)}"
        else:
            head = self._read(service, branch)
        return ",".join([head, *self._write_options(mode)])

    def _s3_options(self) -> list[str]:
        for key, value in self.cache.s3:
            self._refuse_option_separator(value, f"cache.s3.{key}", "s3")
            if "$" in value:
                expand_key(value, {}, f"cache.s3.{key}", self.location("s3"), self.references)
        return [f"{key}={value}" for key, value in self.cache.s3]

    def _local_dir(self, directory: str, service: str, branch: str) -> str:
        self._refuse_option_separator(directory, "cache.local.dir", "local")
        return f"{directory.rstrip('/')}/{self._key(service, branch)}"

    def _fallbacks(self, service: str) -> list[str]:
        """Extra cache-from entries: only needed when the key or ref carries the branch."""
        if not self._branch_key_used():
            return []
        entries = []
        for fallback in self.cache.fallback:
            if fallback == "base":
                entry = self._read(service, "${" + BASE_BRANCH_VARIABLE + "}")
                entries.append(f'{BASE_BRANCH_VARIABLE} != "" ? "{entry}" : ""')
            else:
                branch = self.cache.default_branch if fallback == "default" else fallback
                entries.append('"' + self._read(service, branch_slug(branch)) + '"')
        return entries

    def export_condition(self) -> str:
        export = self.cache.export
        if export == "none":
            return "false"
        if export == "default-branch":
            self.variables.add("GITHUB_REF")
            return f'GITHUB_REF == "refs/heads/{self.cache.default_branch}"'
        return "true"

    def for_target(self, service: str, mode: str | None, skip: bool) -> tuple[list[str], list[str], str | None, str | None]:
        """Return (read entries, write entries, read condition, write condition) for one target.

        Entries are HCL expressions (quoted templates or conditionals) to place in a list.
        """
        backend = self.cache.backend
        if backend == "none" or skip:
            return [], [], None, None
        branch = "${" + BRANCH_VARIABLE + "}"
        if self._branch_key_used():
            self.uses_branch = True
        mode = mode or self.cache.mode
        on = switch_condition(self.cache.enabled)
        self.variables.update(switch_variables(self.cache.enabled))
        if backend == "inline":
            read = [] if self.cache.ref is None else ['"' + f"type=registry,ref={self._registry_ref(service, branch)}" + '"']
            return read, ['"type=inline"'], on, on
        reads = ['"' + self._read(service, branch) + '"', *self._fallbacks(service)]
        writes = ['"' + self._write(service, branch, mode) + '"']
        export = self.export_condition()
        write_on = on if export == "true" else f"({on}) && {export}"
        if export == "false":
            return reads, [], on, None
        return reads, writes, on, write_on

    def local_for_target(self, service: str, mode: str | None, skip: bool) -> tuple[list[str], list[str], str | None]:
        """The opt-in laptop cache: a local directory used when the main backend is off."""
        local = self.cache.local
        if local is None or skip or self.cache.backend == "local":
            return [], [], None
        self.variables.update(switch_variables(local.enabled))
        self._refuse_option_separator(local.dir, "cache.local.dir", "local")
        directory = f"{local.dir.rstrip('/')}/{service}"
        return (
            [f'"type=local,src={directory}"'],
            [f'"type=local,dest={directory},mode={mode or self.cache.mode}"'],
            switch_condition(local.enabled),
        )
