"""Fault injection in the output writer: a full disk at each step of an atomic write.

Each fault runs the whole CLI in-process (``bakegen.cli.main``) on a project whose render
would change both outputs, and proves the contract: exit 2, one line, the old outputs
intact, no temp file left behind.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, Self

import pytest

from bakegen import output
from bakegen.cli import main
from bakegen.errors import UserError

POLICY = "version: 1\ncompose:\n  files: [compose.yaml]\noutput:\n  json: docker-bake.json\n  hcl: docker-bake.hcl\n"
COMPOSE = "name: demo\nservices:\n  api:\n    image: acme/api\n    build: ./api\n"
ENOSPC = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
ONE_LINE = "bakegen: error: cannot write {}: No space left on device\n"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "api").mkdir()
    (tmp_path / "api" / "Dockerfile").write_text("FROM scratch\n")
    (tmp_path / "bakegen.yaml").write_text(POLICY)
    (tmp_path / "compose.yaml").write_text(COMPOSE)
    monkeypatch.chdir(tmp_path)
    assert main(["render"]) == 0
    # The next render has something to write to both outputs.
    (tmp_path / "compose.yaml").write_text(COMPOSE.replace("acme/api", "acme/api2"))
    return tmp_path


def _snapshot(directory: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in directory.iterdir() if path.is_file()}


def _failing(real: Callable[..., Any], after: int = 0, times: int | None = None) -> Callable[..., Any]:
    """``real``, except that the calls after the first ``after`` raise ENOSPC (``times`` of them, else all)."""
    calls = {"n": 0}

    def fake(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] > after and (times is None or calls["n"] <= after + times):
            raise ENOSPC
        return real(*args, **kwargs)

    return fake


def _assert_untouched(project: Path, before: dict[str, bytes], capsys: pytest.CaptureFixture[str], shown: str) -> None:
    captured = capsys.readouterr()
    assert captured.err == ONE_LINE.format(shown)
    assert "Traceback" not in captured.out + captured.err
    assert _snapshot(project) == before  # outputs intact, and no temp file left behind


# os is patched module-wide (bakegen.output uses it by attribute), only for the duration of
# one in-process run.
def test_replace_fails(project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    before = _snapshot(project)
    capsys.readouterr()
    monkeypatch.setattr(os, "replace", _failing(os.replace))
    assert main(["render"]) == 2
    _assert_untouched(project, before, capsys, "docker-bake.json")


def test_second_replace_fails_and_the_first_is_put_back(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _snapshot(project)
    capsys.readouterr()
    # The JSON output is renamed into place, then the HCL rename fails: the JSON is restored.
    monkeypatch.setattr(os, "replace", _failing(os.replace, after=1, times=1))
    assert main(["render"]) == 2
    _assert_untouched(project, before, capsys, "docker-bake.hcl")


def test_every_rename_after_the_first_fails(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _snapshot(project)
    capsys.readouterr()
    # The restoring rename fails too: the old JSON is written back in place.
    monkeypatch.setattr(os, "replace", _failing(os.replace, after=1))
    assert main(["render"]) == 2
    _assert_untouched(project, before, capsys, "docker-bake.hcl")


def test_fsync_fails(project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    before = _snapshot(project)
    capsys.readouterr()
    monkeypatch.setattr(os, "fsync", _failing(os.fsync))
    assert main(["render"]) == 2
    _assert_untouched(project, before, capsys, "docker-bake.json")


def test_second_fsync_fails(project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    before = _snapshot(project)
    capsys.readouterr()
    monkeypatch.setattr(os, "fsync", _failing(os.fsync, after=1))
    assert main(["render"]) == 2
    _assert_untouched(project, before, capsys, "docker-bake.hcl")


def test_write_fails(project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    before = _snapshot(project)
    capsys.readouterr()
    real_fdopen = os.fdopen

    class FullDisk:
        """A file object whose writes fail as on a full disk."""

        def __init__(self, handle: Any) -> None:
            self.handle = handle

        def __enter__(self) -> Self:
            return self

        def __exit__(self, *exc: object) -> None:
            self.handle.close()

        def write(self, data: bytes) -> int:
            raise ENOSPC

        def __getattr__(self, name: str) -> Any:
            return getattr(self.handle, name)

    monkeypatch.setattr(os, "fdopen", lambda *args, **kwargs: FullDisk(real_fdopen(*args, **kwargs)))
    assert main(["render"]) == 2
    _assert_untouched(project, before, capsys, "docker-bake.json")


def test_temp_file_cannot_be_created(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _snapshot(project)
    capsys.readouterr()
    monkeypatch.setattr(os, "open", _failing(os.open))
    assert main(["render"]) == 2
    _assert_untouched(project, before, capsys, "docker-bake.json")


def test_directory_refuses_the_temp_file(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # What an unwritable directory does (test_hostile's chmod case cannot run as root,
    # which ignores directory permissions).
    before = _snapshot(project)
    capsys.readouterr()
    refused = PermissionError(errno.EACCES, os.strerror(errno.EACCES))

    def open_refused(*args: Any, **kwargs: Any) -> int:
        raise refused

    monkeypatch.setattr(os, "open", open_refused)
    assert main(["render"]) == 2
    captured = capsys.readouterr()
    assert captured.err == "bakegen: error: cannot write docker-bake.json: Permission denied\n"
    assert _snapshot(project) == before


def test_write_atomic_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The single-file entry point keeps the same guarantees."""
    target = tmp_path / "out.json"
    target.write_bytes(b"old\n")
    monkeypatch.setattr(os, "replace", _failing(os.replace))
    with pytest.raises(UserError) as caught:
        output.write_atomic(target, b"new\n", "out.json")
    assert str(caught.value) == "error: cannot write out.json: No space left on device"
    assert [path.name for path in tmp_path.iterdir()] == ["out.json"]
    assert target.read_bytes() == b"old\n"
    monkeypatch.undo()
    assert output.write_atomic(target, b"new\n", "out.json") is True
    assert output.write_atomic(target, b"new\n", "out.json") is False
    assert target.read_bytes() == b"new\n"


def test_a_temp_name_already_taken_is_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The temp file is always a new file (O_EXCL): a name taken (by a crashed run's temp file,
    or a symlink) is left alone and the next random name is used."""
    target = tmp_path / "out.json"
    taken = tmp_path / f".out.json.{'00' * 6}.tmp"
    taken.write_bytes(b"someone else's\n")
    names = iter([b"\0" * 6, b"\1" * 6])
    monkeypatch.setattr(os, "urandom", lambda size: next(names))
    assert output.write_atomic(target, b"new\n", "out.json") is True
    assert sorted(path.name for path in tmp_path.iterdir()) == [taken.name, "out.json"]
    assert taken.read_bytes() == b"someone else's\n" and target.read_bytes() == b"new\n"
    assert next(names, None) is None  # both names were tried


def test_internal_error_is_one_line_exit_3(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _snapshot(project)
    capsys.readouterr()
    monkeypatch.delenv("BAKEGEN_DEBUG", raising=False)

    def crash(*args: Any, **kwargs: Any) -> bytes:
        raise ValueError("boom\nsecond line")

    monkeypatch.setattr("bakegen.render.render_json", crash)
    assert main(["render"]) == 3
    captured = capsys.readouterr()
    assert captured.err == (
        "bakegen: internal error: ValueError: boom\\nsecond line; please report this as a bug"
        " (rerun with BAKEGEN_DEBUG=1 for a traceback)\n"
    )
    assert _snapshot(project) == before
