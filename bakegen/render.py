"""Bake dict → bytes. Pure: the same dict always gives the same bytes."""

from __future__ import annotations

import json
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
    return (json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def render_hcl(bake: dict[str, Any]) -> bytes:
    """The same bake file in HCL, from the shipped ``docker-bake.hcl.j2`` (Jinja2)."""
    from bakegen.hcl_render import render

    return render(bake).encode("utf-8")
