"""The policy file, ``bakegen.yaml``: loaded into NamedTuples (immutable records).

The rules live in one place, ``schema/bakegen.schema.json``: a policy is validated against it
(``schema_check.check_policy``: every key known, every type checked, "did you mean" for near
misses, file:line:col) and the typed ``Policy`` is derived from the validated document. An
unchanged ``check``/``render`` never loads the policy at all (``freshness.py``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from bakegen.errors import Location

if TYPE_CHECKING:
    from bakegen.yamlio import YamlMap

DEFAULT_POLICY_FILE = "bakegen.yaml"
# The fan-out's native runners per platform (GitHub-hosted); fan_out.runners adds or replaces.
DEFAULT_RUNNERS = (("linux/amd64", "ubuntu-24.04"), ("linux/arm64", "ubuntu-24.04-arm"))


class LocalCache(NamedTuple):
    """cache.local: a local cache directory for builds outside CI, and when it is used."""

    dir: str = ".cache/buildx"
    enabled: str = "env:USE_DOCKER_CACHE"


class CachePolicy(NamedTuple):
    """The policy's ``cache:`` section (defaults: the GitHub Actions cache, one scope per service)."""

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


class ServicePolicy(NamedTuple):
    """One entry of the policy's ``services:`` section."""

    skip: bool = False
    cache_mode: str | None = None
    cache_skip: bool = False
    platforms: tuple[str, ...] | None = None
    tags: tuple[str, ...] = ()


class Policy(NamedTuple):
    """A policy file, validated and typed (defaults where it is silent)."""

    path: Path
    compose_files: tuple[str, ...] = ()
    project: str | None = None
    env_files: tuple[str, ...] = ()
    # Env-file variables whose values may be carried although they look secret.
    allow_credentials: tuple[str, ...] = ()
    output_json: str = "docker-bake.json"
    output_hcl: str | None = None
    include: tuple[str, ...] = ("*",)
    exclude: tuple[str, ...] = ()
    groups: tuple[tuple[str, tuple[str, ...]], ...] = ()
    load: bool = True
    tags: tuple[str, ...] | None = None
    variables: tuple[tuple[str, str], ...] = ()
    cache: CachePolicy = CachePolicy()
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
    """Validate ``document`` against the JSON Schema (the one copy of the rules), then type it."""
    from bakegen.schema_check import check_policy

    check_policy(document, display_path)
    return policy_from_document(document, path)


def policy_from_document(document: Any, path: Path) -> Policy:
    """The typed policy of a document the schema accepted (no checks left to make here)."""
    values: dict[str, Any] = {"path": path, "locations": document}
    compose = document.get("compose", {})
    if "files" in compose:
        values["compose_files"] = tuple(compose["files"])
    if "project" in compose:
        values["project"] = compose["project"]
    if "env_files" in compose:
        values["env_files"] = tuple(compose["env_files"])
    if "allow_credentials" in compose:
        values["allow_credentials"] = tuple(compose["allow_credentials"])
    output = document.get("output", {})
    if "json" in output:
        values["output_json"] = output["json"]
    if output.get("hcl") is not None:
        values["output_hcl"] = output["hcl"]
    targets = document.get("targets", {})
    for key in ("include", "exclude"):
        if key in targets:
            values[key] = tuple(targets[key])
    if "load" in targets:
        values["load"] = targets["load"]
    if "groups" in targets:
        values["groups"] = tuple(sorted((str(name), tuple(members)) for name, members in targets["groups"].items()))
    if "tags" in document:
        values["tags"] = tuple(document["tags"])
    if "variables" in document:
        values["variables"] = tuple(sorted((str(name), value) for name, value in document["variables"].items()))
    if "cache" in document:
        values["cache"] = _cache(document["cache"])
    if "services" in document:
        values["services"] = tuple(sorted((str(name), _service(entry)) for name, entry in document["services"].items()))
    if "fan_out" in document:
        runners = dict(DEFAULT_RUNNERS)
        runners.update(document["fan_out"].get("runners", {}))
        values["runners"] = tuple(sorted(runners.items()))
    return Policy(**values)


_CACHE_SCALARS = ("backend", "scope", "key", "mode", "ignore_error", "export", "default_branch", "enabled", "ref")


def _cache(cache: dict[str, Any]) -> CachePolicy:
    values: dict[str, Any] = {key: cache[key] for key in _CACHE_SCALARS if key in cache}
    if "fallback" in cache:
        values["fallback"] = tuple(cache["fallback"])
    if "s3" in cache:
        values["s3"] = tuple(sorted(cache["s3"].items()))
    if "local" in cache:
        values["local"] = LocalCache(**{key: cache["local"][key] for key in ("dir", "enabled") if key in cache["local"]})
    return CachePolicy(**values)


def _service(entry: dict[str, Any]) -> ServicePolicy:
    values: dict[str, Any] = {}
    if "skip" in entry:
        values["skip"] = entry["skip"]
    if "platforms" in entry:
        values["platforms"] = tuple(entry["platforms"])
    if "tags" in entry:
        values["tags"] = tuple(entry["tags"])
    cache = entry.get("cache", {})
    if "mode" in cache:
        values["cache_mode"] = cache["mode"]
    if "skip" in cache:
        values["cache_skip"] = cache["skip"]
    return ServicePolicy(**values)
