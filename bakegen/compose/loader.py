"""A compose project as docker compose v2 reads it, before interpolation.

The reference is ``docker compose config --no-interpolate`` (compose-go v2 ``loader``):

1. ``-f`` files (or discovered ones) are read in order, every YAML document of each;
2. each document is normalized (``normalize``), then its ``extends`` are applied
   (within the document, or from another file), then its ``include`` entries are loaded
   as sub-projects and their services imported (a differing service of the same name is
   an error), and only then is it merged onto the previous documents (``merge``);
3. sequences unique by key are de-duplicated (compose's ``EnforceUnicity``).

Values stay exactly as written (``${…}`` included).  Only strings that decide which files
are read (``include`` paths, env files and project directories, ``extends.file`` and
``extends.service``) are interpolated now, with ``static_env``: bakegen's output must not
depend on the environment, so a variable missing from ``static_env`` there is an error.

Relative paths: every value compose resolves against a directory (a local build
``context``, local ``additional_contexts``, ``build.ssh`` keys, a secret's ``file``, a
service's ``env_file``) is a ``PathValue(base_dir, raw, location)`` whose ``base_dir`` is
the directory compose resolves it against.  Like compose, that is the *project directory*
for every ``-f`` file (not the override file's own directory), the other file's directory
for a service extended from another file, and the included project's directory for an
included file.  ``raw`` is never resolved here because it may still contain ``${…}``;
``PathValue.resolved()`` joins a literal one.  compose also expands a leading ``~``;
that is machine-specific and left to the compiler to reject.

``project_directory`` plays compose's ``--project-directory``; without it the directory of
the first file is the project directory, as in compose.

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
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bakegen import inputs
from bakegen.compose.merge import enforce_unicity, merge
from bakegen.compose.model import ComposeProject, IncludeEnv, PathValue, ServiceSpec
from bakegen.compose.normalize import Normalizer, check_merged, is_remote_context
from bakegen.compose.spec import secret_definitions, service_spec
from bakegen.errors import Location, UserError, kind
from bakegen.files import display_path, read_file
from bakegen.yamlio import YamlList, YamlMap, load_yaml_documents

__all__ = ["DEFAULT_FILES", "OVERRIDE_FILES", "ComposeProject", "PathValue", "ServiceSpec", "discover_files", "load_project"]

# compose-go cli/options.go, in order of preference.
DEFAULT_FILES = ("compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml")
OVERRIDE_FILES = (
    "compose.override.yml",
    "compose.override.yaml",
    "docker-compose.override.yml",
    "docker-compose.override.yaml",
)
_RESOURCES = ("services", "volumes", "networks", "secrets", "configs", "models")


def load_project(
    files: list[Path],
    *,
    project_directory: Path | None = None,
    static_env: Mapping[str, str] = {},
) -> ComposeProject:
    paths = [_absolute(Path(f)) for f in files] if files else discover_files(project_directory or Path.cwd())
    directory = _absolute(Path(project_directory)) if project_directory is not None else paths[0].parent
    loader = _ProjectLoader(static_env)
    model = loader.load_files(paths, directory, chain=[])
    if not model:
        raise UserError("empty compose file", Location(display_path(paths[0])))
    check_merged(model)
    model.pop("version", None)  # obsolete; compose only warns about it
    return _project(model, directory, loader)


def discover_files(directory: Path) -> list[Path]:
    """compose's discovery: the first default name found here or in a parent, and its override."""
    current = _absolute(directory)
    while True:
        # The first name found wins: the later candidates are not looked at (so they are not
        # inputs of the render, and one appearing later changes nothing).
        found = next((current / name for name in DEFAULT_FILES if inputs.is_file(current / name)), None)
        if found is not None:
            override = next((current / name for name in OVERRIDE_FILES if inputs.is_file(current / name)), None)
            return [found] if override is None else [found, override]
        if current.parent == current:
            raise UserError(
                f"no compose file found in {display_path(_absolute(directory))} or its parents "
                f"(looked for {', '.join(DEFAULT_FILES)})"
            )
        current = current.parent


def _grafts_values(doc: YamlMap) -> bool:
    """True when ``include`` or ``extends`` will put values of other documents into ``doc``.

    Those values are shared, not copied, so such a document must be copied when merged.
    """
    services = doc.get("services")
    return "include" in doc or (
        isinstance(services, YamlMap) and any(isinstance(s, YamlMap) and "extends" in s for s in services.values())
    )


def _has_compose_tags(value: Any) -> bool:
    """True when a ``!reset`` / ``!override`` tag is anywhere below ``value`` (merge acts on them)."""
    stack = [value]
    while stack:
        current = stack.pop()
        if isinstance(current, YamlMap):
            if current.has_tags():
                return True
            stack.extend(current.values())
        elif isinstance(current, YamlList):
            if current.has_tags():
                return True
            stack.extend(current)
    return False


class _ProjectLoader:
    def __init__(self, static_env: Mapping[str, str]) -> None:
        self.static_env = static_env
        self.files: list[Path] = []
        self.extends_cache: dict[Path, YamlMap] = {}
        self.imported: set[int] = set()  # ids of resources imported by include
        self.scope: IncludeEnv | None = None  # the include environment of the files being read
        self.file_envs: dict[str, IncludeEnv | None] = {}  # display path → its include environment
        self.static_uses: dict[str, Location] = {}  # include variables used in structural strings
        self._scope_values: dict[IncludeEnv, dict[str, str]] = {}

    def claim(self, display: str, at: Location | None) -> None:
        """Record the include environment ``display`` is read with; two differing ones: error."""
        if display not in self.file_envs:
            self.file_envs[display] = self.scope
        elif self.file_envs[display] != self.scope:
            raise UserError(
                f"{display} is loaded with two different include environments (env files); compose "
                "interpolates each copy with its own, which bakegen cannot express",
                at,
            )

    # -- files -----------------------------------------------------------------------------
    def read(self, path: Path, base_dir: Path, referenced_at: Location | None = None) -> list[YamlMap]:
        display = display_path(path)
        data = read_file(path, "compose file", referenced_at, shown=display)
        if path not in self.files:
            self.files.append(path)
        self.claim(display, referenced_at)
        normalizer = Normalizer(base_dir)
        return [normalizer.document(doc, display) for doc in load_yaml_documents(data, display, schema="compose")]

    def load_files(
        self,
        paths: list[Path],
        working_dir: Path,
        chain: list[Path],
        at: Location | None = None,
        include_dir: Path | None = None,
    ) -> YamlMap:
        """compose's loadYamlModel: documents merged in order, extends and include applied.

        Relative paths resolve against ``working_dir``; ``include`` paths against
        ``include_dir`` (they differ only for an include with a ``project_directory``).
        """
        merged = YamlMap(Location(display_path(paths[0])))
        for path in paths:
            for doc in self.read(path, working_dir, at):
                grafted = _grafts_values(doc)
                self.apply_extends(doc, path, working_dir)
                self.apply_include(doc, include_dir or working_dir, [*chain, path])
                if not merged and not grafted and not _has_compose_tags(doc):
                    # Merging onto the empty model would only deep-copy the document: nothing
                    # to drop, and nothing shared with another document or the extends cache.
                    doc.location = merged.location
                    merged = doc
                else:
                    merged = merge(merged, doc)
        return enforce_unicity(merged)  # type: ignore[no-any-return]

    # -- static interpolation ----------------------------------------------------------------
    def static(self, text: str, location: Location, what: str) -> str:
        if "$" not in text:
            return text
        try:
            from bakegen.interpolation import (
                InterpolationError,
                RequiredVariableError,
                evaluate,
                parse,
            )
        except ImportError:  # interpolation not available: only literal text can be used
            return text
        missing: list[str] = []

        def lookup(name: str) -> str | None:
            value = self.static_env.get(name)
            if value is None and self.scope is not None:
                value = self.scope_values(self.scope).get(name)
                if value is not None:
                    self.static_uses.setdefault(name, location)
            if value is None and name not in missing:
                missing.append(name)
            return value

        try:
            value = evaluate(parse(text), lookup)
        except InterpolationError as error:
            raise UserError(error.message, location.at(error.offset)) from None
        except RequiredVariableError as error:
            if not missing:
                raise UserError(error.message, location) from None
            value = ""
        if missing:
            raise UserError(
                f"{what} '{text}' needs variable(s) {', '.join(missing)}, which must be known when "
                "bakegen runs (set them in an env file listed in compose.env_files)",
                location,
            )
        return value

    def scope_values(self, scope: IncludeEnv) -> dict[str, str]:
        """An include's variables as structural strings see them: ``static_env`` and outer
        includes first (the environment wins over an include's env files), then its own."""
        if scope not in self._scope_values:
            from bakegen.dotenv import resolve
            from bakegen.interpolation import RequiredVariableError

            outer = self.scope_values(scope.parent) if scope.parent is not None else dict(self.static_env)
            try:
                own = resolve(list(scope.entries), outer)
            except RequiredVariableError as error:
                raise UserError(error.message, scope.location) from None
            self._scope_values[scope] = {**own, **outer}
        return self._scope_values[scope]

    # -- extends -----------------------------------------------------------------------------
    def apply_extends(self, doc: YamlMap, path: Path, base_dir: Path) -> None:
        services = doc.get("services")
        if not isinstance(services, YamlMap):
            return
        for name in list(services):
            self.extend(name, services, path, base_dir, [])

    def extend(self, name: str, services: YamlMap, path: Path, base_dir: Path, chain: list[tuple[str, Path]]) -> Any:
        service = services[name]
        if not isinstance(service, YamlMap) or "extends" not in service or service["extends"] is None:
            return service
        extends = service["extends"]
        ref = self.static(extends["service"], extends.value_location("service"), "extends.service")
        if "file" in extends:
            file_location = extends.value_location("file")
            raw_file = self.static(extends["file"], file_location, "extends.file")
            ref_path = _join(base_dir, raw_file)
            ref_services = self.extends_source(ref_path, file_location)
            if ref not in ref_services:
                raise UserError(
                    f'cannot extend service "{name}" in {display_path(path)}: service "{ref}" not found in {raw_file}',
                    extends.value_location("service"),
                )
            ref_dir = ref_path.parent
        else:
            if ref not in services:
                raise UserError(
                    f'cannot extend service "{name}" in {display_path(path)}: service "{ref}" not found',
                    extends.value_location("service"),
                )
            ref_path, ref_services, ref_dir = path, services, base_dir
        here = (name, path)
        if (ref, ref_path) in [*chain, here]:
            steps = " extends ".join(f"{service} in {display_path(file)}" for service, file in [*chain, here, (ref, ref_path)])
            raise UserError(f"circular extends: {steps}", extends.value_location("service"))
        base = self.extend(ref, ref_services, ref_path, ref_dir, [*chain, here])
        if base is None:
            return service
        merged = merge(base, service, ("services", "x"), files=False)
        merged.pop("extends", None)
        services.put(name, merged, services.key_location(name), services.value_location(name), services.tag_of(name))
        return merged

    def extends_source(self, path: Path, at: Location) -> YamlMap:
        """Another file's services, read as compose does for extends: no include, no extends."""
        if path not in self.extends_cache:
            merged = YamlMap(Location(display_path(path)))
            for doc in self.read(path, path.parent, at):
                merged = merge(merged, doc)
            services = merged.get("services")
            if not isinstance(services, YamlMap):
                raise UserError(f"cannot extend a service from {display_path(path)}: it has no services section", at)
            self.extends_cache[path] = services
        self.claim(display_path(path), at)
        return self.extends_cache[path]

    # -- include -----------------------------------------------------------------------------
    def apply_include(self, doc: YamlMap, working_dir: Path, chain: list[Path]) -> None:
        entries = doc.get("include")
        if entries is None:
            doc.pop("include", None)
            return
        if not isinstance(entries, YamlList):
            raise UserError(f"`include` must be a list, got {kind(entries)}", doc.value_location("include"))
        for index, entry in enumerate(entries):
            self.include_one(doc, entry, entries.item_location(index), working_dir, chain)
        doc.pop("include")

    def include_one(self, doc: YamlMap, entry: Any, location: Location, working_dir: Path, chain: list[Path]) -> None:
        if isinstance(entry, str):
            entry_map = YamlMap(location)
            entry_map.put("path", entry, location, location)
            entry = entry_map
        if not isinstance(entry, YamlMap):
            raise UserError(f"an include entry must be a path or a mapping, got {kind(entry)}", location)
        for key in entry:
            if key not in ("path", "env_file", "project_directory"):
                raise UserError(f"include: unknown key '{key}' (expected path, env_file, project_directory)", entry.key_location(key))
        raw_paths = self.strings(entry, "path", required=True)
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
        paths = [_join(working_dir, p) for p in raw_paths]
        main = paths[0]
        if main in chain:
            steps = " includes ".join(display_path(p) for p in [*chain, main])
            raise UserError(f"include cycle detected: {steps}", location)
        if "project_directory" in entry:
            raw = self.strings(entry, "project_directory", single=True)[0]
            project_dir = _join(working_dir, raw)
            # compose-go resolves the included files' paths against ResourceLoader.Dir of
            # the project directory: the directory itself when it exists, else its parent.
            paths_dir = project_dir if os.path.isabs(raw) or inputs.is_dir(project_dir) else project_dir.parent
        else:
            project_dir = paths_dir = main.parent
        env_paths = []
        for env_file in self.strings(entry, "env_file"):
            env_path = _join(working_dir, env_file)
            if not inputs.is_file(env_path):
                raise UserError(f"include env_file not found: {display_path(env_path)}", entry.value_location("env_file"))
            env_paths.append(env_path)
        if not env_paths and inputs.is_file(project_dir / ".env"):
            env_paths.append(project_dir / ".env")  # compose reads the included project's .env
        outer = self.scope
        if env_paths:
            at = entry.value_location("env_file") if "env_file" in entry else location
            entries = tuple(e for env_path in env_paths for e in _env_entries(env_path, at))
            self.scope = IncludeEnv(entries, outer, location)
        try:
            imported = self.load_files(paths, paths_dir, chain, location, include_dir=project_dir)
        finally:
            self.scope = outer
        _default_contexts(imported, paths_dir)
        self.import_resources(imported, doc, location)

    def strings(self, entry: YamlMap, key: str, *, required: bool = False, single: bool = False) -> list[str]:
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
        return [self.static(text, where, f"include {key}") for text, where in values]

    def import_resources(self, imported: YamlMap, doc: YamlMap, at: Location) -> None:
        """compose's importResources: a resource defined on both sides must be identical."""
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


# -- the project ---------------------------------------------------------------------------------
def _project(model: YamlMap, directory: Path, loader: _ProjectLoader) -> ComposeProject:
    services: dict[str, ServiceSpec] = {}
    services_model = model.get("services")
    if isinstance(services_model, YamlMap):
        for name, data in services_model.items():
            if not isinstance(data, YamlMap):
                data = YamlMap(services_model.value_location(name))
            services[name] = service_spec(name, data, services_model.key_location(name), _base_dir(data, directory))
    name = model.get("name")
    return ComposeProject(
        name=None if name is None else str(name),
        name_location=model.value_location("name") if "name" in model else None,
        project_directory=directory,
        files=list(loader.files),
        services=services,
        secrets=secret_definitions(model.get("secrets")),
        model=model,
        include_envs={path: env for path, env in loader.file_envs.items() if env is not None},
        static_include_uses=dict(loader.static_uses),
    )


def _env_entries(path: Path, at: Location) -> list[Any]:
    """The entries of an include's env file (compose's .env format)."""
    from bakegen.dotenv import parse_env_file

    display = display_path(path)
    try:
        text = read_file(path, "include env file", at, shown=display).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UserError(f"include env file {display} is not valid UTF-8", at) from None
    return parse_env_file(text, display)


def _default_contexts(model: YamlMap, directory: Path) -> None:
    """compose gives a build without a context the context ``.`` in every sub-project it
    loads (transform.SetDefaultValues), so an included one is the included directory."""
    services = model.get("services")
    for service in services.values() if isinstance(services, YamlMap) else ():
        build = service.get("build") if isinstance(service, YamlMap) else None
        if isinstance(build, YamlMap) and "context" not in build:
            build.put("context", PathValue(directory, ".", build.location), build.location, build.location)


def _base_dir(service: YamlMap, directory: Path) -> Path:
    build = service.get("build")
    context = build.get("context") if isinstance(build, YamlMap) else None
    return context.base_dir if isinstance(context, PathValue) else directory


def _absolute(path: Path) -> Path:
    return Path(os.path.normpath(path if path.is_absolute() else Path.cwd() / path))


def _join(base: Path, raw: str) -> Path:
    expanded = os.path.expanduser(raw) if raw.startswith("~") else raw
    return Path(os.path.normpath(Path(base) / expanded))



