"""Each compose build key maps in one place: one case per key, exact bake output."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
from gitrepo import track

from bakegen.errors import UserError
from bakegen.pipeline import compile_policy
from bakegen.policy import load_policy


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # messages show paths relative to the current directory


POLICY = "version: 1\ncompose: {files: [compose.yaml]}\ntargets: {load: false}\ncache: {backend: none}\n"


def compile_compose(tmp_path: Path, compose: str, policy: str = POLICY, files: dict[str, str] | None = None) -> dict[str, Any]:
    (tmp_path / "compose.yaml").write_text(textwrap.dedent(compose))
    (tmp_path / "bakegen.yaml").write_text(policy)
    for name, text in (files or {}).items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    env_files = [name for name in (files or {}) if name.endswith(".env")]
    if env_files:
        track(tmp_path, *env_files)  # a listed env file must be tracked by git
    return compile_policy(load_policy(tmp_path / "bakegen.yaml", "bakegen.yaml"))


# (case, compose services, every target the compile gives: name → bake target)
CASES: list[tuple[str, str, dict[str, dict[str, Any]]]] = [
    ("shorthand", "services:\n  web:\n    build: ./web\n", {"web": {"context": "web", "tags": ["${BAKEGEN_PROJECT}-web"]}}),
    ("context-default", "services:\n  web:\n    build: {dockerfile: D}\n", {"web": {"context": ".", "dockerfile": "D", "tags": ["${BAKEGEN_PROJECT}-web"]}}),
    (
        "git-context",
        "services:\n  web:\n    build: https://github.com/acme/web.git#main:src\n",
        {"web": {"context": "https://github.com/acme/web.git#main:src", "tags": ["${BAKEGEN_PROJECT}-web"]}},
    ),
    (
        "dockerfile-variable",
        "services:\n  web:\n    build: {context: ., dockerfile: 'Dockerfile${S:--multi}'}\n",
        {
            "web": {
                "context": ".",
                "dockerfile": 'Dockerfile${S != null && S != "" ? S : "-multi"}',
                "tags": ["${BAKEGEN_PROJECT}-web"],
            },
        },
    ),
    (
        "args-map-and-list",
        ("services:\n  a:\n    build: {context: ., args: {N: 2, B: true, E: '', X: null}}\n"
        "  b:\n    build: {context: ., args: [A=1, 'C=x=y', D]}\n"),
        {
            "a": {"context": ".", "args": {"N": "2", "B": "true", "E": "", "X": "${X}"}, "tags": ["${BAKEGEN_PROJECT}-a"]},
            "b": {"context": ".", "args": {"A": "1", "C": "x=y", "D": "${D}"}, "tags": ["${BAKEGEN_PROJECT}-b"]},
        },
    ),
    (
        "labels-list",
        "services:\n  web:\n    build: {context: ., labels: [a=1, b]}\n",
        {"web": {"context": ".", "labels": {"a": "1", "b": ""}, "tags": ["${BAKEGEN_PROJECT}-web"]}},
    ),
    (
        "image-and-build-tags",
        "services:\n  web:\n    image: 'reg/web:${TAG-dev}'\n    build: {context: ., tags: [reg/web:extra]}\n",
        {"web": {"context": ".", "tags": ["reg/web:extra", 'reg/web:${TAG != null ? TAG : "dev"}']}},
    ),
    (
        "scalars-and-switches",
        ("services:\n  web:\n    build:\n      context: .\n      target: prod\n      network: host\n      pull: true\n"
        "      no_cache: true\n      privileged: true\n      shm_size: 128m\n      platforms: [linux/amd64, linux/arm64]\n"),
        {
            "web": {
                "context": ".",
                "target": "prod",
                "network": "host",
                "pull": True,
                "no-cache": True,
                "entitlements": ["security.insecure"],
                "shm-size": "134217728",
                "platforms": ["linux/amd64", "linux/arm64"],
                "tags": ["${BAKEGEN_PROJECT}-web"],
            },
        },
    ),
    (
        # compose-go HostsList.cleanup strips the brackets of an address, in either form.
        "hosts-bracketed-ipv6",
        ("services:\n  web:\n    build:\n      context: .\n      extra_hosts: ['h1=[::2]', 'h2:[fe80::1]', 'h3=[]']\n"
         "  api:\n    build:\n      context: .\n      extra_hosts: {h4: '[::3]', h5: ['[::4]', '10.0.0.1']}\n"),
        {
            "web": {"context": ".", "extra-hosts": {"h1": "::2", "h2": "fe80::1", "h3": "[]"}, "tags": ["${BAKEGEN_PROJECT}-web"]},
            "api": {"context": ".", "extra-hosts": {"h4": "::3", "h5": "::4,10.0.0.1"}, "tags": ["${BAKEGEN_PROJECT}-api"]},
        },
    ),
    (
        "ulimits-and-hosts",
        ("services:\n  web:\n    build:\n      context: .\n      ulimits: {nproc: 512, nofile: {soft: 1, hard: 2}}\n"
        "      extra_hosts: ['h1:1.2.3.4', 'h2=::1']\n"),
        {
            "web": {
                "context": ".",
                "ulimits": ["nofile=1:2", "nproc=512"],
                "extra-hosts": {"h1": "1.2.3.4", "h2": "::1"},
                "tags": ["${BAKEGEN_PROJECT}-web"],
            },
        },
    ),
    (
        "additional-contexts",
        ("services:\n  base:\n    build: ./base\n  web:\n    build:\n      context: ./web\n"
        "      additional_contexts: {b: 'service:base', img: 'docker-image://alpine', dir: ./shared}\n"),
        {
            "base": {"context": "base", "tags": ["${BAKEGEN_PROJECT}-base"]},
            "web": {
            "context": "web",
            "contexts": {"b": "target:base", "img": "docker-image://alpine", "dir": "shared"},
            "tags": ["${BAKEGEN_PROJECT}-web"],
        },
        },
    ),
    (
        "dockerfile-inline-escapes",
        "services:\n  web:\n    build:\n      context: .\n      dockerfile_inline: \"FROM a\\nRUN echo $$HOME %{x} ${V:-v}\\n\"\n",
        {
            "web": {
                "context": ".",
                "dockerfile-inline": 'FROM a\nRUN echo $HOME %%{x} ${V != null && V != "" ? V : "v"}\n',
                "tags": ["${BAKEGEN_PROJECT}-web"],
            },
        },
    ),
    (
        "cache-from-to",
        "services:\n  web:\n    build: {context: ., cache_from: [type=gha, 'user/app:cache'], cache_to: ['type=local,dest=/tmp/c']}\n",
        {"web": {"context": ".", "cache-from": ["type=gha", "user/app:cache"], "cache-to": ["type=local,dest=/tmp/c"], "tags": ["${BAKEGEN_PROJECT}-web"]}},
    ),
]


@pytest.mark.parametrize(("name", "compose", "targets"), CASES, ids=[case[0] for case in CASES])
def test_build_key_mapping(tmp_path: Path, name: str, compose: str, targets: dict[str, dict[str, Any]]) -> None:
    compose = "name: p\n" + compose
    bake = compile_compose(tmp_path, compose)
    assert bake["target"] == targets


def test_secrets_and_ssh(tmp_path: Path) -> None:
    compose = """\
        name: p
        services:
          web:
            build:
              context: .
              secrets: [s1, {source: s2, target: token}]
              ssh: [default, key=/tmp/id]
        secrets:
          s1: {file: ./s.txt}
          s2: {environment: SEC}
        """
    bake = compile_compose(tmp_path, compose)
    target = bake["target"]["web"]
    assert target["secret"] == ["id=s1,type=file,src=s.txt", "id=token,type=env,env=SEC"]
    assert target["ssh"] == ["default", "key=/tmp/id"]


def test_ssh_key_paths_are_relative_to_their_file_and_rebased_for_bake(tmp_path: Path) -> None:
    # compose resolves `id=path` against the directory of the file that writes it (here an
    # extended file in sub/); bake reads it from where it runs, the bake file's directory.
    compose = """\
        name: p
        services:
          web:
            extends: {file: sub/base.yaml, service: base}
            build:
              ssh: {own: ./own_key, home: ~/.ssh/id, abs: /tmp/id, var: "./${KEY_DIR:-keys}/id"}
        """
    base = "services:\n  base:\n    build:\n      context: .\n      ssh: [default, 'deploy=keys/deploy']\n"
    policy = POLICY.replace("version: 1\n", "version: 1\noutput: {json: out/docker-bake.json}\n")
    assert policy != POLICY
    bake = compile_compose(tmp_path, compose, policy, files={"sub/base.yaml": base})
    assert bake["target"]["web"]["ssh"] == [
        "default",
        "deploy=../sub/keys/deploy",
        "own=../own_key",
        "home=~/.ssh/id",
        "abs=/tmp/id",
        'var=.././${KEY_DIR != null && KEY_DIR != "" ? KEY_DIR : "keys"}/id',
    ]
    compose = compose.replace("./${KEY_DIR", "${KEY_DIR")
    with pytest.raises(UserError) as raised:
        compile_compose(tmp_path, compose, policy, files={"sub/base.yaml": base})
    assert str(raised.value) == (
        "compose.yaml:6:65: error: an ssh key path that starts with a variable cannot be compiled here: bake "
        "paths are relative to where bake runs; start it with a literal path (e.g. ./${DIR})"
    )


def test_secret_file_from_a_variable_is_rebased_and_environment_name_must_be_known(tmp_path: Path) -> None:
    # compose interpolates a secret's file, then resolves it against its file's directory
    # (tests/corpus/secret_file_variable checks the values against compose); the name of an
    # environment secret stays static (a build-time name would hide which variable is secret).
    compose = """\
        name: p
        services:
          web:
            build: {context: ., secrets: [tok]}
        secrets:
          tok: {file: "./keys/${STAGE:-dev}.txt"}
        """
    policy = POLICY.replace("version: 1\n", "version: 1\noutput: {json: out/docker-bake.json}\n")
    bake = compile_compose(tmp_path, compose, policy)
    assert bake["target"]["web"]["secret"] == ['id=tok,type=file,src=.././keys/${STAGE != null && STAGE != "" ? STAGE : "dev"}.txt']
    compose = compose.replace('{file: "./keys/${STAGE:-dev}.txt"}', "{environment: '${NAME}'}")
    with pytest.raises(UserError) as raised:
        compile_compose(tmp_path, compose, policy)
    assert str(raised.value) == (
        "compose.yaml:6:8: error: a secret's environment name depends on variable(s) NAME at build time, which bake "
        "cannot express here; use a literal value, or set it in an env file listed in compose.env_files"
    )


def test_additional_context_paths_read_from_variables_are_rebased(tmp_path: Path) -> None:
    # As ssh key paths: compose resolves `./extra-${V}` once interpolated against the directory
    # of the file that writes it (here an extended file in sub/). Found by the differential
    # fuzzer: bakegen emitted it as written, relative to the bake file (tests/corpus/
    # contexts_other_directory checks the values against compose).
    compose = """\
        name: p
        services:
          web:
            extends: {file: sub/base.yaml, service: base}
        """
    base = (
        "services:\n  base:\n    build:\n      context: .\n      additional_contexts:\n"
        "        extra: ./extra-${V:-d}\n        img: docker-image://alpine:${V:-3}\n        lead: ${V:-x}\n"
    )
    with pytest.raises(UserError) as raised:
        compile_compose(tmp_path, compose, files={"sub/base.yaml": base})
    assert str(raised.value) == (
        "sub/base.yaml:8:15: error: an additional context that starts with a variable cannot be compiled here: "
        "bake paths are relative to where bake runs; start it with a literal path (e.g. ./${DIR})"
    )
    bake = compile_compose(tmp_path, compose, files={"sub/base.yaml": base.replace("${V:-x}", "./${V:-x}")})
    assert bake["target"]["web"]["contexts"] == {
        "extra": 'sub/./extra-${V != null && V != "" ? V : "d"}',
        "img": 'docker-image://alpine:${V != null && V != "" ? V : "3"}',
        "lead": 'sub/./${V != null && V != "" ? V : "x"}',
    }


def test_required_checks_in_every_document_read(tmp_path: Path) -> None:
    # compose interpolates every file it reads whole, before merging (found by the
    # differential fuzzer: a `${TAG?}` arg replaced by an override file passed in bakegen).
    compose = """\
        name: p
        include: [inc/compose.yaml]
        services:
          web:
            extends: {file: base.yaml, service: base}
            build:
              args: {A: "${REPLACED:?replaced}"}
        networks:
          n: {name: "${NET:?net}"}
        x-meta: "${META?}"
        """
    files = {
        "override.yaml": "services:\n  web:\n    build:\n      args: {A: x}\n",
        "base.yaml": "services:\n  base:\n    build: .\n  unused:\n    image: 'u:${UNUSED:?unused}'\n",
        "inc/compose.yaml": "services:\n  inc:\n    image: i\nvolumes:\n  v: {name: '${VOL:?vol}'}\n",
    }
    policy = POLICY.replace("[compose.yaml]", "[compose.yaml, override.yaml]")
    bake = compile_compose(tmp_path, compose, policy, files=files)
    assert bake["target"]["web"]["args"] == {"A": "x"}
    own = ("BAKEGEN_PROJECT", "COMPOSE_PROJECT_NAME")  # the project name's (no `name:` override)
    validations = {name: entry.get("validation") for name, entry in bake["variable"].items() if name not in own}
    assert validations == {
        "REPLACED": [{"condition": '${REPLACED != null && REPLACED != ""}', "error_message": "required variable REPLACED is missing a value: replaced"}],
        "NET": [{"condition": '${NET != null && NET != ""}', "error_message": "required variable NET is missing a value: net"}],
        "META": [{"condition": "${META != null}", "error_message": "required variable META is missing a value"}],
        "UNUSED": [{"condition": '${UNUSED != null && UNUSED != ""}', "error_message": "required variable UNUSED is missing a value: unused"}],
        "VOL": [{"condition": '${VOL != null && VOL != ""}', "error_message": "required variable VOL is missing a value: vol"}],
    }


def test_variables_declared_with_null_default_and_required_validation(tmp_path: Path) -> None:
    compose = "name: p\nservices:\n  web:\n    image: 'r/web:${TAG:?set TAG}'\n    build: .\n"
    bake = compile_compose(tmp_path, compose)
    assert bake["variable"] == {
        "TAG": {
            "default": None,
            "validation": [
                {"condition": '${TAG != null && TAG != ""}', "error_message": "required variable TAG is missing a value: set TAG"}
            ],
        }
    }


def test_env_file_values_become_defaults(tmp_path: Path) -> None:
    policy = POLICY + "compose: {files: [compose.yaml], env_files: [.env]}\n"
    policy = policy.replace("compose: {files: [compose.yaml]}\n", "", 1)
    compose = "name: p\nservices:\n  web:\n    image: 'r/web:${TAG}'\n    build: .\n"
    bake = compile_compose(tmp_path, compose, policy, {".env": "TAG=1.2\nUNUSED=x\n"})
    assert bake["variable"] == {"TAG": {"default": "1.2"}}
    assert bake["target"]["web"]["tags"] == ["r/web:${TAG}"]


def test_implicit_image_name_follows_compose_project_name_at_build_time(tmp_path: Path) -> None:
    bake = compile_compose(tmp_path, "name: My_App\nservices:\n  web:\n    build: .\n")
    assert bake["target"]["web"]["tags"] == ["${BAKEGEN_PROJECT}-web"]
    assert bake["variable"] == {
        "BAKEGEN_PROJECT": {
            "default": '${COMPOSE_PROJECT_NAME != null && COMPOSE_PROJECT_NAME != "" ? COMPOSE_PROJECT_NAME : "my_app"}'
        },
        "COMPOSE_PROJECT_NAME": {
            "default": None,
            "validation": [
                {
                    "condition": '${COMPOSE_PROJECT_NAME == null || COMPOSE_PROJECT_NAME == "" || '
                    'can(regex("^[a-z0-9][a-z0-9_-]*$", COMPOSE_PROJECT_NAME))}',
                    "error_message": 'invalid project name "${COMPOSE_PROJECT_NAME}": must consist only of lowercase '
                    "alphanumeric characters, hyphens, and underscores as well as start with a letter or number",
                }
            ],
        },
    }


def test_policy_project_is_like_dash_p(tmp_path: Path) -> None:
    policy = POLICY.replace("compose: {files: [compose.yaml]}", "compose: {files: [compose.yaml], project: shop}")
    bake = compile_compose(tmp_path, "name: other\nservices:\n  web:\n    build: .\n", policy)
    assert bake["target"]["web"]["tags"] == ["shop-web"]
    assert "variable" not in bake


def test_dotted_service_becomes_underscored_target_and_groups(tmp_path: Path) -> None:
    policy = POLICY + "targets: {load: false, groups: {api: ['web.*']}}\n"
    policy = policy.replace("targets: {load: false}\n", "", 1)
    bake = compile_compose(tmp_path, "name: p\nservices:\n  web.api:\n    build: .\n  db:\n    image: postgres\n", policy)
    assert sorted(bake["target"]) == ["web_api"]
    assert bake["group"] == {"api": {"targets": ["web_api"]}, "default": {"targets": ["web_api"]}}
    assert bake["target"]["web_api"]["tags"] == ["${BAKEGEN_PROJECT}-web.api"]


def test_profiles_do_not_hide_build_services(tmp_path: Path) -> None:
    bake = compile_compose(tmp_path, "name: p\nservices:\n  tool:\n    build: .\n    profiles: [tools]\n")
    assert list(bake["target"]) == ["tool"]


def test_context_starting_with_a_variable_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(UserError) as raised:
        compile_compose(tmp_path, "name: p\nservices:\n  web:\n    build: {context: '${DIR}'}\n")
    assert str(raised.value).startswith("compose.yaml:4:22: error: a build context that starts with a variable")


def test_output_is_deterministic_json(tmp_path: Path) -> None:
    from bakegen.render import render_json

    bake = compile_compose(tmp_path, "name: p\nservices:\n  b:\n    build: .\n  a:\n    build: .\n")
    text = render_json(bake).decode()
    assert list(json.loads(text)) == ["//", "group", "target", "variable"]
    assert text == render_json(compile_compose(tmp_path, "name: p\nservices:\n  a:\n    build: .\n  b:\n    build: .\n")).decode()
