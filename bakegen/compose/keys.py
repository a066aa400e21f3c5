"""The compose build keys: the one table of what bakegen accepts and what becomes of each.

``normalize`` accepts exactly these keys (plus ``x-*`` extensions) and checks each by its
``shape``; ``merge`` applies each key's ``merge`` rule between files; ``build_keys`` has one
mapper per key whose ``bake`` is set (a test keeps the two in step); a key compose accepts and
bake cannot express has ``bake=None`` and a ``note`` that ``lint`` reports as a named warning
(``unsupported-build-key``), never silently.
"""

from __future__ import annotations

from functools import cache
from typing import Literal, NamedTuple

Shape = Literal[
    "string",  # a string
    "string_list",  # a list of strings
    "key_values",  # compose's list_or_dict: {K: V} or ["K=V", "K"]
    "extra_hosts",  # ["host:ip", "host=ip"] or {host: ip | [ip, …]}
    "contexts",  # additional_contexts: key_values whose local values are paths
    "ssh",  # key_values whose values are paths; a bare entry other than `default` is invalid
    "secrets",  # a list of names or {source, target, …}
    "boolean",  # a boolean, or a string read as one after interpolation
    "boolean_or_string",  # provenance, sbom: true / false / buildkit attestation options
    "size",  # shm_size: bytes or a size string (128m)
    "ulimits",  # {name: limit | {soft, hard}}
]


# What each shape accepts, as messages name it ("… must be <this>, got null").
SHAPE_NAMES: dict[Shape, str] = {
    "string": "a string",
    "string_list": "a list of strings",
    "key_values": "a mapping or a list of strings",
    "extra_hosts": "a mapping or a list of strings",
    "contexts": "a mapping or a list of strings",
    "ssh": "a mapping or a list of strings",
    "secrets": "a list",
    "boolean": "a boolean or a string",
    "boolean_or_string": "a boolean or a string",
    "size": "a number or a string",
    "ulimits": "a mapping",
}


Merge = Literal[
    "default",  # compose-go's generic rule: a scalar is replaced, a list appended, a mapping merged
    "unique",  # appended, then entries unique by value (the later one kept at the first position)
    "key_values",  # a map here: an override entry replaces the base one, even when null
    "extra_hosts",  # base entries, then override entries not already present
    "ssh",  # a map; between files an override written as a sequence cannot override (compose-go)
]


class BuildKey(NamedTuple):
    """What bakegen does with one compose build key."""

    shape: Shape
    bake: str | None  # the bake target key it maps to; None: bake cannot express it
    note: str = ""  # for bake=None: why, and what to do (the warning's text)
    merge: Merge = "default"  # how a later compose file's value combines with the base (merge)


BUILD_KEYS: dict[str, BuildKey] = {
    "additional_contexts": BuildKey("contexts", "contexts", merge="key_values"),
    "args": BuildKey("key_values", "args", merge="key_values"),
    "cache_from": BuildKey("string_list", "cache-from"),
    "cache_to": BuildKey("string_list", "cache-to"),
    "context": BuildKey("string", "context"),
    "dockerfile": BuildKey("string", "dockerfile"),
    "dockerfile_inline": BuildKey("string", "dockerfile-inline"),
    "entitlements": BuildKey("string_list", "entitlements"),
    "extra_hosts": BuildKey("extra_hosts", "extra-hosts", merge="extra_hosts"),
    "isolation": BuildKey(
        "string",
        None,
        "build.isolation (a Windows container isolation) has no bake equivalent; bake builds without it",
    ),
    "labels": BuildKey("key_values", "labels", merge="key_values"),
    "network": BuildKey("string", "network"),
    "no_cache": BuildKey("boolean", "no-cache"),
    "platforms": BuildKey("string_list", "platforms"),
    "privileged": BuildKey("boolean", "entitlements"),
    "provenance": BuildKey("boolean_or_string", "attest"),
    "pull": BuildKey("boolean", "pull"),
    "sbom": BuildKey("boolean_or_string", "attest"),
    "secrets": BuildKey("secrets", "secret"),
    "shm_size": BuildKey("size", "shm-size"),
    "ssh": BuildKey("ssh", "ssh", merge="ssh"),
    "tags": BuildKey("string_list", "tags", merge="unique"),
    "target": BuildKey("string", "target"),
    "ulimits": BuildKey("ulimits", "ulimits"),
}

MAPPED_KEYS = frozenset(key for key, spec in BUILD_KEYS.items() if spec.bake is not None)
UNSUPPORTED_KEYS = {key: spec.note for key, spec in BUILD_KEYS.items() if spec.bake is None}


@cache  # BUILD_KEYS is fixed; the normalizer asks for the same shapes for every service
def keys_of_shape(*shapes: Shape) -> tuple[str, ...]:
    return tuple(key for key, spec in BUILD_KEYS.items() if spec.shape in shapes)


@cache
def keys_merged(rule: Merge) -> tuple[str, ...]:
    return tuple(key for key, spec in BUILD_KEYS.items() if spec.merge == rule)
