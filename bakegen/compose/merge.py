"""compose's override rules (compose-go ``override/merge.go`` and ``override/uncity.go``).

Works on normalized documents (see ``normalize``), so the rules reduce to:

* mappings merge key by key; a null override keeps the base value;
* sequences append, then entries unique by a key keep the later value at the first
  position (``build.tags``, ``profiles``, ``cap_add``, ``dns``, ``secrets`` …); note that
  ``build.platforms``, ``build.cache_from`` and ``build.secrets`` are *not* de-duplicated;
* ``command``, ``entrypoint``, ``healthcheck.test`` and ``ulimits.<name>`` are replaced;
* key/value lists (``args``, ``labels``, ``environment`` …) are maps here, and an
  override entry replaces the base one even when null (compose merges them as ``K=V``
  strings, where a bare ``K`` wins like any other entry);
* ``extra_hosts``: base entries, then override entries not already present;
* ``logging`` merges only when both sides name the same driver (or one names none);
* ``!reset`` removes the base value, ``!override`` replaces it without merging;
* between files (and for ``extends`` of another file's service), a ``build.ssh`` written as
  a sequence cannot override an existing one: compose-go turns only the base into a mapping
  before merging and fails with ``cannot override services.<name>.build.ssh`` (an override
  written as a mapping merges). ``extends`` within one file merges both as written: a
  sequence over a mapping fails, and so does a mapping over a sequence; two sequences are
  appended (an entry written in both fails compose's schema) and stay a sequence.
"""

from __future__ import annotations

from typing import Any

from bakegen.compose.keys import keys_merged
from bakegen.compose.model import PathValue
from bakegen.compose.shapes import SequenceMap, add_host
from bakegen.errors import UserError
from bakegen.yamlio import YamlList, YamlMap, whole_location

Path = tuple[str, ...]

_REPLACED = (
    ("services", "*", "command"),
    ("services", "*", "entrypoint"),
    ("services", "*", "healthcheck", "test"),
    ("services", "*", "ulimits", "*"),
)
_KEY_VALUE_MAPS = (
    *(("services", "*", "build", key) for key in keys_merged("key_values")),
    ("services", "*", "environment"),
    ("services", "*", "labels"),
    ("services", "*", "annotations"),
    ("services", "*", "sysctls"),
)
_EXTRA_HOSTS = (("services", "*", "extra_hosts"), *(("services", "*", "build", key) for key in keys_merged("extra_hosts")))
_SSH = tuple(("services", "*", "build", key) for key in keys_merged("ssh"))
_LIST_TO_MAP = (("services", "*", "networks"), ("services", "*", "models"), ("services", "*", "depends_on"))


def matches(path: Path, pattern: Path) -> bool:
    return len(path) == len(pattern) and all(p == "*" or p == k for k, p in zip(path, pattern))


def _any(path: Path, patterns: tuple[Path, ...]) -> bool:
    return any(matches(path, pattern) for pattern in patterns)


def merge(base: Any, override: Any, path: Path = (), *, files: bool = True) -> Any:
    """``override`` applied on ``base``; neither is modified (the result may share leaves).

    ``files``: ``override`` is a later file or document, or extends another file's service
    (False for ``extends`` within one file, whose base compose-go has not normalized).
    """
    if _any(path, _REPLACED):
        return clean(override)
    if override is None:
        return base
    if _any(path, _EXTRA_HOSTS) and isinstance(base, YamlMap) and isinstance(override, YamlMap):
        return _merge_hosts(base, override)
    if _any(path, _LIST_TO_MAP):
        base, override = _as_map(base, path), _as_map(override, path)
    if isinstance(base, YamlMap):
        if not isinstance(override, YamlMap):
            raise UserError(f"cannot override {'.'.join(path)}: expected a mapping", whole_location(override))
        return _merge_maps(base, override, path, keep_null=_any(path, _KEY_VALUE_MAPS), files=files)
    if isinstance(base, YamlList):
        if not isinstance(override, YamlList):
            raise UserError(f"cannot override {'.'.join(path)}: expected a list", whole_location(override))
        result = YamlList(base.location)
        for source in (base, override):
            for index, item in enumerate(source):
                result.add(clean(item), source.item_location(index))
        return result
    return clean(override)


def _merge_maps(base: YamlMap, override: YamlMap, path: Path, *, keep_null: bool, files: bool) -> YamlMap:
    result = YamlMap(base.location)
    for key in base:
        result.copy_entry(base, key, keep_value=True)
    for key, value in override.items():
        tag = override.tag_of(key)
        if tag == "!reset":
            result.pop(key, None)
            continue
        if key not in result or tag == "!override" or (keep_null and value is None):
            result.put(key, clean(value), override.key_location(key), override.value_location(key))
            continue
        child = (*path, str(key))
        if value is None and not _any(child, _REPLACED):
            continue  # compose: a null override keeps the base value
        if _any(child, _SSH) and isinstance(value, SequenceMap) != (isinstance(result[key], SequenceMap) and not files):
            raise UserError(f"cannot override {'.'.join(child)}", override.value_location(key))
        both_lists = _any(child, _SSH) and isinstance(value, SequenceMap) and isinstance(result[key], SequenceMap)
        if both_lists:
            _check_appended_ssh(result[key], value, child)
        merged = merge(result[key], value, child, files=files)
        if both_lists:
            merged = SequenceMap.of(merged)  # still a list for a service that extends this one
        # A replaced scalar was written in the override; a merged container keeps its base position.
        source = result if isinstance(merged, (YamlMap, YamlList)) else override
        result.put(key, merged, source.key_location(key), source.value_location(key))
    return result


def _as_written(value: Any) -> Any:
    """An ssh entry's value as the file wrote it (a key path's text, before rebasing)."""
    return value.raw if isinstance(value, PathValue) else value


def _check_appended_ssh(base: YamlMap, override: YamlMap, path: Path) -> None:
    """``extends`` within one file appends two ``ssh`` lists as written; compose's schema then
    refuses an entry written in both (``… ssh must be a mapping``: its items must be unique)."""
    for name, entry in override.items():
        if name in base and _as_written(base[name]) == _as_written(entry):
            raise UserError(
                f"{'.'.join(path)} lists '{name}' both here and in the service it extends, which compose "
                "refuses (a repeated ssh entry); write it once",
                override.key_location(name),
            )


def _merge_hosts(base: YamlMap, override: YamlMap) -> YamlMap:
    result = YamlMap(base.location)
    for key in base:
        result.copy_entry(base, key, keep_value=True)
    for host, value in override.items():
        for address in value if isinstance(value, list) else [value]:
            add_host(result, host, address, override.key_location(host), override.value_location(host))
    return result


def _as_map(value: Any, path: Path) -> Any:
    """compose reads ``networks: [a]`` / ``depends_on: [a]`` as a map when merging."""
    if not isinstance(value, YamlList):
        return value
    result = YamlMap(value.location)
    for index, name in enumerate(value):
        if path[-1] == "depends_on":
            entry = YamlMap(value.item_location(index))
            entry.put("condition", "service_started", value.item_location(index))
            entry.put("required", True, value.item_location(index))
        else:
            entry = None
        result.put(name, entry, value.item_location(index), value.item_location(index))
    return result


def clean(value: Any) -> Any:
    """A value as it enters the merged model: ``!reset`` entries gone, tags forgotten."""
    if isinstance(value, YamlMap):
        result = YamlMap(value.location)
        for key, item in value.items():
            if value.tag_of(key) != "!reset":
                result.put(key, clean(item), value.key_location(key), value.value_location(key))
        return result
    if isinstance(value, YamlList):
        items = YamlList(value.location)
        for index, item in enumerate(value):
            if value.tag_of(index) != "!reset":
                items.add(clean(item), value.item_location(index))
        return items
    return value


# -- unicity (override/uncity.go) -------------------------------------------------------------
def _key_value_index(item: Any) -> Any:
    return item.partition("=")[0] if isinstance(item, str) else repr(item)


def _mount_index(item: Any) -> Any:
    if isinstance(item, dict):
        target = item.get("target")
        return target if target is not None else f"/run/secrets/{item.get('source')}"
    return f"/run/secrets/{item}"


def _config_index(item: Any) -> Any:
    if isinstance(item, dict):
        target = item.get("target")
        return target if target is not None else f"/{item.get('source')}"
    return f"/{item}"


def _plain_index(item: Any) -> Any:
    return str(item) if isinstance(item, (str, int)) and not isinstance(item, bool) else repr(item)


_UNIQUE: tuple[tuple[Path, Any], ...] = (
    *((("services", "*", "build", key), _key_value_index) for key in keys_merged("unique")),
    (("services", "*", "profiles"), _key_value_index),
    (("services", "*", "cap_add"), _key_value_index),
    (("services", "*", "cap_drop"), _key_value_index),
    (("services", "*", "dns"), _key_value_index),
    (("services", "*", "dns_opt"), _key_value_index),
    (("services", "*", "dns_search"), _key_value_index),
    (("services", "*", "links"), _key_value_index),
    (("services", "*", "tmpfs"), _key_value_index),
    (("services", "*", "networks", "*", "aliases"), _key_value_index),
    (("services", "*", "networks", "*", "link_local_ips"), _key_value_index),
    (("services", "*", "expose"), _plain_index),
    (("services", "*", "secrets"), _mount_index),
    (("services", "*", "configs"), _config_index),
    (("services", "*", "env_file"), lambda item: str(item.get("path") if isinstance(item, dict) else item)),
)


def _pattern_tree(patterns: tuple[tuple[Path, Any], ...]) -> dict[str, Any]:
    """The patterns as nested dicts (``"*"`` for any key), each ending in its index function."""
    root: dict[str, Any] = {}
    for pattern, index_of in patterns:
        node = root
        for part in pattern[:-1]:
            node = node.setdefault(part, {})
        node[pattern[-1]] = index_of
    return root


# enforce_unicity descends only along these paths: most of a model (environment, labels,
# args…) holds no list it could change, and matching every pattern on every list is slow.
_UNIQUE_TREE = _pattern_tree(_UNIQUE)


def enforce_unicity(value: Any) -> Any:
    """Entries with the same key: the later one wins, at the earlier one's position."""
    return _enforce_unicity(value, _UNIQUE_TREE)


def _enforce_unicity(value: Any, patterns: Any) -> Any:
    if callable(patterns):  # a whole pattern matched: ``patterns`` is its index function
        return _unique(value, patterns) if isinstance(value, YamlList) else value
    if isinstance(value, YamlMap):
        for key, item in list(value.items()):
            below = patterns.get(str(key), patterns.get("*"))
            if below is None:
                continue
            updated = _enforce_unicity(item, below)
            if updated is not item:
                value.put(key, updated, value.key_location(key), value.value_location(key), value.tag_of(key))
    return value


def _unique(values: YamlList, index_of: Any) -> YamlList:
    slots: dict[Any, int] = {}
    items: list[tuple[Any, Any]] = []
    for index, item in enumerate(values):
        key = index_of(item)
        entry = (item, values.item_location(index))
        if key in slots:
            items[slots[key]] = entry
        else:
            slots[key] = len(items)
            items.append(entry)
    if len(items) == len(values):
        return values
    result = YamlList(values.location)
    for item, location in items:
        result.add(item, location)
    return result
