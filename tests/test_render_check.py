"""End to end on a copy of the shipped example: render, check, stale diffs, determinism."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bakegen.cli import _main as full_compile  # the CLI without the fast path
from bakegen.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "shop"


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    project = tmp_path / "shop"
    shutil.copytree(EXAMPLE, project)
    monkeypatch.chdir(project)
    return project


def test_committed_example_is_current(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Through the full compile: the content hash covers bakegen's version, not its code, so
    # after a change to bakegen itself only a compile tells whether the example is current
    # (re-render it with `rm docker-bake.* && bakegen render`).
    assert full_compile(["check"]) == 0
    assert capsys.readouterr().out == ""
    assert main(["check"]) == 0  # and the fast path agrees


def test_whitespace_only_edit_changes_only_the_content_hash(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The header's content hash covers every byte bakegen read (like poetry.lock's): a comment
    # edit changes nothing else, but the committed header no longer proves the file current.
    compose = shop / "compose.yaml"
    compose.write_text(compose.read_text().replace("\n\n", "\n\n\n") + "\n# a comment\n   \n")
    assert main(["check"]) == 1
    changed = [line for line in capsys.readouterr().out.splitlines() if line[:1] in "+-"]
    assert [line[:12] for line in changed] == [
        "--- a/docker", "+++ b/docker", '-  "//": "Ge', '+  "//": "Ge', "--- a/docker", "+++ b/docker", "-# Generated", "+# Generated"
    ]
    assert main(["render"]) == 0
    assert main(["check"]) == 0


def test_real_edit_makes_check_fail_with_a_diff_and_write_nothing(
    shop: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    compose = shop / "compose.yaml"
    compose.write_text(compose.read_text().replace("    build: ./gateway\n", "    build:\n      context: ./gateway\n      target: edge\n"))
    before = (shop / "docker-bake.json").read_bytes(), (shop / "docker-bake.hcl").read_bytes()
    mtime = (shop / "docker-bake.json").stat().st_mtime_ns

    assert main(["check"]) == 1
    captured = capsys.readouterr()
    assert "--- a/docker-bake.json\n+++ b/docker-bake.json\n" in captured.out
    assert '+      "target": "edge"\n' in captured.out
    assert "--- a/docker-bake.hcl\n+++ b/docker-bake.hcl\n" in captured.out
    assert '+  target = "edge"\n' in captured.out
    assert captured.err == "bakegen: the bake file is stale; run 'bakegen render' and commit the result\n"
    assert ((shop / "docker-bake.json").read_bytes(), (shop / "docker-bake.hcl").read_bytes()) == before
    assert (shop / "docker-bake.json").stat().st_mtime_ns == mtime

    assert main(["render", "--check"]) == 1
    capsys.readouterr()
    assert main(["render"]) == 0
    assert capsys.readouterr().err == "bakegen: wrote docker-bake.json\nbakegen: wrote docker-bake.hcl\n"
    assert '"target": "edge"' in (shop / "docker-bake.json").read_text()
    assert main(["check"]) == 0


def test_render_without_changes_does_not_touch_the_files(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = shop / "docker-bake.json"
    os.utime(output, ns=(1_000_000_000, 1_000_000_000))
    assert main(["render"]) == 0
    assert capsys.readouterr().err == ""
    assert output.stat().st_mtime_ns == 1_000_000_000


def test_stdout_prints_the_json_and_writes_nothing(shop: Path, capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    (shop / "docker-bake.json").unlink()
    assert main(["render", "--stdout"]) == 0
    assert capsysbinary.readouterr().out == (EXAMPLE / "docker-bake.json").read_bytes()
    assert not (shop / "docker-bake.json").exists()


def test_missing_output_is_stale(shop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (shop / "docker-bake.json").unlink()
    assert main(["check"]) == 1
    assert "--- a/docker-bake.json\n+++ b/docker-bake.json\n@@ -0,0 +1," in capsys.readouterr().out


def test_config_option_and_missing_policy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["check"]) == 2
    assert capsys.readouterr().err == (
        "bakegen: error: policy file not found: bakegen.yaml; run 'bakegen init' to create one, or pass -c FILE\n"
    )
    shutil.copytree(EXAMPLE, tmp_path / "shop")
    assert main(["check", "-c", "shop/bakegen.yaml"]) == 0


def test_output_bytes_do_not_depend_on_environment_locale_or_directory(tmp_path: Path) -> None:
    """Purity: the same inputs give the same bytes whatever the shell looks like."""
    project = tmp_path / "elsewhere" / "checkout-with-another-name"
    shutil.copytree(EXAMPLE, project)
    outputs = []
    for cwd, extra in (
        (project, {}),
        (tmp_path, {"TAG": "v9", "REGISTRY": "", "GITHUB_ACTIONS": "true", "GITHUB_HEAD_REF": "feature/x",
                    "LC_ALL": "C", "TZ": "Pacific/Kiritimati", "DOCKERFILE_SUFFIX": "-local"}),
        (project / "services", {"LANG": "tr_TR.UTF-8", "COMPOSE_PROJECT_NAME": "other", "PYTHONHASHSEED": "123"}),
    ):
        config = os.path.relpath(project / "bakegen.yaml", cwd)
        env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), **extra}
        result = subprocess.run(
            [sys.executable, "-m", "bakegen", "render", "--stdout", "-c", config],
            cwd=cwd, env=env, capture_output=True, check=True,
        )
        outputs.append(result.stdout)
    assert outputs[0] == outputs[1] == outputs[2] == (EXAMPLE / "docker-bake.json").read_bytes()


@pytest.mark.slow  # starts five interpreters
def test_the_process_ends_with_its_output_flushed_even_into_a_closed_pipe(
    shop: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`run()` ends the process with os._exit (no interpreter teardown): what was printed
    must still arrive whole, and a reader that stops early is not an error."""
    env = {name: value for name, value in os.environ.items() if name != "PYTHONUNBUFFERED"}  # block-buffered pipes

    def bakegen(*argv: str) -> tuple[int, bytes, bytes]:
        done = subprocess.run([sys.executable, "-m", "bakegen", *argv], env=env, capture_output=True, check=False)
        return done.returncode, done.stdout, done.stderr

    assert main(["explain"]) == 0
    explained = capsys.readouterr().out.encode()
    assert bakegen("explain") == (0, explained, b"")
    (shop / "docker-bake.json").unlink()  # no current output: the full compile prints it
    expected = (EXAMPLE / "docker-bake.json").read_bytes()
    assert bakegen("render", "--stdout") == (0, expected, b"")
    assert bakegen("render") == (0, b"", b"bakegen: wrote docker-bake.json\n")
    assert (shop / "docker-bake.json").read_bytes() == expected
    reader = subprocess.Popen(
        [sys.executable, "-m", "bakegen", "explain"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert reader.stdout is not None and reader.stderr is not None
    reader.stdout.close()  # the reader goes away before bakegen prints
    assert (reader.wait(), reader.stderr.read()) == (0, b"")
    reader.stderr.close()


def test_the_console_script_is_the_hard_exit_entry_point() -> None:
    from importlib.metadata import entry_points

    (script,) = [entry for entry in entry_points(group="console_scripts") if entry.name == "bakegen"]
    assert script.value == "bakegen.cli:run"
    assert (ROOT / "bakegen" / "__main__.py").read_text() == "from bakegen.cli import run\n\nrun()\n"
