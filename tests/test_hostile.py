"""Hostile and broken input, end to end through the real CLI in a subprocess.

The contract (DESIGN.md, core contract 3): exit 2 (1 for stale output and lint errors),
exactly one line on stderr, no traceback, the committed output byte-identical, fast and
within 1 GiB. The table lives in tests/hostile_cases.py; the file and process cases
(symlinks, permissions, concurrency, SIGKILL) are written out below.
"""

from __future__ import annotations

import ast
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pytest
from hostile_cases import CASES, COMPOSE, POLICY, PROJECT, Case

GIB = 1 << 30
BAKE = "docker-bake.json"


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (GIB, GIB))


def run_cli(
    directory: Path, args: Sequence[str], *, limited: bool = False, timeout: float = 20
) -> subprocess.CompletedProcess[bytes]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("BAKEGEN_")}
    return subprocess.run(
        [sys.executable, "-m", "bakegen", *args],
        cwd=directory,
        capture_output=True,
        check=False,
        timeout=timeout,
        env=env,
        preexec_fn=_limit_memory if limited else None,
    )


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small project, with its docker-bake.json rendered once."""
    project = tmp_path_factory.mktemp("rendered") / "project"
    for name, text in PROJECT.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text)
    result = run_cli(project, ["render"])
    assert result.returncode == 0, result.stderr
    return project


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


def _stderr_line(result: subprocess.CompletedProcess[bytes]) -> str:
    """The one line on stderr (empty when silent); fails on anything else."""
    text = result.stderr.decode("utf-8")
    assert "Traceback" not in text and b"Traceback" not in result.stdout
    if not text:
        return ""
    assert text.endswith("\n") and text.count("\n") == 1, f"expected one line on stderr, got {text!r}"
    return text[:-1]


def _params() -> list[object]:
    return [pytest.param(case, id=case.id, marks=case.marks) for case in CASES]


@pytest.mark.parametrize("case", _params())
def test_hostile_input(case: Case, project: Path) -> None:
    before = (project / BAKE).read_bytes() if (project / BAKE).is_file() else None
    for name, content in case.files.items():
        _write(project, name, content)
    started = time.monotonic()
    result = run_cli(project, case.args, limited=case.limited)
    elapsed = time.monotonic() - started

    assert (result.returncode, _stderr_line(result)) == (case.exit, case.stderr)
    if case.stdout is not None:
        assert result.stdout.decode() == case.stdout
    if case.unchanged:
        assert (project / BAKE).read_bytes() == before
    for text in case.output_contains:
        assert text in (project / BAKE).read_text()
    # No temp file is ever left next to the outputs.
    assert not [path.name for path in project.iterdir() if path.name.endswith(".tmp")]
    if case.limited:
        assert elapsed < 2.0, f"took {elapsed:.2f}s"


def test_table_covers_every_class() -> None:
    counts: dict[str, int] = {}
    for case in CASES:
        prefix = case.id.split("-")[0]
        counts[prefix] = counts.get(prefix, 0) + 1
    assert len(CASES) >= 60
    assert {"yaml", "compose", "interp", "env", "policy", "validate", "targets", "explain", "output", "check", "cli"} <= counts.keys()
    assert len({case.id for case in CASES}) == len(CASES)


# -- files and processes -------------------------------------------------------------------------
def _changed_compose(project: Path) -> None:
    """Edit the compose file so a render has something new to write."""
    (project / "compose.yaml").write_text(COMPOSE.replace("acme/api", "acme/api2"))


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions, so 0o500 cannot refuse the write")
def test_unwritable_output_directory(project: Path) -> None:
    before = (project / BAKE).read_bytes()
    _changed_compose(project)
    project.chmod(0o500)
    try:
        result = run_cli(project, ["render"])
    finally:
        project.chmod(0o700)
    assert (result.returncode, _stderr_line(result)) == (2, "bakegen: error: cannot write docker-bake.json: Permission denied")
    assert (project / BAKE).read_bytes() == before


def test_symlinked_output_is_written_through(project: Path) -> None:
    real = project / "generated" / "bake.json"
    real.parent.mkdir()
    shutil.move(project / BAKE, real)
    (project / BAKE).symlink_to(Path("generated") / "bake.json")
    _changed_compose(project)

    result = run_cli(project, ["render"])

    assert (result.returncode, _stderr_line(result)) == (0, "bakegen: wrote docker-bake.json")
    assert (project / BAKE).is_symlink()
    assert os.readlink(project / BAKE) == "generated/bake.json"
    assert "acme/api2" in real.read_text()
    assert run_cli(project, ["check"]).returncode == 0
    assert not [path.name for path in real.parent.iterdir() if path.name != "bake.json"]


def test_dangling_symlink_into_missing_directory(project: Path) -> None:
    (project / BAKE).unlink()
    (project / BAKE).symlink_to("gone/bake.json")
    result = run_cli(project, ["render"])
    assert (result.returncode, _stderr_line(result)) == (2, "bakegen: error: output directory gone does not exist; create it first")
    assert os.readlink(project / BAKE) == "gone/bake.json"


def test_concurrent_renders_in_one_directory(project: Path) -> None:
    _changed_compose(project)
    expected = run_cli(project, ["render", "--stdout"]).stdout
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "bakegen", "render"], cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(8)
    ]
    results = [(run.wait(timeout=20), run.communicate()) for run in runs]

    for code, (_, stderr) in results:
        assert code == 0
        assert stderr in (b"", b"bakegen: wrote docker-bake.json\n")
    assert (project / BAKE).read_bytes() == expected
    assert not [path.name for path in project.iterdir() if path.name.endswith(".tmp")]


def test_sigkill_mid_render_keeps_the_old_file(project: Path) -> None:
    before = (project / BAKE).read_bytes()
    # About a second and a half of loading: 60k services, every one of them a build target.
    body = "".join(f"  s{i}:\n    build: ./api\n" for i in range(60_000))
    (project / "compose.yaml").write_text("name: demo\nservices:\n" + body)
    run = subprocess.Popen([sys.executable, "-m", "bakegen", "render"], cwd=project, stderr=subprocess.PIPE)
    time.sleep(0.4)
    run.send_signal(signal.SIGKILL)
    run.wait(timeout=20)

    assert run.returncode == -signal.SIGKILL
    assert (project / BAKE).read_bytes() == before


def test_interrupt_exits_130_with_one_line(project: Path) -> None:
    body = "".join(f"  s{i}:\n    build: ./api\n" for i in range(60_000))
    (project / "compose.yaml").write_text("name: demo\nservices:\n" + body)
    before = (project / BAKE).read_bytes()
    run = subprocess.Popen(
        [sys.executable, "-m", "bakegen", "render"], cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    time.sleep(0.4)
    run.send_signal(signal.SIGINT)
    _, stderr = run.communicate(timeout=20)

    assert (run.returncode, stderr) == (130, b"bakegen: interrupted; outputs left untouched\n")
    assert (project / BAKE).read_bytes() == before


def test_policy_in_another_directory_reports_relative_paths(project: Path) -> None:
    (project / "compose.yaml").write_text("services:\n  api: [\n")
    result = run_cli(project.parent, ["render", "-c", "project/bakegen.yaml"])
    assert (result.returncode, _stderr_line(result)) == (
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
