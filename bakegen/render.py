"""Bake dict → bytes. Pure: the same dict always gives the same bytes."""

from __future__ import annotations

import json
from collections.abc import Callable
from json.encoder import encode_basestring  # the C function when _json is there
from typing import Any

# Block types of a bake file: in JSON, each maps labels to blocks.
_BLOCK_TYPES = ("function", "group", "target", "variable")


def render_json(bake: dict[str, Any]) -> bytes:
    # A block type with no blocks is left out: HCL's JSON syntax needs at least one label
    # under `"target"` ("Missing block label" from hcl/v2 json/structure.go), so a project
    # with no build service renders `{"group": {"default": {"targets": []}}}`, which buildx
    # accepts (shared/bake-cases targets.json group-empty).
    document = {key: value for key, value in bake.items() if key not in _BLOCK_TYPES or value}
    # Keys sorted (their order carries no meaning in bake); list order is kept (it does:
    # cache-from is read in order, tags keep compose's order).
    return (indented_json(document) + "\n").encode("utf-8")


def indented_json(value: Any) -> str:
    """``json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)``, the same text.

    With ``indent`` the json module encodes in pure Python through nested generators; this
    writes the same text directly, strings escaped by json's own C function (measured: 15 -> 7 ms
    for 1000 services; ``tests/test_render_json.py`` proves the texts equal). A value it
    does not handle (a float, a key that is not a string, a tuple…) goes to json.dumps whole.
    """
    parts: list[str] = []
    try:
        _write(value, "\n", parts.append)
    except (_NotPlain, TypeError, RecursionError):  # json.dumps then writes it, or raises its error
        return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)
    return "".join(parts)


class _NotPlain(Exception):
    """A value other than a dict with string keys, a list, a str, an int, a bool or None."""


def _write(value: Any, newline: str, write: Callable[[str], object]) -> None:
    """``value`` at the indentation ``newline`` ends with; strings, the most common items,
    are written inline by the loops rather than by a call each."""
    if isinstance(value, str):
        write(encode_basestring(value))
    elif isinstance(value, dict):
        if not value:
            write("{}")
            return
        inner = newline + "  "
        separator = "{" + inner
        for key, item in sorted(value.items()):
            if type(key) is not str:
                raise _NotPlain  # json.dumps turns 1, True, None… into strings: left to it
            if type(item) is str:
                write(f"{separator}{encode_basestring(key)}: {encode_basestring(item)}")
            else:
                write(f"{separator}{encode_basestring(key)}: ")
                _write(item, inner, write)
            separator = "," + inner
        write(newline + "}")
    elif isinstance(value, list):
        if not value:
            write("[]")
            return
        inner = newline + "  "
        separator = "[" + inner
        for item in value:
            if type(item) is str:
                write(separator + encode_basestring(item))
            else:
                write(separator)
                _write(item, inner, write)
            separator = "," + inner
        write(newline + "]")
    elif value is None:
        write("null")
    elif value is True:
        write("true")
    elif value is False:
        write("false")
    elif type(value) is int:
        write(int.__repr__(value))
    else:
        raise _NotPlain


def render_hcl(bake: dict[str, Any]) -> bytes:
    """The same bake file in HCL, from the shipped ``docker-bake.hcl.j2`` (Jinja2)."""
    from bakegen.hcl_render import render

    return render(bake).encode("utf-8")
