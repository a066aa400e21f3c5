"""Bake dict → bytes. Pure: the same dict always gives the same bytes."""

from __future__ import annotations

import json
from typing import Any


def render_json(bake: dict[str, Any]) -> bytes:
    # Keys sorted (their order carries no meaning in bake); list order is kept (it does:
    # cache-from is read in order, tags keep compose's order).
    return (json.dumps(bake, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def render_hcl(bake: dict[str, Any]) -> bytes:
    """The same bake file in HCL, from the shipped ``docker-bake.hcl.j2`` (Jinja2)."""
    from bakegen.hcl_render import render

    return render(bake).encode("utf-8")
