"""compose's ``include``: one entry read (its files, the directories compose resolves them
against, its env files), and the included project's resources imported into the including
document.  The loader (``loader``) reads the included files themselves, as a sub-project.

Include env files: compose interpolates an included file with the environment plus the
variables of the include's ``env_file`` list, or, without one, of the included project
directory's ``.env`` (compose-go ``ApplyInclude``).  Observed with docker compose v2.40.3
(``build --print``), for a variable ``V`` that an included file reads:

=================================================  ===========================================
situation                                          value compose uses in the included file
=================================================  ===========================================
``V`` only in the include's env file               the env file's value
``V`` set in the shell and in the env file         the shell's value (the shell wins)
``V=`` (empty) in the shell, set in the env file   ``""`` (an empty shell value wins too)
``V`` in the parent project's ``.env`` and in      the parent ``.env``'s value (it is part of
the include's env file                             the environment the include starts from)
``V`` only in the parent project's ``.env``        visible in the included file
include with ``env_file``; ``V`` also in the       the ``env_file`` value: the included
included directory's ``.env``                      directory's ``.env`` is then not read
nested include: ``V`` in the outer include's       the outer include's value (outer wins, as
env file and in the inner project's ``.env``       the environment does)
env-file value ``Q=${V}``                          ``V`` looked up in the environment first
                                                   (shell, parent ``.env``, outer includes),
                                                   then in the keys read before in the file
a later ``-f`` file overriding an included         the override's own values use the parent's
service                                            environment, not the include's
bare build arg ``args: [V]`` in the included file  the shell only (the env file is not used)
variables of the parent's own file                 never see the include's env file
=================================================  ===========================================

So an include's variables behave as defaults under the environment.  The loader records
them per file (``ComposeProject.include_envs``, an ``IncludeEnv`` chain: the outer
include's values win over the inner's); the compiler turns each into a bake fallback
``(V != null ? V : <env-file value>)`` for the values written in those files.  A file read
under two different include environments is an error (bakegen cannot keep them apart).
Structural strings of an included file (nested include paths, ``extends.file``) see the
include's values after ``static_env``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from bakegen import inputs
from bakegen.compose.model import IncludeEnv, PathValue, join_path
from bakegen.compose.normalize import is_remote_context
from bakegen.errors import Location, UserError, kind
from bakegen.files import display_path, read_file
from bakegen.yamlio import YamlList, YamlMap

if TYPE_CHECKING:
    from bakegen.dotenv import EnvEntry

_RESOURCES = ("services", "volumes", "networks", "secrets", "configs", "models")

# A structural string interpolated now (text, where it was written, what it is) → its value.
Static = Callable[[str, Location, str], str]


class Include(NamedTuple):
    """One ``include`` entry, read."""

    paths: list[Path]  # the included files, merged in order as one sub-project
    paths_dir: Path  # the included files' relative paths resolve here
    project_dir: Path  # their own ``include`` paths resolve here
    env: IncludeEnv | None  # the include environment their files are read with


def include_entries(doc: YamlMap) -> list[tuple[Any, Location]]:
    """The entries of ``doc``'s ``include`` list, each with where it was written."""
    entries = doc.get("include")
    if entries is None:
        return []
    if not isinstance(entries, YamlList):
        raise UserError(f"`include` must be a list, got {kind(entries)}", doc.value_location("include"))
    return [(entry, entries.item_location(index)) for index, entry in enumerate(entries)]


def read_include(
    entry: Any,
    location: Location,
    working_dir: Path,
    chain: list[Path],
    static: Static,
    outer: IncludeEnv | None,
) -> Include:
    """One entry (a path, or a mapping of ``path``, ``env_file``, ``project_directory``),
    read in the including file's directory ``working_dir``; ``chain``: the files including it."""
    if isinstance(entry, str):
        entry_map = YamlMap(location)
        entry_map.put("path", entry, location, location)
        entry = entry_map
    if not isinstance(entry, YamlMap):
        raise UserError(f"an include entry must be a path or a mapping, got {kind(entry)}", location)
    for key in entry:
        if key not in ("path", "env_file", "project_directory"):
            raise UserError(f"include: unknown key '{key}' (expected path, env_file, project_directory)", entry.key_location(key))
    raw_paths = _strings(entry, "path", static, required=True)
    for raw_path in raw_paths:
        # compose v2 also includes from an OCI artifact (oci://) or a git repository;
        # bakegen compiles committed local files only (the output must not depend on a
        # registry or a remote branch at the time it runs).
        if is_remote_context(raw_path):
            raise UserError(
                f"include '{raw_path}' is a remote compose file (OCI artifact or git): not supported; "
                "bakegen reads local files only: commit a copy and include its path",
                location,
            )
    paths = [join_path(working_dir, p) for p in raw_paths]
    main = paths[0]
    if main in chain:
        steps = " includes ".join(display_path(p) for p in [*chain, main])
        raise UserError(f"include cycle detected: {steps}", location)
    if "project_directory" in entry:
        raw = _strings(entry, "project_directory", static, single=True)[0]
        project_dir = join_path(working_dir, raw)
        # compose-go resolves the included files' paths against ResourceLoader.Dir of
        # the project directory: the directory itself when it exists, else its parent.
        paths_dir = project_dir if os.path.isabs(raw) or inputs.is_dir(project_dir) else project_dir.parent
    else:
        project_dir = paths_dir = main.parent
    env_paths = []
    for env_file in _strings(entry, "env_file", static):
        env_path = join_path(working_dir, env_file)
        if not inputs.is_file(env_path):
            raise UserError(f"include env_file not found: {display_path(env_path)}", entry.value_location("env_file"))
        env_paths.append(env_path)
    if not env_paths and inputs.is_file(project_dir / ".env"):
        env_paths.append(project_dir / ".env")  # compose reads the included project's .env
    env = outer
    if env_paths:
        at = entry.value_location("env_file") if "env_file" in entry else location
        entries = tuple(e for env_path in env_paths for e in _env_entries(env_path, at))
        env = IncludeEnv(entries, outer, location)
    return Include(paths, paths_dir, project_dir, env)


def _strings(entry: YamlMap, key: str, static: Static, *, required: bool = False, single: bool = False) -> list[str]:
    if key not in entry or entry[key] is None:
        if required:
            raise UserError(f"include: `{key}` is required", entry.location)
        return []
    value = entry[key]
    if isinstance(value, str):
        values: list[tuple[str, Location]] = [(value, entry.value_location(key))]
    elif isinstance(value, YamlList) and not single and all(isinstance(v, str) for v in value):
        values = [(v, value.item_location(i)) for i, v in enumerate(value)]
    else:
        expected = "a string" if single else "a string or a list of strings"
        raise UserError(f"include.{key} must be {expected}, got {kind(value)}", entry.value_location(key))
    if not values:
        raise UserError(f"include.{key} must not be empty", entry.value_location(key))
    return [static(text, where, f"include {key}") for text, where in values]


def _env_entries(path: Path, at: Location) -> list[EnvEntry]:
    """The entries of an include's env file (compose's .env format)."""
    from bakegen.dotenv import parse_env_file

    display = display_path(path)
    try:
        text = read_file(path, "include env file", at, shown=display).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UserError(f"include env file {display} is not valid UTF-8", at) from None
    return parse_env_file(text, display)


def default_contexts(model: YamlMap, directory: Path) -> None:
    """compose gives a build without a context the context ``.`` in every sub-project it
    loads (transform.SetDefaultValues), so an included one is the included directory."""
    services = model.get("services")
    for service in services.values() if isinstance(services, YamlMap) else ():
        build = service.get("build") if isinstance(service, YamlMap) else None
        if isinstance(build, YamlMap) and "context" not in build:
            build.put("context", PathValue(directory, ".", build.location), build.location, build.location)


class ResourceImporter:
    """compose's importResources, for every include of one project."""

    def __init__(self) -> None:
        self.imported: set[int] = set()  # ids of resources imported by include

    def import_resources(self, imported: YamlMap, doc: YamlMap, at: Location) -> None:
        """``imported``'s resources into ``doc``: one defined on both sides must be identical."""
        for kind_name in _RESOURCES:
            source = imported.get(kind_name)
            if not isinstance(source, YamlMap):
                continue
            target = doc.get(kind_name)
            if not isinstance(target, YamlMap):
                target = YamlMap(source.location)
                doc.put(kind_name, target, at, at)
            for name, value in source.items():
                if name in target:
                    existing = target[name]
                    # One imported earlier is path-resolved like this one; the including
                    # document's own entries are compared before their paths are resolved.
                    if existing == value if id(existing) in self.imported else _same_as_imported(value, existing):
                        continue
                    raise UserError(f"{kind_name}.{name} conflicts with imported resource", target.key_location(name))
                target.copy_entry(source, name, keep_value=True)
                self.imported.add(id(value))


def _same_as_imported(imported: Any, local: Any) -> bool:
    """compose's DeepEqual of an imported resource, whose paths are already absolute, with
    the including document's, whose paths are not yet: a relative path never matches."""
    if isinstance(local, PathValue) or isinstance(imported, PathValue):
        if not (isinstance(local, PathValue) and isinstance(imported, PathValue)):
            return False
        return local.raw == str(imported.resolved())
    if isinstance(local, dict) and isinstance(imported, dict):
        return local.keys() == imported.keys() and all(_same_as_imported(imported[k], local[k]) for k in local)
    if isinstance(local, list) and isinstance(imported, list):
        return len(local) == len(imported) and all(map(_same_as_imported, imported, local))
    return bool(imported == local) and type(imported) is type(local)
