"""Locate the data files shipped with bakegen (schema, templates, the HCL template).

In a wheel they live in ``bakegen/_data`` (see pyproject's force-include); in a source
checkout or an editable install they are the repository's top-level files.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def data_path(name: str) -> Path:
    """Return the path of a shipped data file, e.g. ``schema/bakegen.schema.json``."""
    installed = _PACKAGE_DIR / "_data" / name
    if installed.exists():
        return installed
    return _PACKAGE_DIR.parent / name
