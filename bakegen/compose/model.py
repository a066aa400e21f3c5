"""The compose project as bakegen's compiler sees it (see ``loader`` for how it is read).

After loading, the model is typed and frozen: ``ServiceSpec.build`` is a ``BuildSpec`` with
one field per compose build key (``keys.BUILD_KEYS``), each value with where it was written
(``At``). ``ServiceSpec.data`` keeps the merged service mapping as written, for the checks
that read every string of a service (``${V:?…}`` anywhere fails compose).

Records are NamedTuples, or plain classes with ``__slots__`` where equality leaves out a
field: no module a render imports uses dataclasses, whose import (inspect, ast, dis,
tokenize) and class definitions cost ~10 ms of every render (tests/test_import_cost.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Generic, NamedTuple, TypeVar

from bakegen.errors import Location
from bakegen.yamlio import YamlMap

if TYPE_CHECKING:
    from bakegen.dotenv import EnvEntry

__all__ = [
    "At",
    "BuildSpec",
    "ComposeProject",
    "IncludeEnv",
    "PathValue",
    "Scalar",
    "SecretDefinition",
    "SecretUse",
    "ServiceSpec",
    "join_path",
]

T = TypeVar("T")
Scalar = str | int | float | bool | None  # a YAML scalar as compose wrote it


class At(Generic[T]):
    """A compose value and where it was written; treat it as immutable (it is hashed).

    A plain class with ``__slots__``, not a frozen dataclass (as ``errors.Location``): the
    loader builds one for every typed build value (8 000 for 1000 services) and a frozen
    dataclass's ``__init__`` is nearly three times slower (measured: -2 ms per render).
    """

    __slots__ = ("location", "value")

    def __init__(self, value: T, location: Location) -> None:
        self.value = value
        self.location = location

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, At):
            return NotImplemented
        return (self.value, self.location) == (other.value, other.location)

    def __hash__(self) -> int:
        return hash((self.value, self.location))

    def __repr__(self) -> str:
        return f"At(value={self.value!r}, location={self.location!r})"


class PathValue:
    """A path compose resolves against a directory, kept as written (``${…}`` included);
    treat it as immutable (it is hashed).

    ``base_dir`` is the absolute directory compose resolves ``raw`` against: the project
    directory for ``-f`` files, the other file's directory for a service extended from
    another file, the included project's directory for ``include``.  Two values are equal
    when they name the same path, as compose compares resolved paths.
    """

    __slots__ = ("base_dir", "location", "raw")

    def __init__(self, base_dir: Path, raw: str, location: Location) -> None:
        self.base_dir = base_dir
        self.raw = raw
        self.location = location

    def __repr__(self) -> str:
        return f"PathValue(base_dir={self.base_dir!r}, raw={self.raw!r}, location={self.location!r})"

    def __str__(self) -> str:
        return self.raw

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PathValue):
            return NotImplemented
        return self.resolved() == other.resolved()

    def __hash__(self) -> int:
        return hash(self.resolved())

    def resolved(self) -> Path:
        """The absolute path, for a literal ``raw`` (compose joins and cleans it)."""
        return Path(_clean(self.base_dir / self.raw))


def _clean(path: Path) -> str:
    import os.path

    return os.path.normpath(path)


def join_path(base: Path, raw: str) -> Path:
    """A literal path of a file compose reads (``include``, ``extends.file``) joined onto
    ``base``: a leading ``~`` expanded, as compose does, and cleaned."""
    import os.path

    expanded = os.path.expanduser(raw) if raw.startswith("~") else raw
    return Path(_clean(Path(base) / expanded))


class IncludeEnv:
    """The variables an ``include`` fixes for the files it loads (see ``include``); treat it
    as immutable (it is hashed).

    ``entries``: the ``dotenv.EnvEntry`` of its env files (``env_file``, else the included
    project directory's ``.env``), in order.  ``parent``: the including file's own
    ``IncludeEnv`` (None at the top): its values win over these, as the environment does.
    Two are equal when they fix the same variables, wherever they are written.
    """

    __slots__ = ("entries", "location", "parent")

    def __init__(self, entries: tuple[EnvEntry, ...], parent: IncludeEnv | None, location: Location) -> None:
        self.entries = entries
        self.parent = parent
        self.location = location  # the include entry

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, IncludeEnv):
            return NotImplemented
        return (self.entries, self.parent) == (other.entries, other.parent)

    def __hash__(self) -> int:
        return hash((self.entries, self.parent))

    def __repr__(self) -> str:
        return f"IncludeEnv(entries={self.entries!r}, parent={self.parent!r}, location={self.location!r})"


class SecretUse(NamedTuple):
    """An entry of ``build.secrets``: the top-level secret ``source``, mounted as ``target``."""

    source: str
    target: str | None
    location: Location


class SecretDefinition(NamedTuple):
    """A top-level ``secrets:`` entry (a build reads ``file`` or ``environment``)."""

    name: str
    file: PathValue | None
    environment: str | None
    location: Location


class BuildSpec(NamedTuple):
    """A service's merged ``build:`` section, one field per compose build key (see ``keys``).

    List spellings are gone (normalize made them mappings); strings are as written, ``${…}``
    included; local paths are ``PathValue``s.
    """

    location: Location  # where the build section is written
    context: PathValue | At[str]  # a local directory, or a remote context kept as written
    dockerfile: At[str] | None = None
    dockerfile_inline: At[str] | None = None
    args: tuple[tuple[str, At[str | None]], ...] = ()  # a value None: a bare `- NAME`
    labels: tuple[tuple[str, At[str | None]], ...] = ()
    target: At[str] | None = None
    network: At[str] | None = None
    platforms: tuple[At[str], ...] = ()
    cache_from: tuple[At[str], ...] = ()
    cache_to: tuple[At[str], ...] = ()
    tags: tuple[At[str], ...] = ()
    entitlements: tuple[At[str], ...] = ()
    pull: At[Scalar] | None = None
    no_cache: At[Scalar] | None = None
    privileged: At[Scalar] | None = None
    provenance: At[str] | None = None
    sbom: At[str] | None = None
    shm_size: At[Scalar] | None = None
    extra_hosts: tuple[tuple[At[str], tuple[At[str], ...]], ...] = ()  # host (its key), addresses
    ulimits: tuple[tuple[str, Scalar | tuple[Scalar, Scalar]], ...] = ()  # (soft, hard) for a mapping
    secrets: tuple[SecretUse, ...] = ()
    ssh: tuple[tuple[str, PathValue | None, Location], ...] = ()
    additional_contexts: tuple[tuple[str, PathValue | str, Location], ...] = ()
    x_bake: YamlMap | None = None  # buildx's extension, read as buildx reads it (x_bake)
    unsupported: tuple[tuple[str, Location], ...] = ()  # keys bake cannot express, at their key


class ServiceSpec(NamedTuple):
    """A merged compose service, its build section typed."""

    name: str
    data: YamlMap  # the merged service mapping, values as written
    location: Location  # where the service's name is written (its key)
    # The directory its build context resolves against (the project's by default).
    base_dir: Path
    build: BuildSpec | None = None
    image: At[str] | None = None
    platform: At[str] | None = None  # the service's `platform:`, which compose also builds for


class ComposeProject(NamedTuple):
    """The merged compose project: its services typed, the whole model kept."""

    name: str | None  # the raw top-level `name:` (not interpolated), None when absent
    name_location: Location | None
    project_directory: Path
    files: list[Path]  # every file read: -f files, then included and extended ones
    services: dict[str, ServiceSpec]
    secrets: dict[str, SecretDefinition]  # top-level secret definitions
    model: YamlMap  # the whole merged model (services, secrets, networks, x-* …)
    # Compose files loaded by an include with env files (display path, as in Location.path):
    # their values are interpolated with that include's variables.
    include_envs: dict[str, IncludeEnv]
    # Variables of an IncludeEnv used in structural strings (include paths…), where first used.
    static_include_uses: dict[str, Location]
    # Every document read, in order (-f files, then included and extended ones as reached):
    # compose interpolates each one whole before merging, so a `${V:?…}` in a value a later
    # file replaces, or outside `services`, still fails. ``extends`` replaces a service
    # here by its merged self (which keeps every text the service wrote).
    documents: list[YamlMap]

    def build_services(self) -> list[str]:
        """The services that have a ``build`` section, sorted: the ones bake can build."""
        return sorted(name for name, spec in self.services.items() if spec.build is not None)
