"""Validate a policy document against ``schema/bakegen.schema.json`` (jsonschema, draft 2020-12).

Each schema error becomes a Problem at the YAML node its ``absolute_path`` points to.
"""

from __future__ import annotations

import difflib
import json
from functools import lru_cache
from typing import Any

from bakegen.errors import Location
from bakegen.problems import Problem
from bakegen.resources import data_path
from bakegen.yamlio import key_location_of, location_of, node_at, whole_location


@lru_cache(maxsize=1)
def policy_schema() -> dict[str, Any]:
    return json.loads(data_path("schema/bakegen.schema.json").read_text("utf-8"))  # type: ignore[no-any-return]


def schema_problems(document: Any, display_path: str) -> list[Problem]:
    import jsonschema  # type: ignore[import-untyped]

    validator = jsonschema.Draft202012Validator(policy_schema())
    problems = []
    for error in validator.iter_errors(_plain(document)):
        location, message = _describe(error, document, display_path)
        problems.append(Problem(location, "error", message, "schema"))
    return sorted(set(problems), key=lambda p: (p.location.line or 0, p.location.column or 0, p.message))


def _describe(error: Any, document: Any, display_path: str) -> tuple[Location, str]:
    path = list(error.absolute_path)
    where = ".".join(str(part) for part in path) or "the policy"
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = sorted(error.schema.get("properties", {}))
        unknown = sorted(key for key in error.instance if key not in allowed)
        if unknown and allowed:
            key = unknown[0]
            close = difflib.get_close_matches(str(key), allowed, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            location = key_location_of(node_at(document, path), key) or _location(document, path, display_path)
            return location, f"unknown key '{key}' in {where}{hint} (expected one of: {', '.join(allowed)})"
    return _location(document, path, display_path), f"{where}: {error.message}"


def _location(document: Any, path: list[Any], display_path: str) -> Location:
    """Where the value at ``path`` was written, else its parent, else the file's start."""
    start = Location(display_path, 1, 1)
    if not path:
        return whole_location(document, start)
    parent = node_at(document, path[:-1])
    return location_of(parent, path[-1], whole_location(parent, start))


def _plain(value: Any) -> Any:
    """YAML nodes as plain JSON-like values (jsonschema type checks need dict/list/str…)."""
    if isinstance(value, dict):
        return {str(key) if not isinstance(key, str) else key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value
