"""The one Jinja2 environment setup shared by the HCL output and `bakegen init`'s templates."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def jinja_environment(directory: Path, filters: dict[str, Any]) -> Any:
    """Strict (undefined names fail), no HTML escaping, whitespace as the template writes it."""
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(directory)),
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    environment.filters.update(filters)
    return environment
