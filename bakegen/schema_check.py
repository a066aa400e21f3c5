"""The policy against ``schema/bakegen.schema.json`` (jsonschema, draft 2020-12): the one copy of
the policy's rules, and the one place that turns a schema error into a message.

Each error becomes a Problem at the YAML node its ``absolute_path`` points to, worded for a
person: "cache.backend must be one of gha, registry, …, got 'gah'; did you mean 'gha'?". A
rule the generic wording cannot say well carries its own message in the schema
(``patternErrorMessage`` for a ``pattern``, ``errorMessage`` for anything else: the keywords
editors built on vscode-json-languageservice also show), so the rule and its message stay
together. An unchanged ``check`` never gets here.

Two validators read the one schema. jsonschema_rs answers "valid?" in a few milliseconds;
jsonschema, whose import alone takes about 35 ms, is imported only to word the errors of a
policy the fast one did not accept. The two agree on every document the fast path takes
(``_fast_path_applies``): JSON types only, and strings of printable ASCII, where Python's
``re`` and jsonschema_rs's ECMA-style regexes match alike (they differ on ``$`` before a final
newline, for one). Anything else, and any document the fast one refuses, goes to jsonschema,
whose verdict stands. tests/test_schema_check.py checks the agreement.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from bakegen.errors import Location, UserError, kind
from bakegen.problems import Problem
from bakegen.resources import data_path
from bakegen.yamlio import key_location_of, location_of, node_at, whole_location

if TYPE_CHECKING:
    import jsonschema_rs


@lru_cache(maxsize=1)
def policy_schema() -> dict[str, Any]:
    return json.loads(data_path("schema/bakegen.schema.json").read_text("utf-8"))  # type: ignore[no-any-return]


@lru_cache(maxsize=1)
def _fast_validator() -> jsonschema_rs.Draft202012Validator | None:
    """None where jsonschema_rs cannot be imported (an install without its binary wheel):
    jsonschema then decides every policy, only more slowly."""
    try:
        import jsonschema_rs
    except ImportError:
        return None
    return jsonschema_rs.Draft202012Validator(policy_schema())


@lru_cache(maxsize=1)
def _validator() -> Any:
    import jsonschema  # type: ignore[import-untyped]

    return jsonschema.Draft202012Validator(policy_schema())


def schema_problems(document: Any, display_path: str) -> list[Problem]:
    """Every schema error of the policy ``document`` (YAML nodes with positions), in file order."""
    if accepted_quickly(document):
        return []
    problems = {
        Problem(location, "error", message, "schema")
        for location, message in (_describe(error, document, display_path) for error in _errors(document))
    }
    return sorted(problems, key=lambda p: (p.location.line or 0, p.location.column or 0, p.message))


def check_policy(document: Any, display_path: str) -> None:
    """Raise the first schema error as a UserError: a wrong version first, then in file order."""
    if accepted_quickly(document):
        return
    errors = list(_errors(document))
    if not errors:
        return
    described = [(_describe(error, document, display_path), _about_version(error)) for error in errors]
    (location, message), _ = min(
        described, key=lambda item: (not item[1], item[0][0].line or 0, item[0][0].column or 0, item[0][1])
    )
    raise UserError(message, location)


def accepted_quickly(document: object) -> bool:
    """Whether jsonschema_rs accepts ``document`` on a path where it agrees with jsonschema."""
    validator = _fast_validator()
    if validator is None:
        return False
    plain = _plain(document)
    return _fast_path_applies(plain) and validator.is_valid(plain)


_LARGEST_INTEGER = 2**63  # jsonschema_rs holds integers in 64 bits; larger ones go to jsonschema


def _fast_path_applies(value: object) -> bool:
    """Only JSON values, finite numbers that fit 64 bits, and printable ASCII strings."""
    if isinstance(value, str):
        return value.isascii() and value.isprintable()
    if isinstance(value, dict):
        return all(_fast_path_applies(key) and _fast_path_applies(item) for key, item in value.items())
    if isinstance(value, list):
        return all(_fast_path_applies(item) for item in value)
    if value is None or isinstance(value, bool):
        return True
    if isinstance(value, int):
        return -_LARGEST_INTEGER <= value < _LARGEST_INTEGER
    return isinstance(value, float) and math.isfinite(value)


def _errors(document: Any) -> Any:
    return _validator().iter_errors(_plain(document))


def _about_version(error: Any) -> bool:
    path = list(error.absolute_path)
    return path == ["version"] or (not path and error.validator == "required" and "version" in error.message)


def _describe(error: Any, document: Any, display_path: str) -> tuple[Location, str]:
    path = list(error.absolute_path)
    where = _where(path)
    schema = error.schema if isinstance(error.schema, dict) else {}
    value = error.instance
    validator = error.validator
    location = _location(document, path, display_path)
    if validator == "additionalProperties" and isinstance(value, dict):
        allowed = list(schema.get("properties", {}))
        unknown = [key for key in value if key not in allowed]
        if unknown and allowed:
            key = unknown[0]
            location = key_location_of(node_at(document, path), key, location)
            return location, f"unknown key '{key}' in {where}{_did_you_mean(key, allowed)} (expected one of: {', '.join(allowed)})"
    if error.validator_value is not None and error.schema_path and "propertyNames" in error.schema_path:
        # jsonschema reports a bad key at its mapping, with the key as the instance.
        location = key_location_of(node_at(document, path), value, location)
        own = schema.get("patternErrorMessage") if validator == "pattern" else schema.get("errorMessage")
        return location, f"{where} key '{value}' {own or 'is not allowed: ' + error.message}"
    if path == ["version"] and validator == "const":
        if isinstance(value, str):
            return location, f"policy version must be the number 1, not the string '{value}'; write 'version: 1' without quotes"
        return location, f"unsupported policy version {value!r}; this bakegen reads version 1"
    if validator == "required" and not path and "version" in error.message:
        return location, "the policy needs 'version: 1'"
    if "errorMessage" in schema and validator != "pattern":
        return location, str(schema["errorMessage"])
    if validator == "pattern" and "patternErrorMessage" in schema:
        return location, f"{where} {schema['patternErrorMessage']}, got {_shown(value)}"
    if validator == "enum":
        choices = [str(choice) for choice in error.validator_value]
        hint = _did_you_mean(value, choices) if isinstance(value, str) else ""
        return location, f"{where} must be one of {', '.join(choices)}, got {_shown(value)}{hint}"
    if validator == "type":
        return location, f"{where} must be {_expected(schema)}, got {kind(value, article=True)}"
    if validator in ("minLength", "minItems"):
        return location, f"{where} must not be empty"
    if validator == "required":
        missing = [key for key in error.validator_value if isinstance(value, dict) and key not in value]
        return location, f"{where} needs '{missing[0] if missing else error.validator_value[0]}'"
    return location, f"{where}: {error.message}"


def _where(path: list[Any]) -> str:
    if not path:
        return "the policy"
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _did_you_mean(word: str, choices: list[str]) -> str:
    import difflib  # here, not at the top: only an error needs it

    close = difflib.get_close_matches(str(word), choices, n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


def _expected(schema: dict[str, Any]) -> str:
    types = schema.get("type")
    names = types if isinstance(types, list) else [types]
    words = []
    for name in names:
        if name == "array":
            items = schema.get("items", {})
            words.append("a list of strings" if isinstance(items, dict) and items.get("type") == "string" else "a list")
        else:
            words.append(
                {"object": "a mapping", "string": "a string", "boolean": "true or false", "null": "null"}.get(
                    str(name), f"a {name}"
                )
            )
    return " or ".join(words)


def _shown(value: Any) -> str:
    return f"'{value}'" if isinstance(value, str) else kind(value, article=True)


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
