"""An evaluator of bake files (JSON and HCL) that does what `docker buildx bake --print` does.

Public API: `evaluate(files, env, targets, cwd, overrides)` returns the --print JSON as a dict,
or raises `BakeError` whose str() is buildx's message without the "ERROR: " prefix.
Submodules are imported lazily: `bakegen explain` pays only for what it uses."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .diagnostics import BakeError

__all__ = ["BakeError", "evaluate", "evaluate_file"]


def evaluate(
    files: list[tuple[str, str]],
    env: Mapping[str, str],
    targets: list[str],
    cwd: str = "$CWD",
    overrides: Sequence[str] = (),
) -> dict[str, Any]:
    from .bake import run

    return run(files, env, targets, cwd, list(overrides))


def evaluate_file(path: str, env: Mapping[str, str], targets: list[str]) -> dict[str, Any]:
    """Evaluate one bake file from disk, as `docker buildx bake -f PATH --print TARGETS`."""
    import os

    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    return evaluate([(path, text)], env, targets, cwd=os.getcwd())
