"""docs/architecture.md's module table is the layering, checked against the source.

Every module of bakegen/ is listed with a layer; a module imports only modules of its own or
an earlier layer (imports inside functions included, parsed with ast).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "bakegen"
DOC = ROOT / "docs" / "architecture.md"


def _layers() -> dict[str, int]:
    """Layer name → number, from the doc's first table."""
    rows = re.findall(r"^\| (\d+) \| (\w+) \| layers? [0-9–]+ \|$", DOC.read_text(), re.MULTILINE)
    return {name: int(number) for number, name in rows}


def _documented() -> dict[str, str]:
    """Module pattern (`compiler.py`, `commands/*.py`, `bake/`) → layer name, from the module table."""
    return dict(re.findall(r"^\| `([\w/*.]+)` \| (\w+) \| ", DOC.read_text(), re.MULTILINE))


def _source_modules() -> list[str]:
    return sorted(path.relative_to(PACKAGE).as_posix() for path in PACKAGE.rglob("*.py"))


def _pattern_of(module: str, patterns: dict[str, str]) -> str | None:
    if module in patterns:
        return module
    for pattern in patterns:
        if pattern.endswith("/") and module.startswith(pattern):
            return pattern
        if pattern.endswith("/*.py") and module.startswith(pattern[:-4]) and "/" not in module[len(pattern) - 4 :]:
            return pattern
    return None


def _module_file(name: str) -> str:
    """`bakegen.compose.loader` → `compose/loader.py`; a package → its `__init__.py`."""
    parts = name.split(".")[1:]
    if not parts:
        return "__init__.py"
    path = "/".join(parts)
    return f"{path}/__init__.py" if (PACKAGE / path).is_dir() else f"{path}.py"


def _imports(module: str, added: str = "") -> set[str]:
    tree = ast.parse((PACKAGE / module).read_text() + added)
    found: set[str] = set()
    package = ["bakegen", *module.split("/")[:-1]]
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level > 0:
            # `from .x import y` inside bakegen/a/b.py is bakegen.a.x
            base = package[: len(package) - node.level + 1]
            found.add(".".join([*base, *([node.module] if node.module else [])]))
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "bakegen":
                for alias in node.names:
                    candidate = f"bakegen.{alias.name}"
                    found.add(candidate if (PACKAGE / alias.name).exists() or (PACKAGE / f"{alias.name}.py").exists() else "bakegen")
            elif node.module.startswith("bakegen."):
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("bakegen."))
    return {_module_file(name) for name in found}


def layering_violations(added: dict[str, str] | None = None) -> list[str]:
    """Every import of a later layer (``added``: source text appended to a module, for the test)."""
    layers = _layers()
    patterns = _documented()
    problems = []
    for module in _source_modules():
        pattern = _pattern_of(module, patterns)
        if pattern is None:
            problems.append(f"{module}: not in docs/architecture.md's module table")
            continue
        own = layers[patterns[pattern]]
        for imported in sorted(_imports(module, (added or {}).get(module, ""))):
            target = _pattern_of(imported, patterns)
            if target is None:
                continue  # reported as undocumented itself
            if layers[patterns[target]] > own:
                problems.append(
                    f"{module} ({patterns[pattern]}) imports {imported} ({patterns[target]}), a later layer"
                )
    return problems


def test_the_doc_lists_layers_in_order() -> None:
    layers = _layers()
    assert list(layers.values()) == list(range(len(layers)))
    assert set(_documented().values()) <= set(layers)


def test_every_module_is_documented_and_every_documented_module_exists() -> None:
    modules = _source_modules()
    patterns = _documented()
    assert [module for module in modules if _pattern_of(module, patterns) is None] == []
    assert [pattern for pattern in patterns if not any(_pattern_of(m, {pattern: ""}) for m in modules)] == []


def test_no_module_imports_a_later_layer() -> None:
    assert layering_violations() == []


def test_a_backward_import_is_caught() -> None:
    # A lazy import inside a function counts as much as one at the top.
    added = {
        "compose/keys.py": "\nfrom ..compiler import compile_bake\n",  # a relative import too
        "compose/normalize.py": "\n\ndef _late() -> None:\n    from bakegen.compiler import compile_bake\n",
        "lint.py": "\nfrom bakegen.pipeline import build\n",
    }
    assert layering_violations(added) == [
        "compose/keys.py (read) imports compiler.py (compile), a later layer",
        "compose/normalize.py (read) imports compiler.py (compile), a later layer",
        "lint.py (check) imports pipeline.py (pipeline), a later layer",
    ]
