"""buildx's buildflags: cache, output, secret and ssh entries from CSV strings or objects,
and their de-duplication (whose order quirks show in --print)."""

from __future__ import annotations

import json
from typing import Any

from .goparse import GoParseError, csv_fields
from .values import UNKNOWN, ConversionError, Value, to_string, type_name

Entry = dict[str, Any]


class EntryError(Exception):
    pass


def _fields(text: str) -> list[str]:
    try:
        return csv_fields(text)
    except GoParseError as error:
        raise EntryError(str(error)) from None


def parse_cache_text(text: str) -> list[Entry]:
    if text == "":
        return []
    if "=" not in text:
        return [_cache_entry_text(field) for field in _fields(text)]
    return [_cache_entry_text(text)]


def _cache_entry_text(text: str) -> Entry:
    fields = _fields(text)
    if len(fields) == 1 and "=" not in fields[0]:
        return {"type": "registry", "attrs": {"ref": fields[0]}}
    entry_type = ""
    attrs: dict[str, str] = {}
    for field in fields:
        key, sep, value = field.partition("=")
        if not sep:
            raise EntryError(f"invalid value {field}")
        key = key.lower()
        if key == "type":
            entry_type = value
        else:
            attrs[key] = value
    if entry_type == "":
        raise EntryError(f'type required for "{text}"')
    return {"type": entry_type, "attrs": attrs}


def _string_map(value: Value) -> dict[str, str]:
    if not isinstance(value, dict):
        raise EntryError(f"map of string required, but have {type_name(value)}")
    out: dict[str, str] = {}
    for key, item in value.items():
        if item is None or item is UNKNOWN:
            continue
        try:
            out[key] = to_string(item)
        except ConversionError as error:
            raise EntryError(f'element "{key}": {error}') from None
    return out


def _go_json(value: Value) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _sequence(value: Value, what: str) -> list[Value]:
    if value is None:
        raise EntryError("null value is not allowed")
    if not isinstance(value, list):
        raise EntryError(f"list of {what} required, but have {type_name(value)}")
    return [v for v in value if v is not UNKNOWN and v != ""]


def cache_entries(value: Value) -> list[Entry]:
    entries: list[Entry] = []
    for item in _sequence(value, "map of string"):
        if item is None:
            # buildx panics here ("value is null"); an evaluator can only refuse.
            raise EntryError("value is null")
        if isinstance(item, str):
            entries += parse_cache_text(item)
            continue
        attrs = _string_map(item)
        entry_type = attrs.pop("type", "")
        if entry_type == "":
            raise EntryError(f'type required for "{_go_json(item)}"')
        entries.append({"type": entry_type, "attrs": attrs})
    return entries


def parse_output_text(text: str) -> Entry:
    fields = _fields(text)
    entry: Entry = {"type": "", "attrs": {}, "dest": ""}
    if len(fields) == 1 and fields[0] == text and not text.startswith("type="):
        return {"type": "local" if text != "-" else "tar", "attrs": {}, "dest": text}
    for field in fields:
        key, sep, value = field.partition("=")
        if not sep:
            raise EntryError(f"invalid value {field}")
        key = key.strip().lower()
        if key == "type":
            entry["type"] = value
        elif key == "dest":
            entry["dest"] = value
        else:
            entry["attrs"][key] = value
    if entry["type"] == "":
        raise EntryError("type is required for output")
    return entry


def output_entries(value: Value) -> list[Entry]:
    entries: list[Entry] = []
    for item in _sequence(value, "map of string"):
        if item is None:
            raise EntryError("value is null")
        if isinstance(item, str):
            entries.append(parse_output_text(item))
            continue
        attrs = _string_map(item)
        entry = {"type": attrs.pop("type", ""), "dest": attrs.pop("dest", ""), "attrs": attrs}
        if entry["type"] == "":
            raise EntryError("type is required for output")
        entries.append(entry)
    return entries


def parse_secret_text(text: str) -> Entry:
    secret = {"id": "", "src": "", "env": ""}
    kind = ""
    for field in _fields(text):
        key, sep, value = field.partition("=")
        key = key.lower()
        if not sep:
            raise EntryError(f"invalid field '{field}' must be a key=value pair")
        if key == "type":
            if value not in ("file", "env"):
                raise EntryError(f'unsupported secret type "{value}"')
            kind = value
        elif key == "id":
            secret["id"] = value
        elif key in ("source", "src"):
            secret["src"] = value
        elif key == "env":
            secret["env"] = value
        else:
            raise EntryError(f"unexpected key '{key}' in '{field}'")
    if kind == "env" and secret["env"] == "":
        secret["env"], secret["src"] = secret["src"], ""
    return secret


def secret_entries(value: Value) -> list[Entry]:
    entries: list[Entry] = []
    for item in _sequence(value, "map of string"):
        if isinstance(item, str):
            entries.append(parse_secret_text(item))
        elif isinstance(item, dict):
            attrs = _string_map(item)
            entries.append({"id": attrs.get("id", ""), "src": attrs.get("src", attrs.get("source", "")), "env": attrs.get("env", "")})
        else:
            raise EntryError(f"map of string required, but have {type_name(item)}")
    return entries


def ssh_entries(value: Value) -> list[Entry]:
    entries: list[Entry] = []
    for item in _sequence(value, "object"):
        if isinstance(item, str):
            name, sep, paths = item.partition("=")
            entries.append({"id": name, "paths": paths.split(",") if sep else []})
        elif isinstance(item, dict):
            path_items = item.get("paths") or []
            entries.append({"id": to_string(item.get("id", "")), "paths": [to_string(p) for p in path_items]})
        else:
            raise EntryError(f"object required, but have {type_name(item)}")
    return entries


def remove_dupes(entries: list[Entry]) -> list[Entry]:
    # buildflags.removeDupes: a later duplicate is swapped with the last element, which
    # reorders the list; mirrored so --print order matches.
    s = list(entries)
    for i in range(len(s) - 2, -1, -1):
        if i >= len(s):
            continue
        elem = s[i]
        for j in range(i + 1, len(s)):
            if s[j] == elem:
                s[j] = s[-1]
                s.pop()
                break
    return s


def remove_secret_dupes(entries: list[Entry]) -> list[Entry]:
    out: list[Entry] = []
    index: dict[str, int] = {}
    for entry in entries:
        if entry["id"] in index:
            out[index[entry["id"]]] = entry
        else:
            index[entry["id"]] = len(out)
            out.append(entry)
    return out


def remove_ssh_dupes(entries: list[Entry]) -> list[Entry]:
    out: list[Entry] = []
    for entry in entries:
        if entry not in out:
            out.append(entry)
    return out


def print_cache(entry: Entry) -> dict[str, str]:
    return {**entry["attrs"], "type": entry["type"]}


def print_output(entry: Entry) -> dict[str, str]:
    out = {**entry["attrs"], "type": entry["type"]}
    if entry["dest"]:
        out["dest"] = entry["dest"]
    return out


def print_secret(entry: Entry) -> dict[str, str]:
    return {k: v for k, v in entry.items() if v}


def print_ssh(entry: Entry) -> dict[str, Any]:
    out: dict[str, Any] = {"id": entry["id"]} if entry["id"] else {}
    if entry["paths"]:
        out["paths"] = entry["paths"]
    return out
