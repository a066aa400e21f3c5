"""The `bake --print` pipeline: parse files, resolve variables, decode blocks, pick targets."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .body import File
from .diagnostics import BakeError
from .evaluator import BakeParser, _PlainError
from .goparse import GoParseError, parse_bool
from .targets import Config, decode_all, parse_overrides, print_target, rebase_paths

LOCAL_PLATFORM = "linux/amd64"


def parse_file(name: str, text: str) -> File:
    from .jsonfile import parse_json_file

    if name.endswith(".json"):
        return parse_json_file(text, name)
    from .hclfile import parse_hcl_file

    if name.endswith(".hcl"):
        return parse_hcl_file(text, name)
    if name.endswith((".yaml", ".yml")):
        raise BakeError(f"{name}: compose files are not supported by bakegen's bake evaluator")
    try:
        return parse_hcl_file(text, name + ".hcl")
    except BakeError:
        return parse_json_file(text, name + ".json")


def _env_flag(env: Mapping[str, str], name: str) -> bool:
    value = env.get(name)
    if value is None:
        return False
    try:
        return parse_bool(value)
    except GoParseError as error:
        raise BakeError(f'failed to parse {name} value "{value}": {error}') from None


def _lookup_allowed(env: Mapping[str, str]) -> bool:
    value = env.get("BUILDX_BAKE_DISABLE_VARS_ENV_LOOKUP")
    if value is None:
        return True
    try:
        return not parse_bool(value)
    except GoParseError:
        return True


def run(files: list[tuple[str, str]], env: Mapping[str, str], targets: list[str], cwd: str, overrides: list[str]) -> dict[str, Any]:
    if not files:
        raise BakeError("couldn't find a bake definition")
    relative = _env_flag(env, "BUILDX_BAKE_FILE_RELATIVE_PATHS")
    parsed = [parse_file(name, text) for name, text in files]
    builtins = {"BAKE_CMD_CONTEXT": "cwd://", "BAKE_LOCAL_PLATFORM": LOCAL_PLATFORM}
    parser = BakeParser(parsed, env, builtins, _lookup_allowed(env))
    try:
        parser.resolve_all()
        parser.validate()
        parser.define_functions()
        config = decode_all(parser)
        for name in parser.attrs:
            parser.resolve(name)
    except _PlainError as error:
        raise BakeError(str(error)) from None
    if relative:
        rebase_paths(config)
    return read_targets(config, targets, overrides, dict(env))


def read_targets(config: Config, requested: list[str], overrides: list[str], env: dict[str, str]) -> dict[str, Any]:
    names = [name.replace(".", "_") for name in (requested or ["default"])]
    matched: list[str] = []
    for name in names:
        for found in config.match_names(name):
            if found not in matched:
                matched.append(found)
    parsed_overrides = parse_overrides(config, overrides, env)
    targets: dict[str, Any] = {}
    groups: dict[str, dict[str, Any]] = {}
    for name in matched:
        target_names, group_names = config.resolve_group(name)
        for target_name in target_names:
            targets[target_name] = config.resolve_target(target_name, parsed_overrides)
        for group_name in group_names:
            group = config.group(group_name)
            if group is not None:
                groups[group_name] = group
    for name in matched:
        if name == "default" and "default" in groups:
            continue
        groups.setdefault("default", {"name": "default", "targets": []})
        groups["default"]["targets"] = groups["default"]["targets"] + [name]
    if "default" in groups:
        groups["default"]["targets"] = sorted(set(groups["default"]["targets"]))
    for name in list(targets):
        _load_links(config, name, targets[name], targets, parsed_overrides, [])
    printed_groups = {}
    for name, group in groups.items():
        entry: dict[str, Any] = {}
        if group.get("description"):
            entry["description"] = group["description"]
        entry["targets"] = list(group["targets"])
        printed_groups[name] = entry
    return {"group": printed_groups, "target": {name: print_target(t) for name, t in targets.items()}}


def _load_links(config: Config, name: str, target: dict[str, Any], targets: dict[str, Any], overrides: dict[str, Any], visited: list[str]) -> None:
    visited = visited + [name]
    for value in (target.get("contexts") or {}).values():
        if not value.startswith("target:"):
            continue
        linked = value[len("target:"):]
        if linked == name:
            raise BakeError(f"target {linked} cannot link to itself")
        if linked in visited:
            raise BakeError(f"infinite loop from {name} to {linked}")
        if linked not in targets:
            resolved = config.resolve_target(linked, overrides)
            resolved["output"] = [{"type": "cacheonly", "attrs": {}, "dest": ""}]
            targets[linked] = resolved
        _load_links(config, linked, targets[linked], targets, overrides, visited)
