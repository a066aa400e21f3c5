"""A compose service's build section → the keys of its bake target.

Each compose build key maps in one place (``_map_*``); quirks of compose are cited there.
Values are compiled by the ``Interpolator`` given, paths made relative to the bake file's
directory. The policy (tags, platforms, cache) is applied afterwards, by ``compiler``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import cached_property
from pathlib import Path
from typing import Any

from bakegen import hcl
from bakegen.errors import Location, UserError
from bakegen.naming import target_name
from bakegen.variables import Interpolator, may_be_empty
from bakegen.yamlio import location_of, location_or_whole

_REMOTE_CONTEXT = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|git@|github\.com/)", re.IGNORECASE)
_SIZE_UNITS = {"": 1, "b": 1, "k": 1024, "kb": 1024, "m": 1024**2, "mb": 1024**2, "g": 1024**3, "gb": 1024**3}


class BuildKeyMapper:
    """Maps build sections of one compose project; ``project_reference`` names the project in images."""

    def __init__(
        self,
        project: Any,
        interpolator: Interpolator,
        output_dir: Path,
        project_reference: Callable[[], str],
    ) -> None:
        self.project = project
        self.interpolator = interpolator
        self.output_dir = output_dir
        self.project_reference = project_reference

    def map_service(self, name: str, spec: Any) -> tuple[dict[str, Any], list[str]]:
        """The target's build keys, and its image tags as compose would give them."""
        data = spec.data
        build = data["build"]
        location = location_or_whole(data, "build")
        if isinstance(build, str) or is_path_value(build):
            build = {"context": build}
        if not isinstance(build, Mapping):
            raise UserError(f"services.{name}.build must be a string or a mapping", location)
        target: dict[str, Any] = {}
        context_dir = self._map_context(build, target, spec)
        self._map_dockerfile(build, target, context_dir)
        self._map_mapping(build, "args", "args", target, arg_names_from_env=True)
        self._map_mapping(build, "labels", "labels", target)
        self._map_scalar(build, "target", "target", target)
        self._map_scalar(build, "network", "network", target)
        self._map_list(build, "platforms", "platforms", target)
        self._map_list(build, "cache_from", "cache-from", target)
        self._map_list(build, "cache_to", "cache-to", target)
        self._map_bool(build, "pull", "pull", target)
        self._map_bool(build, "no_cache", "no-cache", target)
        self._map_extra_hosts(build, target)
        self._map_shm_size(build, target)
        self._map_ulimits(build, target)
        self._map_secrets(build, target, name)
        self._map_ssh(build, target)
        self._map_additional_contexts(build, target, spec)
        if build.get("privileged") is True:
            target["entitlements"] = ["security.insecure"]
        tags = self._compose_tags(name, data, build)
        x_bake = build.get("x-bake")
        if isinstance(x_bake, Mapping):
            tags = self._apply_x_bake(x_bake, target, tags, location_or_whole(build, "x-bake"))
        return target, tags

    def _map_context(self, build: Mapping[str, Any], target: dict[str, Any], spec: Any) -> Path | None:
        raw = build.get("context", ".")
        location = location_or_whole(build, "context")
        base_dir = self._base_dir(raw, spec)
        raw_text = _raw(raw)
        text = self.interpolator.template(raw_text, location)
        if _REMOTE_CONTEXT.match(raw_text):
            target["context"] = text
            return None
        if raw_text.startswith("~"):
            raise UserError(
                "a build context under '~' names a different directory on every machine; "
                "use a path relative to the compose file",
                location,
            )
        if text != hcl.escape_template_literal(raw_text) or raw_text.startswith("$"):
            if raw_text.startswith("$"):
                raise UserError(
                    "a build context that starts with a variable cannot be compiled: bake paths are "
                    "relative to where bake runs; start it with a literal path (e.g. ./${DIR})",
                    location,
                )
            if Path(raw_text).is_absolute():
                target["context"] = text
                return None
            prefix = self._relative(base_dir)
            target["context"] = text if prefix == "." else f"{prefix}/{text}"
            return None
        directory = base_dir / raw_text
        relative = self._relative(directory)
        target["context"] = hcl.escape_template_literal(relative)
        return directory

    def _base_dir(self, raw: Any, spec: Any) -> Path:
        base = getattr(raw, "base_dir", None)
        if base is not None:
            return Path(base)
        return Path(getattr(spec, "base_dir", None) or self.project.project_directory)

    @cached_property
    def _output_root(self) -> str:
        # Once per compile: resolve() makes a syscall per path component, and every target needs it.
        return os.path.normpath(self.output_dir.resolve())

    def _relative(self, path: Path) -> str:
        """A path as bake needs it: relative to the bake file's directory, POSIX separators."""
        absolute = Path(os.path.normpath(path if path.is_absolute() else Path.cwd() / path))
        relative = os.path.relpath(absolute, self._output_root)
        return Path(relative).as_posix()

    def _map_dockerfile(self, build: Mapping[str, Any], target: dict[str, Any], context_dir: Path | None) -> None:
        if "dockerfile_inline" in build:
            location = location_or_whole(build, "dockerfile_inline")
            target["dockerfile-inline"] = self.interpolator.template(build["dockerfile_inline"], location)
        if "dockerfile" in build and build["dockerfile"] is not None:
            raw = _raw(build["dockerfile"])
            location = location_or_whole(build, "dockerfile")
            if context_dir is not None and "$" not in raw and Path(raw).is_absolute():
                # bake reads dockerfile relative to the context; an absolute path inside the
                # project would make the committed file machine-specific.
                raw = Path(os.path.relpath(raw, context_dir)).as_posix()
            target["dockerfile"] = self.interpolator.template(raw, location)

    def _map_scalar(self, build: Mapping[str, Any], key: str, bake_key: str, target: dict[str, Any]) -> None:
        if key in build and build[key] is not None:
            target[bake_key] = self.interpolator.template(build[key], location_or_whole(build, key))

    def _map_bool(self, build: Mapping[str, Any], key: str, bake_key: str, target: dict[str, Any]) -> None:
        if key not in build or build[key] is None:
            return
        value = build[key]
        location = location_or_whole(build, key)
        if isinstance(value, str):
            value = _compose_bool(self.interpolator.literal(value, location, f"build.{key}"), location, key)
        if not isinstance(value, bool):
            raise UserError(f"build.{key} must be a boolean", location)
        if value:
            target[bake_key] = True

    def _map_list(self, build: Mapping[str, Any], key: str, bake_key: str, target: dict[str, Any]) -> None:
        values = build.get(key)
        if values is None:
            return
        location = location_or_whole(build, key)
        if isinstance(values, str):
            raise UserError(f"build.{key} must be a list of strings", location)
        items = [self.interpolator.template(item, location_of(values, index, location)) for index, item in enumerate(values)]
        if items:
            target[bake_key] = dedupe(items)

    def _map_mapping(
        self,
        build: Mapping[str, Any],
        key: str,
        bake_key: str,
        target: dict[str, Any],
        *,
        arg_names_from_env: bool = False,
    ) -> None:
        values = build.get(key)
        if values is None:
            return
        location = location_or_whole(build, key)
        result: dict[str, str] = {}
        for name, value, item_location in _key_values(values, location):
            if value is None:
                if arg_names_from_env:
                    # compose passes an arg without a value from the environment, and drops it
                    # when the variable is unset: a whole-string "${NAME}" that is null at
                    # build time is dropped by bake too (shared/bake-cases variables args-expr-null).
                    self.interpolator.use_variable(name, item_location)
                    result[hcl.escape_template_literal(name)] = "${" + name + "}"
                else:
                    result[hcl.escape_template_literal(name)] = ""
                continue
            result[hcl.escape_template_literal(name)] = self.interpolator.template(value, item_location)
        if result:
            target[bake_key] = result

    def _map_extra_hosts(self, build: Mapping[str, Any], target: dict[str, Any]) -> None:
        values = build.get("extra_hosts")
        if values is None:
            return
        location = location_or_whole(build, "extra_hosts")
        hosts: dict[str, list[str]] = {}
        if isinstance(values, Mapping):
            pairs = [(str(host), address, location_or_whole(values, host)) for host, address in values.items()]
        else:
            pairs = []
            for index, entry in enumerate(values):
                item_location = location_of(values, index, location)
                text = str(entry)
                separator = "=" if "=" in text else ":"
                host, _, address = text.partition(separator)
                pairs.append((host, address, item_location))
        for host, address, item_location in pairs:
            if not host or any(char in host for char in "${}% \t"):
                # compose never interpolates keys and rejects such a host ("bad host name").
                raise UserError(f"bad host name '{host}' in build.extra_hosts", item_location)
            addresses = address if isinstance(address, list) else [address]
            for one in addresses:
                hosts.setdefault(host, []).append(self.interpolator.template(one, item_location))
        target["extra-hosts"] = {
            hcl.escape_template_literal(host): ",".join(addresses) for host, addresses in hosts.items()
        }

    def _map_shm_size(self, build: Mapping[str, Any], target: dict[str, Any]) -> None:
        if build.get("shm_size") is None:
            return
        location = location_or_whole(build, "shm_size")
        raw = build["shm_size"]
        text = self.interpolator.literal(raw, location, "build.shm_size") if isinstance(raw, str) else raw
        # compose converts sizes to bytes (`docker compose build --print`: 128m → "134217728").
        target["shm-size"] = str(_bytes(text, location))

    def _map_ulimits(self, build: Mapping[str, Any], target: dict[str, Any]) -> None:
        values = build.get("ulimits")
        if values is None:
            return
        location = location_or_whole(build, "ulimits")
        if not isinstance(values, Mapping):
            raise UserError("build.ulimits must be a mapping", location)
        entries = []
        for name in sorted(values):
            limit = values[name]
            if isinstance(limit, Mapping):
                entries.append(f"{name}={limit.get('soft')}:{limit.get('hard')}")
            elif isinstance(limit, int) and limit <= 0:
                # compose builds a non-positive single value as soft=hard=0 (`build --print`).
                entries.append(f"{name}=0:0")
            else:
                entries.append(f"{name}={limit}")
        if entries:
            target["ulimits"] = entries

    def _map_secrets(self, build: Mapping[str, Any], target: dict[str, Any], service: str) -> None:
        values = build.get("secrets")
        if not values:
            return
        location = location_or_whole(build, "secrets")
        definitions = getattr(self.project, "secrets", {}) or {}
        entries = []
        for index, entry in enumerate(values):
            item_location = location_of(values, index, location)
            if isinstance(entry, Mapping):
                source = str(entry.get("source"))
                secret_id = str(entry.get("target") or source)
            else:
                source = secret_id = str(entry)
            definition = definitions.get(source)
            if definition is None:
                raise UserError(
                    f"service '{service}' refers to undefined secret '{source}'; define it under top-level secrets",
                    item_location,
                )
            if "environment" in definition:
                variable = self.interpolator.literal(definition["environment"], None, "a secret's environment name")
                entries.append(f"id={secret_id},type=env,env={variable}")
            elif "file" in definition:
                file_value = definition["file"]
                base = getattr(file_value, "base_dir", None) or self.project.project_directory
                raw_file = self.interpolator.literal(_raw(file_value), None, "a secret's file")
                entries.append(f"id={secret_id},type=file,src={self._relative(Path(base) / raw_file)}")
            else:
                raise UserError(f"secret '{source}' has neither file nor environment", item_location)
        target["secret"] = [hcl.escape_template_literal(entry) for entry in entries]

    def _map_ssh(self, build: Mapping[str, Any], target: dict[str, Any]) -> None:
        values = build.get("ssh")
        if not values:
            return
        location = location_or_whole(build, "ssh")
        entries = []
        for name, value, item_location in _key_values(values, location):
            text = self.interpolator.template(_raw(value), item_location) if value is not None else None
            entries.append(name if not text else f"{name}={text}")
        target["ssh"] = entries

    def _map_additional_contexts(self, build: Mapping[str, Any], target: dict[str, Any], spec: Any) -> None:
        values = build.get("additional_contexts")
        if not values:
            return
        location = location_or_whole(build, "additional_contexts")
        contexts: dict[str, str] = {}
        for name, value, item_location in _key_values(values, location):
            raw = _raw(value)
            if raw.startswith("service:"):
                service = raw.removeprefix("service:")
                if service not in self.project.services:
                    raise UserError(f"additional context '{name}' refers to unknown service '{service}'", item_location)
                contexts[name] = "target:" + target_name(service)
            elif ":" in raw.split("/", 1)[0] or _REMOTE_CONTEXT.match(raw) or "$" in raw:
                contexts[name] = self.interpolator.template(raw, item_location)
            else:
                base = self._base_dir(value, spec)
                contexts[name] = hcl.escape_template_literal(self._relative(base / raw))
        target["contexts"] = contexts

    # -- tags -------------------------------------------------------------------------------
    def image_name(self, name: str, data: Mapping[str, Any]) -> str:
        raw = data.get("image")
        if not raw:
            return f"{self.project_reference()}-{name}"
        image = self.interpolator.template(raw, location_or_whole(data, "image"))
        if isinstance(raw, str) and may_be_empty(raw):
            # compose names a build service whose image interpolates to "" <project>-<service>.
            default = f"{self.project_reference()}-{name}"
            quoted = hcl.quote_template(image)
            return "${" + f'{quoted} != "" ? {quoted} : {hcl.quote_template(default)}' + "}"
        return image

    def _compose_tags(self, name: str, data: Mapping[str, Any], build: Mapping[str, Any]) -> list[str]:
        # `docker compose build --print`: build.tags first, then the image name.
        tags: list[str] = []
        raw_tags = build.get("tags") or []
        location = location_or_whole(build, "tags")
        for index, tag in enumerate(raw_tags):
            tags.append(self.interpolator.template(tag, location_of(raw_tags, index, location)))
        tags.append(self.image_name(name, data))
        return dedupe(tags)

    def _apply_x_bake(
        self, x_bake: Mapping[str, Any], target: dict[str, Any], tags: list[str], location: Location | None
    ) -> list[str]:
        """buildx reads the `x-bake` extension of a compose build section (bake/compose.go)."""
        list_keys = {"tags", "cache-from", "cache-to", "platforms", "output", "secret", "ssh", "no-cache-filter"}
        for key, value in x_bake.items():
            item_location = location_or_whole(x_bake, key)
            if key in list_keys:
                items = value.split() if isinstance(value, str) else list(value or [])
                compiled = [self.interpolator.template(item, item_location) for item in items]
                if key == "tags":
                    tags = compiled
                elif key == "cache-from":
                    target[key] = dedupe(target.get(key, []) + compiled)
                else:
                    target[key] = compiled
            elif key in ("pull", "no-cache"):
                target[key] = bool(value)
            elif key == "contexts":
                target["contexts"] = {**target.get("contexts", {}), **{
                    str(k): self.interpolator.template(v, item_location) for k, v in value.items()
                }}
            elif key in ("shm-size", "ulimits", "network"):
                continue
            else:
                raise UserError(f"unsupported x-bake key '{key}'", item_location)
        return tags


def _raw(value: Any) -> str:
    raw = getattr(value, "raw", value)
    return "" if raw is None else str(raw)


def is_path_value(value: Any) -> bool:
    return hasattr(value, "base_dir") and hasattr(value, "raw")


def _key_values(values: Any, location: Location | None) -> Iterator[tuple[str, Any, Location | None]]:
    """compose's two spellings of a mapping: ``{K: V}`` or ``["K=V", "K"]``."""
    if isinstance(values, Mapping):
        for key, value in values.items():
            yield str(key), value, location_or_whole(values, key)
        return
    if isinstance(values, list):
        for index, entry in enumerate(values):
            text = str(entry)
            key, separator, value = text.partition("=")
            yield key, (value if separator else None), location_of(values, index, location)
        return
    raise UserError("expected a mapping or a list of KEY=VALUE strings", location)


def dedupe(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _compose_bool(text: str, location: Location | None, key: str) -> bool:
    lowered = text.lower()
    if lowered in ("true", "1", "yes", "y", "on"):
        return True
    if lowered in ("false", "0", "no", "n", "off", ""):
        return False
    raise UserError(f"build.{key} must be a boolean, got '{text}'", location)


def _bytes(value: Any, location: Location | None) -> int:
    if isinstance(value, bool):
        raise UserError("build.shm_size must be a size such as 128m", location)
    if isinstance(value, int):
        return value
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*", str(value))
    if not match or match.group(2).lower() not in _SIZE_UNITS:
        raise UserError(f"build.shm_size must be a size such as 128m, got '{value}'", location)
    return int(float(match.group(1)) * _SIZE_UNITS[match.group(2).lower()])

