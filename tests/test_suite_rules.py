"""Rules the test suite keeps, so that it stays deterministic and cannot pass by accident."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent


def _sources() -> dict[str, str]:
    return {path.name: path.read_text() for path in sorted(TESTS.glob("*.py"))}


def _offending(pattern: str) -> list[str]:
    regex = re.compile(pattern)
    return [
        f"tests/{name}:{number}: {line.strip()}"
        for name, text in _sources().items()
        if name != Path(__file__).name
        for number, line in enumerate(text.splitlines(), 1)
        if regex.search(line)
    ]


def test_the_scan_reads_the_suite() -> None:
    assert {"test_hostile.py", "hostile_cases.py", "limits.py", "paused_cli.py", "conftest.py"} <= _sources().keys()


def test_no_wall_clock_bound() -> None:
    # A busy machine breaks them; bound CPU time and memory instead (tests/limits.py).
    pattern = r"(elapsed|duration|perf_counter\(\)|monotonic\(\)|time\.time\(\)).*[<>]=? *[0-9]"
    assert _offending(pattern) == []


def test_no_sleep() -> None:
    # Wait for the event itself (a pipe, a process's exit), never for a guessed delay.
    assert _offending(r"\bsleep\(") == []


def test_no_importorskip_of_bakegen() -> None:
    # A broken bakegen module must fail its tests, not skip them.
    assert _offending(r"importorskip\(\s*[\"']bakegen") == []


def test_the_slow_marker_is_registered() -> None:
    options = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    assert "--strict-markers" in options["addopts"].split()
    assert "slow" in [marker.split(":")[0] for marker in options["markers"]]
