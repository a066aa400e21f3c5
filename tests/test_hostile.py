"""Hostile and broken input, end to end through the real CLI.

The contract (DESIGN.md, core contract 3): exit 2 (1 for stale output and lint errors),
exactly one line on stderr, no traceback, the committed output byte-identical, fast and
within 1 GiB. The table lives in tests/hostile_cases.py; the file and process cases
(symlinks, permissions, concurrency, signals) are written out below.

Cases run in-process through ``bakegen.cli.main(argv)`` with captured streams, except those
that need a bound on time or memory (alias bombs, deep nesting, 50 MB inputs): those run in
a child process under RLIMIT_CPU and RLIMIT_AS (tests/limits.py), as do the concurrency and
signal cases.
"""

from __future__ import annotations

import ast
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from gitrepo import track
from hostile_cases import CASES, COMPOSE, POLICY, PROJECT, Case
from limits import HANG_SECONDS, clean_env, run_limited

from bakegen.cli import main

BAKE = "docker-bake.json"
PAUSED_CLI = Path(__file__).with_name("paused_cli.py")


@dataclass(frozen=True)
class Run:
    """One bakegen run: exit status and what it printed."""

    exit: int
    stdout: str
    stderr: str


@pytest.fixture(autouse=True)
def _no_bakegen_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # BAKEGEN_DEBUG would turn the one-line internal error into a traceback.
    for key in [key for key in os.environ if key.startswith("BAKEGEN_")]:
        monkeypatch.delenv(key)


def run_main(
    directory: Path, args: Sequence[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Run:
    """``bakegen ARGS`` run in-process from ``directory``."""
    capsys.readouterr()
    with monkeypatch.context() as patch:
        patch.chdir(directory)
        code = main(list(args))
    captured = capsys.readouterr()
    return Run(code, captured.out, captured.err)


def run_child(directory: Path, args: Sequence[str]) -> Run:
    """``bakegen ARGS`` in a child process under the CPU and memory limits."""
    result = run_limited(args, directory)
    return Run(result.returncode, result.stdout.decode("utf-8"), result.stderr.decode("utf-8"))


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The small project, with its docker-bake.json rendered once."""
    project = tmp_path_factory.mktemp("rendered") / "project"
    for name, text in PROJECT.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(project)
        assert main(["render"]) == 0
    yield project


@pytest.fixture
def project(rendered: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "project"
    shutil.copytree(rendered, copy, symlinks=True)
    return copy


def _write(project: Path, name: str, content: object) -> None:
    path = project / name
    if content is None:
        path.unlink()
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    data = content() if callable(content) else content
    path.write_bytes(data if isinstance(data, bytes) else str(data).encode())


def _stderr_line(run: Run) -> str:
    """The one line on stderr (empty when silent); fails on anything else."""
    assert "Traceback" not in run.stderr and "Traceback" not in run.stdout
    if not run.stderr:
        return ""
    assert run.stderr.endswith("\n") and run.stderr.count("\n") == 1, f"expected one line on stderr, got {run.stderr!r}"
    return run.stderr[:-1]


def _temp_files(directory: Path) -> list[str]:
    return sorted(path.name for path in directory.iterdir() if path.name.endswith(".tmp"))


def _params() -> list[object]:
    return [pytest.param(case, id=case.id, marks=case.marks) for case in CASES]


@pytest.mark.parametrize("case", _params())
def test_hostile_input(
    case: Case, project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    before = (project / BAKE).read_bytes() if (project / BAKE).is_file() else None
    for name, content in case.files.items():
        _write(project, name, content)
    env_files = [name for name, content in case.files.items() if name.endswith(".env") and content is not None]
    if env_files:
        track(project, *env_files)  # a listed env file must be tracked by git
    run = run_child(project, case.args) if case.limited else run_main(project, case.args, monkeypatch, capsys)

    assert (run.exit, _stderr_line(run)) == (case.exit, case.stderr)
    if case.stdout is not None:
        assert run.stdout == case.stdout
    if case.unchanged:
        assert (project / BAKE).read_bytes() == before
    for text in case.output_contains:
        assert text in (project / BAKE).read_text()
    # No temp file is ever left next to the outputs.
    assert _temp_files(project) == []


def test_table_covers_every_class() -> None:
    counts: dict[str, int] = {}
    for case in CASES:
        prefix = case.id.split("-")[0]
        counts[prefix] = counts.get(prefix, 0) + 1
    assert len(CASES) >= 60
    assert {"yaml", "compose", "interp", "env", "policy", "validate", "targets", "explain", "output", "check", "cli"} <= counts.keys()
    assert len({case.id for case in CASES}) == len(CASES)


def test_cases_that_need_limits_run_under_them() -> None:
    # Bombs, deep nesting and 50 MB inputs must not run in the test process: unbounded, a
    # regression there would take pytest down (memory) or hang it (time).
    limited = {case.id for case in CASES if case.limited}
    assert {case.id for case in CASES if "bomb" in case.id or "huge" in case.id or "laughs" in case.id} <= limited
    assert {case.id for case in CASES if "100k" in case.id or "300-levels" in case.id or "depth" in case.id} <= limited


# -- files and processes -------------------------------------------------------------------------
def _changed_compose(project: Path) -> None:
    """Edit the compose file so a render has something new to write."""
    (project / "compose.yaml").write_text(COMPOSE.replace("acme/api", "acme/api2"))


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions, so 0o500 cannot refuse the write")
def test_unwritable_output_directory(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    before = (project / BAKE).read_bytes()
    _changed_compose(project)
    project.chmod(0o500)
    try:
        run = run_main(project, ["render"], monkeypatch, capsys)
    finally:
        project.chmod(0o700)
    assert (run.exit, _stderr_line(run)) == (2, "bakegen: error: cannot write docker-bake.json: Permission denied")
    assert (project / BAKE).read_bytes() == before


def test_symlinked_output_is_written_through(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real = project / "generated" / "bake.json"
    real.parent.mkdir()
    shutil.move(project / BAKE, real)
    (project / BAKE).symlink_to(Path("generated") / "bake.json")
    _changed_compose(project)

    run = run_main(project, ["render"], monkeypatch, capsys)

    assert (run.exit, _stderr_line(run)) == (0, "bakegen: wrote docker-bake.json")
    assert (project / BAKE).is_symlink()
    assert os.readlink(project / BAKE) == "generated/bake.json"
    assert "acme/api2" in real.read_text()
    assert run_main(project, ["check"], monkeypatch, capsys) == Run(0, "", "")
    assert not [path.name for path in real.parent.iterdir() if path.name != "bake.json"]


def test_dangling_symlink_into_missing_directory(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / BAKE).unlink()
    (project / BAKE).symlink_to("gone/bake.json")
    run = run_main(project, ["render"], monkeypatch, capsys)
    assert (run.exit, _stderr_line(run)) == (2, "bakegen: error: output directory gone does not exist; create it first")
    assert os.readlink(project / BAKE) == "gone/bake.json"


@pytest.mark.slow  # eight processes at once
def test_concurrent_renders_in_one_directory(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _changed_compose(project)
    expected = run_main(project, ["render", "--stdout"], monkeypatch, capsys).stdout.encode()
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "bakegen", "render"], cwd=project, env=clean_env(),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        for _ in range(8)
    ]
    results = [(run.communicate(timeout=HANG_SECONDS), run.returncode) for run in runs]

    for (_, stderr), code in results:
        assert code == 0
        assert stderr in (b"", b"bakegen: wrote docker-bake.json\n")
    assert (project / BAKE).read_bytes() == expected
    assert _temp_files(project) == []


class PausedRender:
    """``bakegen render`` in a child process, paused with its output staged but not renamed."""

    def __init__(self, project: Path) -> None:
        ready_read, ready_write = os.pipe()
        self._wait_read, self._wait_write = os.pipe()
        self.process = subprocess.Popen(
            [sys.executable, str(PAUSED_CLI), str(ready_write), str(self._wait_read), "render"],
            cwd=project, env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            pass_fds=(ready_write, self._wait_read),
        )
        os.close(ready_write)
        os.close(self._wait_read)
        with os.fdopen(ready_read, "rb") as ready:
            # Blocks until the child has staged the output; EOF (b"") if it ended before.
            self.staged = ready.readline().decode()

    def signal(self, number: int) -> tuple[int, bytes]:
        self.process.send_signal(number)
        _, stderr = self.process.communicate(timeout=HANG_SECONDS)
        os.close(self._wait_write)
        return self.process.returncode, stderr


def test_sigkill_mid_render_keeps_the_old_file(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    before = (project / BAKE).read_bytes()
    _changed_compose(project)
    expected = run_main(project, ["render", "--stdout"], monkeypatch, capsys).stdout.encode()

    paused = PausedRender(project)
    # The new content is on disk in full, next to the old file, not yet renamed over it.
    (temp,) = _temp_files(project)
    assert paused.staged == f"staged {temp}\n"
    assert (project / temp).read_bytes() == expected
    code, stderr = paused.signal(signal.SIGKILL)

    assert (code, stderr) == (-signal.SIGKILL, b"")
    assert (project / BAKE).read_bytes() == before
    # Nothing can clean up after SIGKILL: the temp file stays, and disturbs no later run.
    assert _temp_files(project) == [temp]
    run = run_main(project, ["render"], monkeypatch, capsys)
    assert (run.exit, _stderr_line(run)) == (0, "bakegen: wrote docker-bake.json")
    assert (project / BAKE).read_bytes() == expected


def test_interrupt_exits_130_with_one_line(project: Path) -> None:
    before = (project / BAKE).read_bytes()
    _changed_compose(project)

    paused = PausedRender(project)
    (temp,) = _temp_files(project)
    assert paused.staged == f"staged {temp}\n"
    code, stderr = paused.signal(signal.SIGINT)

    assert (code, stderr) == (130, b"bakegen: interrupted; outputs left untouched\n")
    assert (project / BAKE).read_bytes() == before
    assert _temp_files(project) == []


def test_policy_in_another_directory_reports_relative_paths(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "compose.yaml").write_text("services:\n  api: [\n")
    run = run_main(project.parent, ["render", "-c", "project/bakegen.yaml"], monkeypatch, capsys)
    assert (run.exit, _stderr_line(run)) == (
        2,
        "project/compose.yaml:3:1: error: invalid YAML: did not find expected node content (while parsing a flow node at line 3)",
    )


def test_policy_text_used_by_the_table_is_the_rendered_one(rendered: Path) -> None:
    # The table's edits are written against POLICY/COMPOSE; guard against drift.
    assert (rendered / "bakegen.yaml").read_text() == POLICY
    assert (rendered / "compose.yaml").read_text() == COMPOSE


# -- docs/errors.md cannot rot -----------------------------------------------------------------------
ROOT = Path(__file__).resolve().parents[1]
_MESSAGE_CALLS = {"UserError": 0, "InterpolationError": 0, "Problem": 2}  # callee → index of the message


def _literal_parts(node: ast.expr) -> list[str] | None:
    """The literal text of a message argument, split where values are filled in."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        parts, current = [], ""
        for value in node.values:
            if isinstance(value, ast.Constant):
                current += str(value.value)
            else:
                parts.append(current)
                current = ""
        return [*parts, current]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _literal_parts(node.left), _literal_parts(node.right)
        return None if left is None or right is None else [*left, *right]
    return None  # a message passed through (error.message): documented where it is made


def _messages() -> list[tuple[str, int, list[str]]]:
    found = []
    for path in sorted((ROOT / "bakegen").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            callee = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            index = _MESSAGE_CALLS.get(str(callee))
            if index is None or len(node.args) <= index:
                continue
            parts = _literal_parts(node.args[index])
            if parts is not None:
                found.append((path.relative_to(ROOT).as_posix(), node.lineno, parts))
    return found


def test_every_error_message_is_documented() -> None:
    doc = (ROOT / "docs" / "errors.md").read_text()
    messages = _messages()
    assert len(messages) > 100  # the scan works
    missing = [
        f"{path}:{line}: {part.strip()!r}"
        for path, line, parts in messages
        for part in parts
        if len(part.strip()) >= 6 and part.strip() not in doc
    ]
    assert not missing, "docs/errors.md lacks:\n" + "\n".join(missing)
