"""The policy file, ``bakegen.yaml``: loaded into plain dataclasses.

Parsing is strict (every key known, every type checked, "did you mean" for near misses) so
that ``render``/``check`` need not import jsonschema on the hot path; ``bakegen validate``
also validates against ``schema/bakegen.schema.json`` with jsonschema, and
``tests/test_policy.py`` checks that the parser and the schema accept and reject the same
policies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bakegen.errors import Location, UserError, kind

if TYPE_CHECKING:
    from bakegen.yamlio import YamlMap

DEFAULT_POLICY_FILE = "bakegen.yaml"
CACHE_BACKENDS = ("gha", "registry", "local", "s3", "inline", "none")
CACHE_MODES = ("min", "max")
CACHE_EXPORTS = ("all", "default-branch", "none")
CACHE_SCOPES = ("per-service", "shared")
# The fan-out's native runners per platform (GitHub-hosted); fan_out.runners adds or replaces.
DEFAULT_RUNNERS = (("linux/amd64", "ubuntu-24.04"), ("linux/arm64", "ubuntu-24.04-arm"))


@dataclass(frozen=True)
class LocalCache:
    dir: str = ".cache/buildx"
    enabled: str = "env:USE_DOCKER_CACHE"


@dataclass(frozen=True)
class CachePolicy:
    backend: str = "gha"
    scope: str = "per-service"
    key: str = "{service}"
    mode: str = "max"
    ignore_error: bool = True
    export: str = "all"
    fallback: tuple[str, ...] = ("base", "default")
    default_branch: str = "main"
    enabled: str = "ci"
    ref: str | None = None  # registry / inline: image ref template, e.g. ghcr.io/acme/cache/{service}
    s3: tuple[tuple[str, str], ...] = ()  # s3 options (bucket, region, endpoint_url, prefix, ...)
    local: LocalCache | None = None


@dataclass(frozen=True)
class ServicePolicy:
    skip: bool = False
    cache_mode: str | None = None
    cache_skip: bool = False
    platforms: tuple[str, ...] | None = None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Policy:
    path: Path
    compose_files: tuple[str, ...] = ()
    project: str | None = None
    env_files: tuple[str, ...] = ()
    allow_credentials: tuple[str, ...] = ()  # env-file variables whose values may be carried although they look secret
    output_json: str = "docker-bake.json"
    output_hcl: str | None = None
    include: tuple[str, ...] = ("*",)
    exclude: tuple[str, ...] = ()
    groups: tuple[tuple[str, tuple[str, ...]], ...] = ()
    load: bool = True
    tags: tuple[str, ...] | None = None
    variables: tuple[tuple[str, str], ...] = ()
    cache: CachePolicy = field(default_factory=CachePolicy)
    services: tuple[tuple[str, ServicePolicy], ...] = ()
    runners: tuple[tuple[str, str], ...] = DEFAULT_RUNNERS  # fan-out: platform → runner label
    locations: YamlMap | None = None  # the mapping the policy came from: where each value was written

    @property
    def root(self) -> Path:
        return self.path.parent

    # -- positions: where a value of the policy was written ------------------------------------
    def written_at(self, *keys: str | int) -> Location | None:
        """Where the value at ``keys`` (``"compose", "files", 0``) was written; None: a default."""
        from bakegen.yamlio import location_at

        return location_at(self.locations, keys)

    def location(self, *keys: str | int) -> Location:
        """Where the value at ``keys`` was written, else its nearest written parent."""
        from bakegen.yamlio import location_of, node_at, whole_location

        node = self.locations
        location = whole_location(node, Location(self._display(), 1, 1))
        for key in keys:
            location = location_of(node, key, location)
            node = node_at(node, (key,))  # None once the path leaves the document
        return location

    def key_location(self, section: str, key: str) -> Location:
        """Where the key ``key`` of the mapping ``section`` was written."""
        from bakegen.yamlio import key_location_of, node_at

        return key_location_of(node_at(self.locations, (section,)), key, self.location(section))

    def _display(self) -> str:
        from bakegen.files import display_path

        return display_path(self.path)


class _Reader:
    """Walks the policy mapping, checking keys and types as it goes."""

    def __init__(self, path: str) -> None:
        self.path = path

    def location(self, container: Any, key: Any = None) -> Location:
        """Where a value sits: the item or value at ``key``, else the container itself."""
        from bakegen.yamlio import location_of, whole_location

        whole = whole_location(container, Location(self.path))
        return whole if key is None else location_of(container, key, whole)

    def key_location(self, mapping: Any, key: str) -> Location:
        from bakegen.yamlio import key_location_of

        return key_location_of(mapping, key, self.location(mapping))

    def mapping(self, value: Any, where: str, allowed: tuple[str, ...], at: Location) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise UserError(f"{where} must be a mapping, got {kind(value, article=True)}", at)
        for key in value:
            if not isinstance(key, str) or key not in allowed:
                import difflib  # here, not at the top: only a policy error needs it

                hint = ""
                close = difflib.get_close_matches(str(key), allowed, n=1)
                if close:
                    hint = f"; did you mean '{close[0]}'?"
                expected = ", ".join(allowed)
                raise UserError(
                    f"unknown key '{key}' in {where}{hint} (expected one of: {expected})",
                    self.key_location(value, str(key)),
                )
        return value

    def string(self, container: Any, key: Any, where: str) -> str:
        value = container[key]
        if not isinstance(value, str):
            raise UserError(f"{where} must be a string, got {kind(value, article=True)}", self.location(container, key))
        return value

    def boolean(self, container: Any, key: Any, where: str) -> bool:
        value = container[key]
        if not isinstance(value, bool):
            raise UserError(f"{where} must be true or false, got {kind(value, article=True)}", self.location(container, key))
        return value

    def choice(self, container: Any, key: Any, where: str, choices: tuple[str, ...]) -> str:
        value = self.string(container, key, where)
        if value not in choices:
            raise UserError(
                f"{where} must be one of {', '.join(choices)}, got '{value}'", self.location(container, key)
            )
        return value

    def strings(self, container: Any, key: Any, where: str) -> tuple[str, ...]:
        value = container[key]
        if not isinstance(value, list):
            raise UserError(f"{where} must be a list of strings, got {kind(value, article=True)}", self.location(container, key))
        for index, item in enumerate(value):
            if not isinstance(item, str):
                raise UserError(
                    f"{where}[{index}] must be a string, got {kind(item, article=True)}", self.location(value, index)
                )
        return tuple(value)

    def switch(self, container: Any, key: Any, where: str) -> str:
        value = self.string(container, key, where)
        if value in ("ci", "always", "never") or _is_env_switch(value):
            return value
        raise UserError(
            f"{where} must be ci, always, never or env:NAME, got '{value}'", self.location(container, key)
        )


def _is_env_switch(value: str) -> bool:
    name = value.removeprefix("env:")
    return value.startswith("env:") and name.isidentifier() and name.isascii()


def load_policy(path: Path, display_path: str) -> Policy:
    """Read and strictly parse a policy file. Raises UserError with file:line:col."""
    from bakegen.yamlio import load_yaml

    data = read_policy_file(path, display_path)
    document = load_yaml(data, display_path)
    return parse_policy(document, path, display_path)


def read_policy_file(path: Path, display_path: str) -> bytes:
    from bakegen.files import read_file

    return read_file(
        path, "policy file", shown=display_path, hint="; run 'bakegen init' to create one, or pass -c FILE"
    )


def parse_policy(document: Any, path: Path, display_path: str) -> Policy:
    reader = _Reader(display_path)
    top_location = getattr(document, "location", None) or Location(display_path, 1, 1)
    top = reader.mapping(
        document,
        "the policy",
        ("version", "compose", "output", "targets", "tags", "variables", "cache", "services", "fan_out"),
        top_location,
    )
    if "version" not in top:
        raise UserError("the policy needs 'version: 1'", top_location)
    if top["version"] != 1 or isinstance(top["version"], bool):
        raise UserError(
            f"unsupported policy version {top['version']!r}; this bakegen reads version 1",
            reader.location(top, "version"),
        )
    values: dict[str, Any] = {"path": path, "locations": document}

    if "compose" in top:
        compose = reader.mapping(
            top["compose"], "compose", ("files", "project", "env_files", "allow_credentials"),
            reader.location(top, "compose"),
        )
        if "files" in compose:
            values["compose_files"] = reader.strings(compose, "files", "compose.files")
        if "project" in compose:
            values["project"] = _project_name(reader, compose)
        if "env_files" in compose:
            values["env_files"] = reader.strings(compose, "env_files", "compose.env_files")
        if "allow_credentials" in compose:
            values["allow_credentials"] = reader.strings(compose, "allow_credentials", "compose.allow_credentials")

    if "output" in top:
        output = reader.mapping(top["output"], "output", ("json", "hcl"), reader.location(top, "output"))
        if "json" in output:
            values["output_json"] = _output_path(reader, output, "json")
        if "hcl" in output and output["hcl"] is not None:
            values["output_hcl"] = _output_path(reader, output, "hcl")

    if "targets" in top:
        targets = reader.mapping(
            top["targets"], "targets", ("include", "exclude", "groups", "load"), reader.location(top, "targets")
        )
        if "include" in targets:
            values["include"] = reader.strings(targets, "include", "targets.include")
        if "exclude" in targets:
            values["exclude"] = reader.strings(targets, "exclude", "targets.exclude")
        if "load" in targets:
            values["load"] = reader.boolean(targets, "load", "targets.load")
        if "groups" in targets:
            values["groups"] = _groups(reader, targets)

    if "tags" in top:
        values["tags"] = reader.strings(top, "tags", "tags")
    if "variables" in top:
        values["variables"] = _variables(reader, top)
    if "cache" in top:
        values["cache"] = _cache(reader, top["cache"], reader.location(top, "cache"))
    if "services" in top:
        values["services"] = _services(reader, top)
    if "fan_out" in top:
        values["runners"] = _runners(reader, top)
    return Policy(**values)


_PLATFORM = r"[a-z0-9]+/[a-z0-9]+(/[a-z0-9]+)?"


def _runners(reader: _Reader, top: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    import re

    fan_out = reader.mapping(top["fan_out"], "fan_out", ("runners",), reader.location(top, "fan_out"))
    runners = dict(DEFAULT_RUNNERS)
    if "runners" in fan_out:
        table = fan_out["runners"]
        if not isinstance(table, dict):
            raise UserError(
                f"fan_out.runners must be a mapping of platform to runner label, got {kind(table, article=True)}",
                reader.location(fan_out, "runners"),
            )
        for platform in table:
            if not isinstance(platform, str) or not re.fullmatch(_PLATFORM, platform):
                raise UserError(
                    f"fan_out.runners key {str(platform)!r} is not a platform like linux/arm64",
                    reader.key_location(table, str(platform)),
                )
            label = reader.string(table, platform, f"fan_out.runners.{platform}")
            # The label reaches `runs-on` through the matrix: plain label characters only.
            if not re.fullmatch(r"[A-Za-z0-9._-]+", label):
                raise UserError(
                    f"fan_out.runners.{platform} must be a runner label (letters, digits, '.', '_', '-'), "
                    f"got '{label}'",
                    reader.location(table, platform),
                )
            runners[platform] = label
    return tuple(sorted(runners.items()))


def _project_name(reader: _Reader, compose: dict[str, Any]) -> str:
    import re

    name = reader.string(compose, "project", "compose.project")
    # compose's rule for project names (-p): lower-case letters, digits, '-', '_', starting
    # with a letter or digit.
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", name):
        raise UserError(
            f"compose.project '{name}' is not a valid compose project name; expected lower-case "
            "letters, digits, '-' and '_', starting with a letter or digit",
            reader.location(compose, "project"),
        )
    return name


def _output_path(reader: _Reader, output: dict[str, Any], key: str) -> str:
    value = reader.string(output, key, f"output.{key}")
    if not value or value.endswith("/") or Path(value).is_absolute() or ".." in Path(value).parts:
        raise UserError(
            f"output.{key} must be a file path relative to the policy's directory, inside it, got '{value}'",
            reader.location(output, key),
        )
    return value


def _groups(reader: _Reader, targets: dict[str, Any]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    import re

    groups = targets["groups"]
    if not isinstance(groups, dict):
        raise UserError(
            f"targets.groups must be a mapping of group name to a list of services, got {kind(groups, article=True)}",
            reader.location(targets, "groups"),
        )
    result = []
    for name in groups:
        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9_-]+", name):
            raise UserError(
                f"group name {name!r} is not a valid bake name; expected letters, digits, '-' and '_'",
                reader.key_location(groups, str(name)),
            )
        if name == "default":
            raise UserError(
                "group 'default' is reserved: bakegen emits it with every target",
                reader.key_location(groups, name),
            )
        result.append((name, reader.strings(groups, name, f"targets.groups.{name}")))
    return tuple(sorted(result))


def _variables(reader: _Reader, top: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    import re

    variables = top["variables"]
    if not isinstance(variables, dict):
        raise UserError(
            f"variables must be a mapping of name to default value, got {kind(variables, article=True)}",
            reader.location(top, "variables"),
        )
    result = []
    for name in variables:
        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise UserError(
                f"variable name {name!r} is not a valid bake variable name",
                reader.key_location(variables, str(name)),
            )
        result.append((name, reader.string(variables, name, f"variables.{name}")))
    return tuple(sorted(result))


_CACHE_KEYS = (
    "backend",
    "scope",
    "key",
    "mode",
    "ignore_error",
    "export",
    "fallback",
    "default_branch",
    "enabled",
    "ref",
    "s3",
    "local",
)
_S3_KEYS = (
    "bucket",
    "region",
    "endpoint_url",
    "prefix",
    "blobs_prefix",
    "manifests_prefix",
    "use_path_style",
    "access_key_id",
    "secret_access_key",
    "session_token",
)


def _cache(reader: _Reader, value: Any, at: Location) -> CachePolicy:
    cache = reader.mapping(value, "cache", _CACHE_KEYS, at)
    values: dict[str, Any] = {}
    if "backend" in cache:
        values["backend"] = reader.choice(cache, "backend", "cache.backend", CACHE_BACKENDS)
    if "scope" in cache:
        values["scope"] = reader.choice(cache, "scope", "cache.scope", CACHE_SCOPES)
    if "key" in cache:
        values["key"] = reader.string(cache, "key", "cache.key")
    if "mode" in cache:
        values["mode"] = reader.choice(cache, "mode", "cache.mode", CACHE_MODES)
    if "ignore_error" in cache:
        values["ignore_error"] = reader.boolean(cache, "ignore_error", "cache.ignore_error")
    if "export" in cache:
        values["export"] = reader.choice(cache, "export", "cache.export", CACHE_EXPORTS)
    if "fallback" in cache:
        fallback = reader.strings(cache, "fallback", "cache.fallback")
        for index, item in enumerate(fallback):
            if not item:
                raise UserError("cache.fallback entries must not be empty", reader.location(cache["fallback"], index))
        values["fallback"] = fallback
    if "default_branch" in cache:
        values["default_branch"] = reader.string(cache, "default_branch", "cache.default_branch")
    if "enabled" in cache:
        values["enabled"] = reader.switch(cache, "enabled", "cache.enabled")
    if "ref" in cache:
        values["ref"] = reader.string(cache, "ref", "cache.ref")
    if "s3" in cache:
        s3 = reader.mapping(cache["s3"], "cache.s3", _S3_KEYS, reader.location(cache, "s3"))
        values["s3"] = tuple(sorted((key, reader.string(s3, key, f"cache.s3.{key}")) for key in s3))
    if "local" in cache:
        local = reader.mapping(cache["local"], "cache.local", ("dir", "enabled"), reader.location(cache, "local"))
        local_values: dict[str, str] = {}
        if "dir" in local:
            local_values["dir"] = reader.string(local, "dir", "cache.local.dir")
        if "enabled" in local:
            local_values["enabled"] = reader.switch(local, "enabled", "cache.local.enabled")
        values["local"] = LocalCache(**local_values)
    policy = CachePolicy(**values)
    if policy.backend == "registry" and policy.ref is None:
        raise UserError(
            "cache.backend registry needs cache.ref, e.g. 'ghcr.io/acme/cache/{service}'", at
        )
    if policy.backend == "s3" and not any(key == "bucket" for key, _ in policy.s3):
        raise UserError("cache.backend s3 needs cache.s3.bucket", at)
    return policy


def _services(reader: _Reader, top: dict[str, Any]) -> tuple[tuple[str, ServicePolicy], ...]:
    services = top["services"]
    if not isinstance(services, dict):
        raise UserError(
            f"services must be a mapping of service name to overrides, got {kind(services, article=True)}",
            reader.location(top, "services"),
        )
    result = []
    for name in services:
        where = f"services.{name}"
        entry = reader.mapping(
            services[name], where, ("skip", "cache", "platforms", "tags"), reader.location(services, name)
        )
        values: dict[str, Any] = {}
        if "skip" in entry:
            values["skip"] = reader.boolean(entry, "skip", f"{where}.skip")
        if "platforms" in entry:
            values["platforms"] = reader.strings(entry, "platforms", f"{where}.platforms")
        if "tags" in entry:
            values["tags"] = reader.strings(entry, "tags", f"{where}.tags")
        if "cache" in entry:
            cache = reader.mapping(entry["cache"], f"{where}.cache", ("mode", "skip"), reader.location(entry, "cache"))
            if "mode" in cache:
                values["cache_mode"] = reader.choice(cache, "mode", f"{where}.cache.mode", CACHE_MODES)
            if "skip" in cache:
                values["cache_skip"] = reader.boolean(cache, "skip", f"{where}.cache.skip")
        result.append((str(name), ServicePolicy(**values)))
    return tuple(sorted(result))
