"""The compose project as bakegen's compiler sees it (see ``loader`` for how it is read)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bakegen.errors import Location
from bakegen.yamlio import YamlMap

__all__ = ["ComposeProject", "IncludeEnv", "PathValue", "ServiceSpec"]


@dataclass(frozen=True, eq=False)
class PathValue:
    """A path compose resolves against a directory, kept as written (``${…}`` included).

    ``base_dir`` is the absolute directory compose resolves ``raw`` against: the project
    directory for ``-f`` files, the other file's directory for a service extended from
    another file, the included project's directory for ``include``.  Two values are equal
    when they name the same path, as compose compares resolved paths.
    """

    base_dir: Path
    raw: str
    location: Location = field(compare=False)

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


@dataclass(frozen=True)
class IncludeEnv:
    """The variables an ``include`` fixes for the files it loads (see ``loader``).

    ``entries``: the ``dotenv.EnvEntry`` of its env files (``env_file``, else the included
    project directory's ``.env``), in order.  ``parent``: the including file's own
    ``IncludeEnv`` (None at the top): its values win over these, as the environment does.
    """

    entries: tuple[Any, ...]
    parent: IncludeEnv | None
    location: Location = field(compare=False)  # the include entry


@dataclass
class ServiceSpec:
    name: str
    data: YamlMap  # the merged service mapping, values as written
    location: Location  # where the service's name is written (its key)
    base_dir: Path  # the directory its build context resolves against (the project's by default)
    secrets: dict[str, YamlMap] = field(default_factory=dict)  # top-level secrets its build uses


@dataclass
class ComposeProject:
    name: str | None  # the raw top-level `name:` (not interpolated), None when absent
    name_location: Location | None
    project_directory: Path
    files: list[Path]  # every file read: -f files, then included and extended ones
    services: dict[str, ServiceSpec]
    secrets: dict[str, YamlMap]  # top-level secret definitions (`file` is a PathValue)
    model: YamlMap  # the whole merged model (services, secrets, networks, x-* …)
    # Compose files loaded by an include with env files (display path, as in Location.path):
    # their values are interpolated with that include's variables.
    include_envs: dict[str, IncludeEnv] = field(default_factory=dict)
    # Variables of an IncludeEnv used in structural strings (include paths…), where first used.
    static_include_uses: dict[str, Location] = field(default_factory=dict)

    def build_services(self) -> list[str]:
        """The services that have a ``build`` section, sorted: the ones bake can build."""
        return sorted(name for name, spec in self.services.items() if "build" in spec.data)
