"""The README's policy reference is the schema's, key for key."""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _schema_rows(schema: dict, path: str = "") -> list[tuple[str, str]]:
    rows = []
    for name, prop in schema.get("properties", {}).items():
        rows.append((f"{path}{name}", prop["description"]))
        rows.extend(_schema_rows(prop, f"{path}{name}."))
        extra = prop.get("additionalProperties")
        if isinstance(extra, dict) and "properties" in extra:
            rows.extend(_schema_rows(extra, f"{path}{name}.<name>."))
    return rows


def test_policy_reference_matches_schema() -> None:
    schema = json.loads((ROOT / "schema" / "bakegen.schema.json").read_text())
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Policy reference", 1)[1].split("\n## ", 1)[0]
    documented = re.findall(r"^\| `([^`]+)` \| .*? \| (.*) \|$", section, re.MULTILINE)
    assert documented == _schema_rows(schema)


def test_quick_start_has_the_two_commands_ci_runs() -> None:
    readme = (ROOT / "README.md").read_text()
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert "./scripts/example" in quick and "./scripts/test" in quick
    assert "exec ./scripts/test" in (ROOT / ".ci" / "run").read_text()
