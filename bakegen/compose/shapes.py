"""compose's shared value shapes, as one document is read (``normalize``) and merged (``merge``).

A list of strings; compose's ``list_or_dict`` (``{K: V}`` or ``["K=V", "K"]``); extra hosts;
numbers and booleans as compose turns them into strings; keys YAML types as non-strings;
``!reset`` items. Each reader keeps the positions of what it reads.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from bakegen.errors import Location, UserError, kind
from bakegen.yamlio import Timestamp, YamlList, YamlMap


def replace(mapping: YamlMap, key: str, value: Any) -> None:
    """Set a normalized value, keeping the entry's positions and compose tag."""
    if mapping[key] is value:  # already in that form (a mapping stays itself): nothing to set
        return
    mapping.put(key, value, mapping.key_location(key), mapping.value_location(key), mapping.tag_of(key))


class SequenceMap(YamlMap):
    """A mapping written as a sequence (``ssh: [default]``).

    compose-go merges files after turning the base's ``build.ssh`` into a mapping but not
    the override's, so an override written as a sequence cannot be merged (see ``merge``).
    """

    @classmethod
    def of(cls, mapping: YamlMap) -> SequenceMap:
        result = cls(mapping.location)
        for key in mapping:
            result.copy_entry(mapping, key, keep_value=True)
        return result


def check_string_keys(value: Any, where: str) -> None:
    """compose's loader rejects keys that YAML types as anything but a string, and its
    schema rejects unquoted dates (go-yaml makes them times) outside ``x-`` extensions."""
    # Most values are plain strings: they are skipped first, and only containers are stacked
    # (measured: 12 -> 8.6 ms at 1000 services).
    stack: list[tuple[Any, str, bool]] = [(value, where, False)]
    while stack:
        current, prefix, extension = stack.pop()
        if isinstance(current, YamlMap):
            for key, item in current.items():
                if not isinstance(key, str):
                    scope = f"in {prefix}" if prefix else "at top level"
                    text = "null" if key is None else str(key).lower() if isinstance(key, bool) else str(key)
                    raise UserError(f"non-string key {scope}: {text}", current.key_location(key))
                if type(item) is str:
                    continue
                path = f"{prefix}.{key}" if prefix else key
                if isinstance(item, Timestamp) and not (extension or key.startswith("x-")):
                    raise UserError(
                        f"{path} is an unquoted date or time, which compose rejects here; quote it",
                        current.value_location(key),
                    )
                if isinstance(item, _CONTAINERS):
                    stack.append((item, path, extension or key.startswith("x-")))
        elif isinstance(current, YamlList):
            for index, item in enumerate(current):
                if type(item) is str:
                    continue
                if isinstance(item, Timestamp) and not extension:
                    raise UserError(
                        f"{prefix}[{index}] is an unquoted date or time, which compose rejects here; quote it",
                        current.item_location(index),
                    )
                if isinstance(item, _CONTAINERS):
                    stack.append((item, f"{prefix}[{index}]", extension))


_CONTAINERS = (YamlMap, YamlList)


def drop_reset_items(mapping: YamlMap) -> None:
    """A ``!reset`` item of a sequence disappears from the document (compose's ResetProcessor)."""
    for key, value in list(mapping.items()):
        if isinstance(value, YamlList) and value.has_tags() and any(value.tag_of(i) == "!reset" for i in range(len(value))):
            kept = YamlList(value.location)
            for index, item in enumerate(value):
                if value.tag_of(index) != "!reset":
                    kept.add(item, value.item_location(index), value.tag_of(index))
            replace(mapping, key, kept)


def string_list(container: YamlMap, key: str, where: str) -> None:
    values = container[key]
    if not isinstance(values, YamlList):
        raise UserError(f"{where} must be a list of strings, got {kind(values)}", container.value_location(key))
    for index, item in enumerate(values):
        if not isinstance(item, str):
            raise UserError(f"{where}[{index}] must be a string, got {kind(item)}", values.item_location(index))


def _string_items(values: YamlList, where: str) -> Iterator[tuple[int, str, Location]]:
    """Each item of a list that must hold strings, with its index and position, as it is read."""
    for index, item in enumerate(values):
        location = values.item_location(index)
        if not isinstance(item, str):
            raise UserError(f"{where}[{index}] must be a string, got {kind(item)}", location)
        yield index, item, location


def key_values(container: YamlMap, key: str, where: str) -> YamlMap:
    """compose's list_or_dict: ``{K: V}`` or ``["K=V", "K"]`` → ``{K: V, K: None}``."""
    values = container[key]
    if isinstance(values, YamlMap):
        for name, value in list(values.items()):
            if isinstance(value, (dict, list)):
                raise UserError(
                    f"{where}.{name} must be a string, number, boolean or null, got {kind(value)}",
                    values.value_location(name),
                )
            if value is not None and not isinstance(value, str):
                replace(values, name, go_string(value))
        return values
    if not isinstance(values, YamlList):
        raise UserError(f"{where} must be a mapping or a list of strings, got {kind(values)}", container.value_location(key))
    result = YamlMap(values.location)
    for _, entry, location in _string_items(values, where):
        name, separator, value = entry.partition("=")
        result.pop(name, None)  # a later entry wins, and takes the later position
        # The value's own position, so an error inside it points at its character.
        result.put(name, value if separator else None, location, location.at(len(name) + 1) if separator else location)
    return result


def go_string(value: Any) -> str:
    """A YAML number or boolean as compose turns it into a string (``docker compose build
    --print`` shows floats as Go's ``strconv.FormatFloat(f, 'g', -1, 64)``: ``1e+06``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _go_float(value)
    return str(value)


def _go_float(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "+Inf" if value > 0 else "-Inf"
    if value == 0:
        return "-0" if str(value).startswith("-") else "0"
    from decimal import Decimal  # here, not at the top: float keys are rare

    sign, digits, exponent = Decimal(repr(value)).normalize().as_tuple()
    assert isinstance(exponent, int)
    text = "".join(map(str, digits))
    point = len(text) + exponent  # digits before the decimal point
    prefix = "-" if sign else ""
    if point - 1 < -4 or point - 1 >= 6:  # shortest 'g': %e outside [1e-4, 1e6)
        mantissa = text[0] + ("." + text[1:] if len(text) > 1 else "")
        power = point - 1
        return f"{prefix}{mantissa}e{'-' if power < 0 else '+'}{abs(power):02d}"
    if point <= 0:
        return f"{prefix}0.{'0' * -point}{text}"
    if point >= len(text):
        return prefix + text + "0" * (point - len(text))
    return f"{prefix}{text[:point]}.{text[point:]}"


def extra_hosts(container: YamlMap, key: str, where: str) -> YamlMap:
    """``["host:ip", "host=ip"]`` or ``{host: ip | [ip…]}`` → ``{host: ip | [ip…]}``."""
    values = container[key]
    if isinstance(values, YamlMap):
        for name, value in values.items():
            if not isinstance(value, str) and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
                raise UserError(f"{where}.{name} must be a string or a list of strings", values.value_location(name))
        return values
    if not isinstance(values, YamlList):
        raise UserError(f"{where} must be a mapping or a list of strings, got {kind(values)}", container.value_location(key))
    result = YamlMap(values.location)
    for index, entry, location in _string_items(values, where):
        # compose-go types.HostsList: `=` separates when present, else the first `:`.
        separator = "=" if "=" in entry else ":"
        host, found, address = entry.partition(separator)
        if not found:
            raise UserError(f"{where}[{index}]: invalid additional host, missing IP address: '{entry}'", location)
        add_host(result, host, address, location, location.at(len(host) + 1))
    return result


def add_host(
    hosts: YamlMap, host: str, address: str, location: Location, address_location: Location | None = None
) -> None:
    if host not in hosts:
        hosts.put(host, address, location, address_location or location)
        return
    current = hosts[host]
    addresses = list(current) if isinstance(current, list) else [current]
    if address not in addresses:
        addresses.append(address)
    merged = YamlList(hosts.value_location(host), addresses)
    hosts.put(host, merged if len(addresses) > 1 else addresses[0], hosts.key_location(host), hosts.value_location(host))

