"""Target and group blocks: decoding with buildx's field types, merging, inherits, groups,
--set overrides, normalization and the --print shape (bake/bake.go)."""

from __future__ import annotations

import copy
import fnmatch
import posixpath
import re
from typing import Any

from .body import Block
from .diagnostics import BakeError, Diagnostic, DiagnosticsError
from .entries import (
    EntryError,
    cache_entries,
    output_entries,
    parse_cache_text,
    parse_output_text,
    parse_secret_text,
    print_cache,
    print_output,
    print_secret,
    print_ssh,
    remove_dupes,
    remove_secret_dupes,
    remove_ssh_dupes,
    secret_entries,
    ssh_entries,
)
from .evaluator import BakeParser
from .values import UNKNOWN, ConversionError, Value, to_bool, to_string, type_name

Target = dict[str, Any]

STRING_FIELDS = {"description", "context", "dockerfile", "dockerfile-inline", "target", "network", "shm-size", "call"}
BOOL_FIELDS = {"pull", "no-cache"}
LIST_FIELDS = {"inherits", "annotations", "tags", "platforms", "no-cache-filter", "ulimits", "entitlements", "attest", "policy"}
MAP_FIELDS = {"args", "labels", "extra-hosts", "contexts"}
ENTRY_FIELDS = {"cache-from": cache_entries, "cache-to": cache_entries, "output": output_entries, "secret": secret_entries, "ssh": ssh_entries}
TARGET_NAME = re.compile(r"^[a-zA-Z0-9_-]+$")


class _Unsuitable(Exception):
    pass


def _string_list(value: Value) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        raise _Unsuitable(f"list of string required, but have {type_name(value)}")
    out: list[str] = []
    for index, item in enumerate(value):
        if item is None:
            raise _Unsuitable("null value is not allowed")
        try:
            out.append(to_string(item))
        except ConversionError as error:
            raise _Unsuitable(f"element {index}: {error}") from None
    return out


def _string_map(value: Value) -> dict[str, str | None] | None:
    if value is None:
        return None
    if isinstance(value, list):
        raise _Unsuitable("map of string required")
    if not isinstance(value, dict):
        raise _Unsuitable(f"map of string required, but have {type_name(value)}")
    out: dict[str, str | None] = {}
    for key, item in value.items():
        if item is None:
            out[key] = None
            continue
        try:
            out[key] = to_string(item)
        except ConversionError as error:
            raise _Unsuitable(f'element "{key}": {error}') from None
    return out


def _decode_field(name: str, value: Value) -> Any:
    if name in STRING_FIELDS:
        if value is None:
            return None
        try:
            return to_string(value)
        except ConversionError as error:
            raise _Unsuitable(str(error)) from None
    if name in BOOL_FIELDS:
        if value is None:
            return None
        try:
            return to_bool(value)
        except ConversionError as error:
            raise _Unsuitable(str(error)) from None
    if name in LIST_FIELDS:
        return _string_list(value)
    if name in MAP_FIELDS:
        return _string_map(value)
    try:
        return ENTRY_FIELDS[name](value)
    except (EntryError, ConversionError) as error:
        raise _Unsuitable(str(error)) from None


def decode_block(parser: BakeParser, block: Block, name: str) -> tuple[Target, list[Diagnostic]]:
    fields = STRING_FIELDS | BOOL_FIELDS | LIST_FIELDS | MAP_FIELDS | set(ENTRY_FIELDS)
    if block.type == "group":
        fields = {"description", "targets"}
    spec: Target = {"name": name}
    attributes = [a for a in block.body.attributes if a.name in fields]  # unknown keys: ignored, as buildx does
    for attribute in attributes:
        dependency_diags = parser.load_deps(attribute.expr)
        if dependency_diags:
            return spec, dependency_diags
    diags: list[Diagnostic] = []
    for attribute in attributes:
        value, value_diags = attribute.expr.value(parser.scope)
        diags += value_diags
        if value is UNKNOWN:
            # gocty refuses the unknown result of a failed expression: a second diagnostic.
            diags.append(Diagnostic("Unsuitable value type", "Unsuitable value: value must be known", attribute.expr.start_range))
            continue
        try:
            if block.type == "group":
                decoded = _string_list(value) if attribute.name == "targets" else _decode_field("description", value)
            else:
                decoded = _decode_field(attribute.name, value)
        except _Unsuitable as error:
            diags.append(Diagnostic("Unsuitable value type", f"Unsuitable value: {error}", attribute.expr.start_range))
            continue
        spec[attribute.name] = decoded
    return spec, diags


# ------------------------------------------------------------------------------ merging


def _normalize_cache(entries: list[Any] | None) -> list[Any] | None:
    return remove_dupes(entries) if entries else None


def merge(t: Target, t2: Target) -> None:
    """Target.Merge: later values win for scalars, maps merge by key, some lists append."""
    if "_default_base" in t2:
        t["_default_base"] = t2["_default_base"]
        t["_use_default_base"] = t2.get("_use_default_base", False)
    if t2.get("context") is not None:
        t["_context_base"] = t2.get("_context_base")
    for key in ("context", "dockerfile", "dockerfile-inline", "target", "call", "pull", "no-cache", "network", "shm-size"):
        if t2.get(key) is not None:
            t[key] = t2[key]
    for key in ("args", "labels", "extra-hosts"):
        for k, v in (t2.get(key) or {}).items():
            if v is None:
                continue
            t.setdefault(key, {})
            if t[key] is None:
                t[key] = {}
            t[key][k] = v
    for k, v in (t2.get("contexts") or {}).items():
        if t.get("contexts") is None:
            t["contexts"] = {}
        t["contexts"][k] = v
        bases = dict(t.get("_contexts_base") or {})
        if k in (t2.get("_contexts_base") or {}):
            bases[k] = t2["_contexts_base"][k]
        else:
            bases.pop(k, None)
        t["_contexts_base"] = bases
    for key in ("tags", "platforms", "cache-to", "output"):
        if t2.get(key) is not None:
            t[key] = t2[key]
    for key in ("annotations", "attest", "no-cache-filter", "ulimits", "entitlements", "policy"):
        if t2.get(key) is not None:
            t[key] = (t.get(key) or []) + t2[key]
    if t2.get("cache-from") is not None:
        t["cache-from"] = _normalize_cache((t.get("cache-from") or []) + t2["cache-from"])
    if t2.get("secret") is not None:
        t["secret"] = remove_secret_dupes((t.get("secret") or []) + t2["secret"]) or None
    if t2.get("ssh") is not None:
        t["ssh"] = remove_ssh_dupes((t.get("ssh") or []) + t2["ssh"]) or None
    if t2.get("description"):
        t["description"] = t2["description"]
    t["inherits"] = (t.get("inherits") or []) + (t2.get("inherits") or [])


def _remove_dupes_str(items: list[str] | None) -> list[str] | None:
    if items is None:
        return None
    out: list[str] = []
    for item in items:
        if item and item not in out:
            out.append(item)
    return out


def normalize(t: Target) -> None:
    for key in ("annotations", "tags", "platforms", "no-cache-filter", "ulimits"):
        t[key] = _remove_dupes_str(t.get(key))
    if t.get("secret"):
        t["secret"] = remove_secret_dupes(t["secret"])
    if t.get("ssh"):
        t["ssh"] = remove_ssh_dupes(t["ssh"])
    for key in ("cache-from", "cache-to", "output"):
        t[key] = _normalize_cache(t.get(key))
    if t.get("network") == "host":
        t["entitlements"] = (t.get("entitlements") or []) + ["network.host"]
    t["entitlements"] = _remove_dupes_str(t.get("entitlements"))
    contexts = {k: v for k, v in (t.get("contexts") or {}).items() if v}
    t["contexts"] = contexts or None


# ------------------------------------------------------------------------------ config


class Config:
    def __init__(self, groups: list[Target], targets: list[Target]) -> None:
        self.groups: list[Target] = []
        for group in groups:
            existing = next((g for g in self.groups if g["name"] == group["name"]), None)
            if existing is None:
                self.groups.append({"name": group["name"], "description": group.get("description"), "targets": _dedup(group.get("targets") or [])})
            else:
                existing["targets"] = _dedup(existing["targets"] + (group.get("targets") or []))
        self.targets: dict[str, Target] = {}
        for target in targets:
            if target["name"] in self.targets:
                merge(self.targets[target["name"]], target)
            else:
                self.targets[target["name"]] = copy.deepcopy(target)

    def group(self, name: str) -> Target | None:
        return next((g for g in self.groups if g["name"] == name), None)

    def match_names(self, pattern: str) -> list[str]:
        if not any(c in pattern for c in "*?[]"):
            return [pattern]
        names = [g["name"] for g in self.groups if fnmatch.fnmatchcase(g["name"], pattern)]
        names += [n for n in self.targets if fnmatch.fnmatchcase(n, pattern)]
        if not names:
            raise BakeError(f'could not find any target matching "{pattern}"')
        return names

    def resolve_group(self, name: str) -> tuple[list[str], list[str]]:
        targets, groups = self._group(name, {})
        return _dedup(targets), _dedup(groups)

    def _group(self, name: str, visited: dict[str, tuple[list[str], list[str]]]) -> tuple[list[str], list[str]]:
        if name in visited:
            return visited[name]
        group = self.group(name)
        if group is None:
            return [name], []
        visited[name] = ([], [])
        targets: list[str] = []
        groups = [name]
        for member in group["targets"]:
            member_targets, member_groups = self._group(member, visited)
            targets += member_targets or [member]
            groups += member_groups
        visited[name] = (targets, groups)
        return targets, groups

    def resolve_target(self, name: str, overrides: dict[str, dict[str, Any]]) -> Target:
        t = self._target(name, {}, overrides)
        assert t is not None
        t["inherits"] = None
        if t.get("context") is None:
            t["context"] = "."
            if t.get("_use_default_base"):
                t["context"] = rebase_context_path(t["_default_base"], ".")
        if not t.get("dockerfile"):
            t["dockerfile"] = "Dockerfile"
        return t

    def _target(self, name: str, visited: dict[str, Target | None], overrides: dict[str, dict[str, Any]]) -> Target | None:
        if name in visited:
            return visited[name]
        visited[name] = None
        if name not in self.targets:
            raise BakeError(f"failed to find target {name}")
        own = self.targets[name]
        inherited: Target = {}
        for parent in own.get("inherits") or []:
            resolved = self._target(parent, visited, overrides)
            if resolved is not None:
                merge(inherited, resolved)
        result: Target = {}
        merge(result, copy.deepcopy(inherited))
        merge(result, copy.deepcopy(own))
        apply_overrides(result, overrides.get(name, {}))
        normalize(result)
        visited[name] = result
        return result

    def expand_targets(self, pattern: str) -> list[str]:
        if pattern in self.targets:
            return [pattern]
        names = [n for n in self.targets if fnmatch.fnmatchcase(n, pattern)]
        if not names:
            raise BakeError(f"could not find any target matching '{pattern}'")
        return names


def _dedup(items: list[str]) -> list[str]:
    out: list[str] = []
    for item in items:
        if item not in out:
            out.append(item)
    return out


# ---------------------------------------------------------------------------- overrides

_LIST_OVERRIDES = {"output", "cache-to", "cache-from", "tags", "platform", "secrets", "ssh", "attest", "entitlements", "network", "annotations", "policy"}


def parse_overrides(config: Config, values: list[str], env: dict[str, str]) -> dict[str, dict[str, Any]]:
    result: dict[str, dict[str, Any]] = {}
    for text in values:
        key_part, sep, value = text.partition("=")
        append = key_part.endswith("+")
        skey = key_part.rstrip("+") if append else key_part
        keys = skey.split(".", 2)
        if len(keys) < 2:
            raise BakeError(f"invalid override key {skey}, expected target.name")
        if not sep and keys[1] != "args":
            raise BakeError(f"invalid override {text}, expected target.name=value")
        okey = ".".join(keys[1:])
        for name in config.expand_targets(keys[0]):
            entry = result.setdefault(name, {}).setdefault(okey, {"value": "", "arr": [], "append": False})
            if keys[1] in _LIST_OVERRIDES:
                if sep:
                    entry["append"] = append
                    entry["arr"].append(value)
            elif keys[1] == "args" and not sep:
                if keys[2] in env:
                    entry["value"] = env[keys[2]]
            elif sep:
                entry["value"] = value
    return result


def apply_overrides(t: Target, overrides: dict[str, dict[str, Any]]) -> None:
    for key, o in overrides.items():
        field, _, sub = key.partition(".")
        value, arr, append = o["value"], o["arr"], o["append"]
        if field in ("context", "dockerfile", "target", "call", "shm-size", "network"):
            t[field] = value
        elif field in ("args", "labels", "contexts"):
            t[field] = {**(t.get(field) or {}), sub: value}
        elif field in ("tags", "platform", "no-cache-filter"):
            name = "platforms" if field == "platform" else field
            t[name] = (t.get(name) or []) + arr if append else list(arr)
        elif field in ("cache-from", "cache-to"):
            try:
                entries = [e for text in arr for e in parse_cache_text(text)]
            except EntryError as error:
                raise BakeError(str(error)) from None
            t[field] = _normalize_cache((t.get(field) or []) + entries) if append else entries
        elif field == "output":
            try:
                outputs = [parse_output_text(text) for text in arr if text]
            except EntryError as error:
                raise BakeError(f"invalid value for outputs: {error}") from None
            t["output"] = _normalize_cache((t.get("output") or []) + outputs) if append else outputs
        elif field == "secrets":
            secrets = [parse_secret_text(text) for text in arr if text]
            t["secret"] = remove_secret_dupes((t.get("secret") or []) + secrets) if append else secrets
        elif field in ("entitlements", "annotations"):
            t[field] = (t.get(field) or []) + arr
        elif field in ("pull", "no-cache"):
            from .goparse import GoParseError, parse_bool

            try:
                t[field] = parse_bool(value)
            except GoParseError:
                raise BakeError(f"invalid value {value} for boolean key {field}") from None


# ------------------------------------------------------------------------------ printing


def _escape(text: str) -> str:
    # Target.MarshalJSON re-escapes so the printed file reads back to the same values.
    return text.replace("${", "$${").replace("%{", "%%{")


def is_remote_url(path: str) -> bool:
    return bool(re.match(r"^(https?://|git://|git@|ssh://|github\.com/)", path)) or path.endswith(".git")


def clean_context(path: str) -> str:
    if path.startswith("cwd://"):
        return posixpath.normpath(path[len("cwd://"):] or ".")
    if is_remote_url(path):
        return path
    return posixpath.normpath(path) if path else "."


def print_target(t: Target) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if t.get("description"):
        out["description"] = t["description"]
    if t.get("annotations"):
        out["annotations"] = [_escape(a) for a in t["annotations"]]
    if t.get("attest"):
        out["attest"] = t["attest"]
    out["context"] = clean_context(t["context"])
    if t.get("contexts"):
        out["contexts"] = t["contexts"]
    out["dockerfile"] = t["dockerfile"]
    if t.get("dockerfile-inline") is not None:
        out["dockerfile-inline"] = _escape(t["dockerfile-inline"])
    for key in ("args", "labels"):
        values = {k: _escape(v) for k, v in (t.get(key) or {}).items() if v is not None}
        if values:
            out[key] = values
    if t.get("tags"):
        out["tags"] = t["tags"]
    if t.get("cache-from"):
        out["cache-from"] = [print_cache(e) for e in t["cache-from"]]
    if t.get("cache-to"):
        out["cache-to"] = [print_cache(e) for e in t["cache-to"]]
    if t.get("target") is not None:
        out["target"] = t["target"]
    if t.get("secret"):
        out["secret"] = [print_secret(e) for e in t["secret"]]
    if t.get("ssh"):
        out["ssh"] = [print_ssh(e) for e in t["ssh"]]
    if t.get("platforms"):
        out["platforms"] = t["platforms"]
    if t.get("output"):
        out["output"] = [print_output(e) for e in t["output"]]
    for key in ("pull", "no-cache", "network"):
        if t.get(key) is not None:
            out[key] = t[key]
    for key in ("no-cache-filter",):
        if t.get(key):
            out[key] = t[key]
    if t.get("shm-size") is not None:
        out["shm-size"] = t["shm-size"]
    if t.get("ulimits"):
        out["ulimits"] = t["ulimits"]
    if t.get("call") is not None:
        out["call"] = t["call"]
    if t.get("entitlements"):
        out["entitlements"] = t["entitlements"]
    hosts = {k: _escape(v) for k, v in (t.get("extra-hosts") or {}).items() if v is not None}
    if hosts:
        out["extra-hosts"] = hosts
    if t.get("policy"):
        out["policy"] = t["policy"]
    return out


def validate_name(name: str) -> str | None:
    if not TARGET_NAME.match(name):
        return 'only "[a-zA-Z0-9_-]+" are allowed'
    return None


def rebase_context_path(base: str | None, path: str) -> str:
    if not base or not path or is_special_context(path) or posixpath.isabs(path):
        return path
    return posixpath.normpath(posixpath.join(base, path))


def is_special_context(path: str) -> bool:
    return path.startswith(("cwd://", "target:", "docker-image:", "oci-layout://")) or is_remote_url(path)


def rebase_paths(config: Config) -> None:
    """BUILDX_BAKE_FILE_RELATIVE_PATHS=1: context and local contexts are relative to the
    file that set them (buildx PR #3935); dockerfile and secret paths are not rebased."""
    for t in config.targets.values():
        if t.get("context") is not None:
            if t.get("_context_base") is not None:
                t["context"] = rebase_context_path(t["_context_base"], t["context"])
        elif "_default_base" in t:
            t["_use_default_base"] = True
        bases = t.get("_contexts_base") or {}
        for key, value in (t.get("contexts") or {}).items():
            if key in bases:
                t["contexts"][key] = rebase_context_path(bases[key], value)


def _file_dir(name: str) -> str:
    return posixpath.dirname(name) or "."


def decode_all(parser: BakeParser) -> Config:
    named: list[tuple[Block, str]] = []
    for block in parser.blocks:
        name = block.labels[0]
        problem = validate_name(name)
        if problem:
            raise DiagnosticsError([Diagnostic("Invalid name", problem, block.label_ranges[0])])
        named.append((block, name))
    diags: list[Diagnostic] = []
    groups: list[Target] = []
    targets: list[Target] = []
    for block, name in named:
        spec, block_diags = decode_block(parser, block, name)
        if block_diags:
            diags += block_diags
            continue
        if block.type == "target":
            base = _file_dir(block.def_range.filename)
            spec["_default_base"] = base
            if spec.get("context") is not None:
                spec["_context_base"] = base
            if spec.get("contexts"):
                spec["_contexts_base"] = {key: base for key in spec["contexts"]}
        (groups if block.type == "group" else targets).append(spec)
    if diags:
        raise DiagnosticsError(diags)
    return Config(groups, targets)
