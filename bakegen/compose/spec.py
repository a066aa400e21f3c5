"""The merged, normalized compose model → the typed, frozen build model (``model.BuildSpec``).

``normalize`` has checked every shape (``keys.BUILD_KEYS``) and brought every spelling to one
form; this reads that form into typed fields, each with where it was written, so no later
stage reads YAML.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from bakegen.compose.keys import UNSUPPORTED_KEYS
from bakegen.compose.model import (
    At,
    BuildSpec,
    PathValue,
    Scalar,
    SecretDefinition,
    SecretUse,
    ServiceSpec,
)
from bakegen.errors import Location
from bakegen.yamlio import YamlList, YamlMap


def service_spec(name: str, data: YamlMap, location: Location, base_dir: Path) -> ServiceSpec:
    build = data.get("build")
    image = data.get("image")
    platform = data.get("platform")
    return ServiceSpec(
        name=name,
        data=data,
        location=location,
        base_dir=base_dir,
        build=build_spec(build) if isinstance(build, YamlMap) else None,
        image=At(image, data.value_location("image")) if isinstance(image, str) else None,
        platform=At(platform, data.value_location("platform")) if isinstance(platform, str) else None,
    )


def secret_definitions(secrets: object) -> dict[str, SecretDefinition]:
    if not isinstance(secrets, YamlMap):
        return {}
    result = {}
    for name, definition in secrets.items():
        if not isinstance(definition, YamlMap):
            continue
        file = definition.get("file")
        environment = definition.get("environment")
        result[str(name)] = SecretDefinition(
            name=str(name),
            file=file if isinstance(file, PathValue) else None,
            environment=environment if isinstance(environment, str) else None,
            location=secrets.value_location(name),
        )
    return result


def build_spec(build: YamlMap) -> BuildSpec:
    context = build.get("context")
    # Only the keys written are read (a service writes a handful of the 26 fields); every
    # other field keeps its default.
    fields = {key: _READERS[key](build, key) for key in build if key in _READERS}
    return BuildSpec(
        location=build.location,
        context=context
        if isinstance(context, PathValue)
        else At(str(context or "."), build.value_location("context") if "context" in build else build.location),
        x_bake=build["x-bake"] if isinstance(build.get("x-bake"), YamlMap) else None,
        unsupported=tuple((key, build.key_location(key)) for key in build if key in UNSUPPORTED_KEYS),
        **fields,
    )


def _string(build: YamlMap, key: str) -> At[str] | None:
    value = build.get(key)
    return At(value, build.value_location(key)) if isinstance(value, str) else None


def _scalar(build: YamlMap, key: str) -> At[Scalar] | None:
    value = build.get(key)
    if value is None:
        return None
    # normalize admits scalars here; a mapping or list is left for the mapper to reject.
    scalar: Scalar = value if isinstance(value, (str, int, float, bool)) else repr(value)
    return At(scalar, build.value_location(key))


def _strings(build: YamlMap, key: str) -> tuple[At[str], ...]:
    values = build.get(key)
    if not isinstance(values, YamlList):
        return ()
    return tuple(At(str(item), values.item_location(index)) for index, item in enumerate(values))


def _key_values(build: YamlMap, key: str) -> tuple[tuple[str, At[str | None]], ...]:
    values = build.get(key)
    if not isinstance(values, YamlMap):
        return ()
    return tuple(
        (str(name), At(None if value is None else str(value), values.value_location(name))) for name, value in values.items()
    )


def _extra_hosts(build: YamlMap, key: str) -> tuple[tuple[At[str], tuple[At[str], ...]], ...]:
    values = build.get(key)
    if not isinstance(values, YamlMap):
        return ()
    result = []
    for host, address in values.items():
        where = values.value_location(host)
        if isinstance(address, YamlList):
            addresses = tuple(At(str(one), address.item_location(index)) for index, one in enumerate(address))
        elif isinstance(address, list):
            addresses = tuple(At(str(one), where) for one in address)
        else:
            addresses = (At(str(address), where),)
        result.append((At(str(host), values.key_location(host)), addresses))
    return tuple(result)


def _ulimits(build: YamlMap, key: str) -> tuple[tuple[str, Scalar | tuple[Scalar, Scalar]], ...]:
    values = build.get(key)
    if not isinstance(values, YamlMap):
        return ()
    result: list[tuple[str, Scalar | tuple[Scalar, Scalar]]] = []
    for name, limit in values.items():
        if isinstance(limit, Mapping):
            result.append((str(name), (limit.get("soft"), limit.get("hard"))))
        else:
            result.append((str(name), limit if isinstance(limit, (str, int, float, bool)) or limit is None else str(limit)))
    return tuple(result)


def _secrets(build: YamlMap, key: str) -> tuple[SecretUse, ...]:
    values = build.get(key)
    if not isinstance(values, YamlList):
        return ()
    uses = []
    for index, entry in enumerate(values):
        location = values.item_location(index)
        if isinstance(entry, Mapping):
            target = entry.get("target")
            uses.append(SecretUse(str(entry.get("source")), str(target) if target else None, location))
        else:
            uses.append(SecretUse(str(entry), None, location))
    return tuple(uses)


def _ssh(build: YamlMap, key: str) -> tuple[tuple[str, PathValue | None, Location], ...]:
    values = build.get(key)
    if not isinstance(values, YamlMap):
        return ()
    return tuple(
        (str(name), value if isinstance(value, PathValue) else None, values.value_location(name))
        for name, value in values.items()
    )


def _contexts(build: YamlMap, key: str) -> tuple[tuple[str, PathValue | str, Location], ...]:
    values = build.get(key)
    if not isinstance(values, YamlMap):
        return ()
    return tuple(
        (str(name), value if isinstance(value, PathValue) else ("" if value is None else str(value)), values.value_location(name))
        for name, value in values.items()
    )


# The reader of each compose build key's BuildSpec field (named as the key); each reader
# gives the field's default for a value of another shape.
_READERS: dict[str, Callable[[YamlMap, str], Any]] = {
    "dockerfile": _string,
    "dockerfile_inline": _string,
    "args": _key_values,
    "labels": _key_values,
    "target": _string,
    "network": _string,
    "platforms": _strings,
    "cache_from": _strings,
    "cache_to": _strings,
    "tags": _strings,
    "entitlements": _strings,
    "pull": _scalar,
    "no_cache": _scalar,
    "privileged": _scalar,
    "provenance": _string,
    "sbom": _string,
    "shm_size": _scalar,
    "extra_hosts": _extra_hosts,
    "ulimits": _ulimits,
    "secrets": _secrets,
    "ssh": _ssh,
    "additional_contexts": _contexts,
}
