"""Render a bake dict as HCL through the shipped ``docker-bake.hcl.j2`` template."""

from __future__ import annotations

from typing import Any

from bakegen.hcl import quote_template
from bakegen.resources import data_path


def hcl_value(value: Any, indent: str = "") -> str:
    """A JSON-bake value as an HCL expression: strings keep their template syntax."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return quote_template(value)
    inner = indent + "  "
    if isinstance(value, list):
        if not value:
            return "[]"
        items = "".join(f"{inner}{hcl_value(item, inner)},\n" for item in value)
        return "[\n" + items + indent + "]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = "".join(f"{inner}{quote_template(str(key))} = {hcl_value(item, inner)}\n" for key, item in sorted(value.items()))
        return "{\n" + items + indent + "}"
    raise TypeError(f"cannot render {type(value).__name__} as HCL")


def render(bake: dict[str, Any]) -> str:
    from bakegen.templating import jinja_environment

    environment = jinja_environment(data_path("docker-bake.hcl.j2").parent, {"hcl": hcl_value})
    template = environment.get_template("docker-bake.hcl.j2")
    return template.render(  # type: ignore[no-any-return]
        header=bake.get("//", ""),
        variables=bake.get("variable", {}),
        groups=bake.get("group", {}),
        targets=bake.get("target", {}),
    )
