"""What a render that compiles imports from the standard library: each module costs CPU time
on every render, whatever the project's size (issue 14).

The bakegen modules a render loads are found by rendering (examples/shop, in a child
interpreter), so the list cannot go stale; importing them (their module-level imports, in a
fresh interpreter that has loaded PyYAML, a dependency) must load exactly what importing
``RENDER_STDLIB`` loads: a new module anywhere in the closure (``dataclasses`` pulls in
``inspect``, ``ast``, ``dis``, ``tokenize``: ~5 ms; ``hashlib`` loads OpenSSL: ~2.5 ms)
fails here, and so does a module of the list no render module imports any more. Imports
inside functions (jsonschema, ``hashlib`` for a big render: ``freshness._sha256_for``) are
not counted.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# The standard library modules the render path's modules import (besides what PyYAML loads).
RENDER_STDLIB = (
    "__future__",
    "contextlib",
    "contextvars",
    "gc",
    "json",
    "pathlib",
    "typing",
    "_sha256" if sys.version_info < (3, 12) else "_sha2",  # CPython's built-in SHA-256 (freshness.py)
)

_LOADED_BY = """
import sys
import yaml
before = set(sys.modules)
import {modules}
print(*sorted(name for name in set(sys.modules) - before if name.split(".")[0] != "bakegen"))
"""


def _child(script: str, cwd: Path) -> str:
    done = subprocess.run([sys.executable, "-c", script], cwd=cwd, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.slow  # child interpreters
def test_a_render_imports_only_the_listed_standard_library(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "examples" / "shop", tmp_path / "shop")
    for output in ("docker-bake.json", "docker-bake.hcl"):
        os.remove(tmp_path / "shop" / output)
    rendered = _child(
        "import sys\n"
        "from bakegen.cli import main\n"
        "code = main(['render'])\n"
        "print(code, *sorted(name for name in sys.modules if name.split('.')[0] == 'bakegen'))\n",
        tmp_path / "shop",
    ).split()
    assert rendered[0] == "0"
    render_modules = rendered[1:]
    assert {"bakegen.compiler", "bakegen.compose.loader", "bakegen.policy", "bakegen.render"} <= set(render_modules)
    by_render_modules = _child(_LOADED_BY.format(modules=", ".join(render_modules)), tmp_path)
    by_list = _child(_LOADED_BY.format(modules=", ".join(RENDER_STDLIB)), tmp_path)
    assert by_render_modules.split() == by_list.split()
