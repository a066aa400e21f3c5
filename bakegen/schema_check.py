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


@lru_cache(maxsize=1)
def policy_schema() -> dict[str, Any]:
    return json.loads(data_path("schema/bakegen.schema.json").read_text("utf-8"))  # type: ignore[no-any-return]


def schema_problems(document: Any, display_path: str) -> list[Problem]:
    import jsonschema

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
            container = _node(document, path)
            location = _key_location(container, key) or _location(document, path, display_path)
            return location, f"unknown key '{key}' in {where}{hint} (expected one of: {', '.join(allowed)})"
    return _location(document, path, display_path), f"{where}: {error.message}"


def _node(document: Any, path: list[Any]) -> Any:
    node = document
    for part in path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def _key_location(container: Any, key: Any) -> Location | None:
    finder = getattr(container, "key_location", None)
    if finder is None:
        return None
    try:
        return finder(key)  # type: ignore[no-any-return]
    except KeyError:
        return None


def _location(document: Any, path: list[Any], display_path: str) -> Location:
    if not path:
        whole = getattr(document, "location", None)
        return whole if isinstance(whole, Location) else Location(display_path, 1, 1)
    parent = _node(document, path[:-1])
    key = path[-1]
    finder = getattr(parent, "item_location" if isinstance(parent, list) else "value_location", None)
    if finder is not None:
        try:
            return finder(key)  # type: ignore[no-any-return]
        except (KeyError, IndexError):
            pass
    whole = getattr(parent, "location", None)
    return whole if isinstance(whole, Location) else Location(display_path, 1, 1)


def _plain(value: Any) -> Any:
    """YAML nodes as plain JSON-like values (jsonschema type checks need dict/list/str…)."""
    if isinstance(value, dict):
        return {str(key) if not isinstance(key, str) else key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value
