"""The one table of compose build keys (compose.keys) and their mappers (build_keys.MAPPERS)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bakegen.build_keys import MAPPERS
from bakegen.cli import main
from bakegen.compose.keys import BUILD_KEYS, MAPPED_KEYS, UNSUPPORTED_KEYS


def test_every_accepted_key_has_one_mapper_or_a_named_warning() -> None:
    # A key normalize accepts but no mapper handles would be dropped silently.
    assert sorted(set(BUILD_KEYS) - set(MAPPERS) - set(UNSUPPORTED_KEYS)) == []
    assert sorted(set(MAPPERS) - MAPPED_KEYS) == []
    assert sorted(UNSUPPORTED_KEYS) == ["isolation"]
    assert all(note for note in UNSUPPORTED_KEYS.values())


def test_accepted_keys_are_compose_build_keys() -> None:
    # compose-go's schema (build section), v2.40: the same list, no more, no fewer.
    assert sorted(BUILD_KEYS) == sorted(
        """additional_contexts args cache_from cache_to context dockerfile dockerfile_inline entitlements
        extra_hosts isolation labels network no_cache platforms privileged provenance pull sbom secrets
        shm_size ssh tags target ulimits""".split()  # noqa: SIM905
    )


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    (tmp_path / "bakegen.yaml").write_text("version: 1\ncache: {backend: none}\n")
    return tmp_path


def test_isolation_is_a_named_warning(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "compose.yaml").write_text("name: p\nservices:\n  web:\n    build:\n      context: .\n      isolation: hyperv\n")
    assert main(["validate"]) == 0
    out, err = capsys.readouterr()
    assert out == (
        "compose.yaml:6:7: warning: services.web.build.isolation (a Windows container isolation) has no bake "
        "equivalent; bake builds without it [unsupported-build-key]\n"
    )
    assert err == "bakegen: 0 error(s), 1 warning(s)\n"
    assert main(["validate", "--strict"]) == 1


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1", "compose.yaml:6:19: error: services.web.build.provenance must be a boolean or a string, got number"),
        ("[a]", "compose.yaml:6:19: error: services.web.build.provenance must be a boolean or a string, got list"),
        (
            "${P:-true}",
            ("compose.yaml:6:19: error: build.provenance depends on variable(s) P at build time, which bake cannot "
             "express here; use a literal value, or set it in an env file listed in compose.env_files"),
        ),
    ],
)
def test_provenance_shape(project: Path, capsys: pytest.CaptureFixture[str], value: str, message: str) -> None:
    (project / "compose.yaml").write_text(
        f"name: p\nservices:\n  web:\n    build:\n      context: .\n      provenance: {value}\n"
    )
    assert main(["render", "--stdout"]) == 2
    assert capsys.readouterr().err == message + "\n"


def test_merge_rules_come_from_the_table() -> None:
    from bakegen.compose import merge
    from bakegen.compose.keys import keys_merged

    assert keys_merged("key_values") == ("additional_contexts", "args", "labels")
    assert keys_merged("unique") == ("tags",)
    assert ("services", "*", "build", "args") in merge._KEY_VALUE_MAPS
    assert merge._SSH == (("services", "*", "build", "ssh"),)
    assert (("services", "*", "build", "tags"), merge._key_value_index) in merge._UNIQUE


@pytest.mark.parametrize(
    ("service", "message"),
    [
        (
            "    platform: linux/riscv64\n    build: {context: ., platforms: [linux/amd64, linux/arm64]}\n",
            (
                "compose.yaml:4:15: error: services.web.platform 'linux/riscv64' is not one of its build.platforms, "
                "which compose refuses; add it to build.platforms or remove platform:"
            ),
        ),
        # Either side read from a variable: checked at build time (test_platform_read_from_a_variable_is_checked_by_bake).
        ("    platform: ${P:-linux/riscv64}\n    build: {context: ., platforms: [linux/amd64]}\n", None),
        ("    platform: linux/riscv64\n    build: {context: ., platforms: ['${P:-linux/amd64}']}\n", None),
        ("    platform: linux/arm64\n    build: {context: ., platforms: [linux/amd64, linux/arm64]}\n", None),
    ],
)
def test_service_platform_must_be_a_build_platform(
    project: Path, capsys: pytest.CaptureFixture[str], service: str, message: str | None
) -> None:
    # compose-go refuses the project ("service.build.platforms MUST include service.platform").
    (project / "compose.yaml").write_text("name: p\nservices:\n  web:\n" + service)
    assert main(["render", "--stdout"]) == (0 if message is None else 2)
    out, err = capsys.readouterr()
    if message is None:
        assert '"platforms"' in out
    else:
        assert (out, err) == ("", message + "\n")
        assert not (project / "docker-bake.json").exists()


@pytest.mark.parametrize(
    ("service", "condition"),
    [
        (
            "    platform: ${P:-linux/riscv64}\n    build: {context: ., platforms: [linux/amd64, linux/arm64]}\n",
            (
                '${"${P != null && P != "" ? P : "linux/riscv64"}" == ""'
                ' || "${P != null && P != "" ? P : "linux/riscv64"}" == "linux/amd64"'
                ' || "${P != null && P != "" ? P : "linux/riscv64"}" == "linux/arm64"}'
            ),
        ),
        (
            "    platform: ${P}\n    build: {context: ., platforms: [linux/amd64]}\n",
            '${"${P != null ? P : ""}" == "" || "${P != null ? P : ""}" == "linux/amd64"}',
        ),
        (
            "    platform: linux/riscv64\n    build: {context: ., platforms: ['${P:-linux/amd64}']}\n",
            '${"linux/riscv64" == "${P != null && P != "" ? P : "linux/amd64"}"}',
        ),
    ],
)
def test_platform_read_from_a_variable_is_checked_by_bake(
    project: Path, capsys: pytest.CaptureFixture[str], service: str, condition: str
) -> None:
    # compose-go compares the interpolated values (an empty platform passes); found by the
    # differential fuzzer (compose refused, the bake file built). tests/corpus/platform_variable
    # runs these against compose.
    (project / "compose.yaml").write_text("name: p\nservices:\n  web:\n" + service)
    assert main(["render", "--stdout"]) == 0
    out, _ = capsys.readouterr()
    assert json.loads(out)["variable"]["P"]["validation"] == [
        {
            "condition": condition,
            "error_message": (
                "services.web.platform is not one of its build.platforms, which compose refuses; "
                "add it to build.platforms or remove platform:"
            ),
        }
    ]


@pytest.mark.parametrize(
    ("value", "pull"),
    [("'yes'", True), ("'On'", True), ("'Y'", True), ("'TRUE'", True), ("'off'", False), ("'No'", False), ("'false'", False),
     ("'1'", None), ("'0'", None), ("''", None), ("'t'", None)],
)
def test_boolean_strings_are_compose_s(project: Path, capsys: pytest.CaptureFixture[str], value: str, pull: bool | None) -> None:
    # compose-go's toBoolean: YAML 1.1 words only; "1", "0" and "" are an "invalid boolean".
    (project / "compose.yaml").write_text(f"name: p\nservices:\n  web:\n    build:\n      context: .\n      pull: {value}\n")
    code = main(["render", "--stdout"])
    out, err = capsys.readouterr()
    if pull is None:
        assert (code, out, err) == (2, "", f"compose.yaml:6:13: error: build.pull must be a boolean, got {value}\n")
    else:
        assert code == 0
        assert ('"pull": true' in out) is pull


# `docker compose build --print` (v2.40) for each value: compose reads sizes with go-units'
# RAMInBytes (the number is a Go float up to the last digit, dot or space; 0 is left out).
SHM_SIZES = [
    ("'1.5g'", "1610612736"), ("'1.5'", "1"), ("'1e3'", "1000"), ("'1 g'", "1073741824"), ("'2KiB'", "2048"),
    ("'3TB'", "3298534883328"), ("'1p'", "1125899906842624"), ("'.5g'", "536870912"), ("'5.'", "5"),
    ("'+5m'", "5242880"), ("'1.5e1k'", "15360"), ("'1_000'", "1000"), ("'1E2M'", "104857600"), ("'00012'", "12"),
    ("'7 '", "7"), ("'0'", None), ("0", None), ("-1", "-1"),
    ("1.5", "error"), ("'abc'", "error"), ("'-1'", "error"), ("'0x10'", "error"), ("'1g '", "error"),
    ("' 1g'", "error"), ("'1gb2'", "error"), ("'1bb'", "error"), ("'1kibb'", "error"), ("'1__0'", "error"),
]


@pytest.mark.parametrize(("value", "expected"), SHM_SIZES, ids=[case[0] for case in SHM_SIZES])
def test_shm_size_reads_as_compose_reads_it(
    project: Path, capsys: pytest.CaptureFixture[str], value: str, expected: str | None
) -> None:
    (project / "compose.yaml").write_text(f"name: p\nservices:\n  web:\n    build:\n      context: .\n      shm_size: {value}\n")
    code = main(["render", "--stdout"])
    out, err = capsys.readouterr()
    if expected == "error":
        shown = value.strip("'")
        assert (code, out, err) == (2, "", f"compose.yaml:6:17: error: build.shm_size must be a size such as 128m, got '{shown}'\n")
        return
    assert code == 0
    target = json.loads(out)["target"]["web"]
    assert target.get("shm-size") == expected


@pytest.mark.parametrize(
    ("args", "message"),
    [
        # compose 2.40: "services.web.build.args must be a mapping" (the tagged scalar is a string).
        ("!!map x", "compose.yaml:6:13: error: services.web.build.args must be a mapping or a list of strings, got string"),
        ("{A: !!seq 2001-12-14}", None),  # compose: args {"A": "2001-12-14"}
    ],
)
def test_a_collection_tag_on_a_scalar_is_read_as_compose_reads_it(
    project: Path, capsys: pytest.CaptureFixture[str], args: str, message: str | None
) -> None:
    (project / "compose.yaml").write_text(f"name: p\nservices:\n  web:\n    build:\n      context: .\n      args: {args}\n")
    if message is not None:
        assert main(["render", "--stdout"]) == 2
        assert capsys.readouterr().err == message + "\n"
        return
    assert main(["render", "--stdout"]) == 0
    assert json.loads(capsys.readouterr().out)["target"]["web"]["args"] == {"A": "2001-12-14"}


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (
            {"compose.yaml": "build: {context: ., dockerfile: Dockerfile, dockerfile_inline: FROM alpine}\n"},
            "compose.yaml:4:68: error: service \"web\" declares mutually exclusive dockerfile and dockerfile_inline",
        ),
        # The two from two files: compose checks the merged service.
        (
            {
                "compose.yaml": "build: {context: ., dockerfile: 'Dockerfile.${V:-web}'}\n",
                "compose.override.yaml": "build: {dockerfile_inline: 'FROM alpine'}\n",
            },
            (
                "compose.override.yaml:4:32: error: service \"web\" declares mutually exclusive dockerfile and "
                "dockerfile_inline"
            ),
        ),
        # Either one left empty (here literally): compose builds from the other.
        ({"compose.yaml": "build: {context: ., dockerfile: Dockerfile, dockerfile_inline: ''}\n"}, None),
        ({"compose.yaml": "build: {context: ., dockerfile: '', dockerfile_inline: FROM alpine}\n"}, None),
    ],
)
def test_dockerfile_and_dockerfile_inline_exclude_each_other(
    project: Path, capsys: pytest.CaptureFixture[str], files: dict[str, str], message: str | None
) -> None:
    # compose-go's checkConsistency: "service %q declares mutualy exclusive dockerfile and
    # dockerfile_inline" (exit 1 from `docker compose build --print`). One that may interpolate
    # to "" is checked by a bake validation instead: tests/corpus/dockerfile_inline_exclusive.
    names = list(files)
    (project / "bakegen.yaml").write_text(
        "version: 1\ncache: {backend: none}\ncompose: {files: [" + ", ".join(names) + "]}\n"
    )
    for name, service in files.items():
        (project / name).write_text("name: p\nservices:\n  web:\n    " + service)
    code = main(["render", "--stdout"])
    out, err = capsys.readouterr()
    if message is None:
        assert code == 0
        assert '"dockerfile-inline"' in out
    else:
        assert (code, out, err) == (2, "", message + "\n")


def test_service_context_names_a_service_known_when_compiling(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # compose interpolates `service:${SVC:-base}` and resolves it; the target it names is part
    # of the bake file's structure, so bakegen needs it literal (it read '${SVC:-base}' as the
    # name of an unknown service).
    (project / "compose.yaml").write_text(
        "name: p\nservices:\n  base:\n    build: .\n  web:\n    build:\n      context: .\n"
        "      additional_contexts: {b: 'service:${SVC:-base}'}\n"
    )
    assert main(["render", "--stdout"]) == 2
    message = (
        "compose.yaml:8:32: error: a service: context depends on variable(s) SVC at build time, which bake cannot "
        "express here; use a literal value, or set it in an env file listed in compose.env_files\n"
    )
    assert capsys.readouterr() == ("", message)


def test_an_empty_build_tag_is_no_tag(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # compose passes `tags: [""]` on and buildx drops the empty tag; bakegen refused it as an
    # invalid image name (found by the sweep, confirmed by the differential fuzzer).
    (project / "compose.yaml").write_text(
        "name: p\nservices:\n  web:\n    image: acme/web\n    build: {context: ., tags: ['', 'acme/web:x']}\n"
    )
    assert main(["render", "--stdout"]) == 0
    assert json.loads(capsys.readouterr().out)["target"]["web"]["tags"] == ["acme/web:x", "acme/web"]
