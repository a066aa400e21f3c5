"""bakegen in a child process under resource limits: time and memory bounds that fail the
same way on a loaded machine as on an idle one.

A bound on wall-clock time flakes when the machine is busy. A bound on CPU time does not:
the child gets ``RLIMIT_CPU`` seconds of processor time and ``RLIMIT_AS`` bytes of address
space. Over the CPU limit the kernel kills it with SIGXCPU; over the memory limit an
allocation fails (MemoryError: bakegen's exit 3). Either way the exit status differs from
the expected one, so the test fails whatever else runs on the machine.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

GIB = 1 << 30
# bakegen's contract for hostile input: within 1 GiB, and fast. The largest inputs of the
# hostile table (50 MB scalars) take about 1.2 s of CPU; a quadratic step or an expanded
# alias bomb takes minutes.
MEMORY_BYTES = GIB
CPU_SECONDS = 3
# Only against a hang (a child blocked on something that never comes); never reached by a
# child that works, so it is no time bound on bakegen.
HANG_SECONDS = 300


def clean_env() -> dict[str, str]:
    """The environment without BAKEGEN_* (BAKEGEN_DEBUG would turn exit 3 into a traceback)."""
    return {key: value for key, value in os.environ.items() if not key.startswith("BAKEGEN_")}


def limiter(cpu_seconds: int = CPU_SECONDS, memory_bytes: int = MEMORY_BYTES) -> Callable[[], None]:
    """A ``preexec_fn`` that applies the limits in the child before it runs Python."""

    def apply() -> None:
        # SIGXCPU at the soft limit; the hard limit one second later is SIGKILL.
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))

    return apply


def run_limited(
    argv: Sequence[str],
    cwd: Path,
    *,
    cpu_seconds: int = CPU_SECONDS,
    memory_bytes: int = MEMORY_BYTES,
) -> subprocess.CompletedProcess[bytes]:
    """``python -m bakegen ARGV`` in ``cwd`` under the limits; a limit breach fails here."""
    return run_python(["-m", "bakegen", *argv], cwd, cpu_seconds=cpu_seconds, memory_bytes=memory_bytes)


def run_python(
    args: Sequence[str],
    cwd: Path,
    *,
    cpu_seconds: int = CPU_SECONDS,
    memory_bytes: int = MEMORY_BYTES,
) -> subprocess.CompletedProcess[bytes]:
    """``python ARGS`` in ``cwd`` under the limits; a limit breach fails here."""
    result = subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        capture_output=True,
        check=False,
        timeout=HANG_SECONDS,
        env=clean_env(),
        preexec_fn=limiter(cpu_seconds, memory_bytes),
    )
    assert_within_limits(result.returncode, result.stderr, cpu_seconds)
    return result


def assert_within_limits(returncode: int, stderr: bytes, cpu_seconds: int = CPU_SECONDS) -> None:
    """Name the breached limit, rather than leave an unexplained exit status."""
    assert returncode not in (-signal.SIGXCPU, -signal.SIGKILL), f"used more than {cpu_seconds} s of CPU time"
    assert b"MemoryError" not in stderr, f"needed more than {MEMORY_BYTES >> 20} MiB: {stderr!r}"
