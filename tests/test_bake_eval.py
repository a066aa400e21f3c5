"""Focused tables for bakegen.bake: expression → value, and expression → error."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bakegen.bake import BakeError, evaluate


def _arg(expression: str, env: dict[str, str] | None = None, variables: dict[str, Any] | None = None) -> Any:
    document: dict[str, Any] = {"target": {"t": {"args": {"R": expression}}}}
    if variables:  # `"variable": {}` stops buildx ("Missing block label"), as the evaluator does
        document["variable"] = {name: {"default": value} for name, value in variables.items()}
    printed = evaluate([("docker-bake.json", json.dumps(document))], env or {}, ["t"])
    return printed["target"]["t"].get("args", {}).get("R")


VALUES = [
    ("${1 + 2 * 3}", "7"),
    ("${(1 + 2) * 3}", "9"),
    ("${10 / 4}", "2.5"),
    ("${-7 % 3}", "-1"),
    ("${\"a\" == \"a\" && !false}", "true"),
    ("${1 == \"1\"}", "false"),
    ("${null && true}", "false"),
    ("${true ? 1 : \"x\"}", "1"),
    ("${[for s in [\"a\", \"b\"] : upper(s)][1]}", "B"),
    ("${join(\",\", [for k, v in {b = 2, a = 1} : \"${k}=${v}\"])}", "a=1,b=2"),
    ("${{a = {b = \"deep\"}}.a.b}", "deep"),
    ("${[\"x\", \"y\"].1}", "y"),
    ("%{ for x in [1, 2] }<${x}>%{ endfor }", "<1><2>"),
    ("%{ if false }y%{ else }n%{ endif }", "n"),
    ("a  %{~ if true ~}  b  %{~ endif ~}  c", "abc"),
    ("$${x} %%{y} $ %", "$${x} %%{y} $ %"),
    ("${format(\"%05d|%-3s|%q\", 42, \"a\", \"q\")}", "00042|a  |\"q\""),
    ("${regex_replace(\"a-b\", \"(\\\\w)-(\\\\w)\", \"$2$1\")}", "ba"),
    ("${regex(\"(?P<major>\\\\d+)\\\\.(?P<minor>\\\\d+)\", \"v1.2\").minor}", "2"),
    ("${element([\"a\", \"b\"], 3)}", "b"),
    ("${substr(\"abcdef\", -2, -1)}", "ef"),
    ("${try(nosuch.attr, \"fallback\")}", "fallback"),
    ("${can(regex(\"^v\", \"main\"))}", "false"),
    ("${coalesce(null, \"\", \"x\")}", ""),
    ("${jsonencode({a = [1, true, null]})}", '{"a":[1,true,null]}'),
    ("${sanitize(\"a.b/c\")}", "a_b_c"),
    ("${length(distinct([\"a\", \"a\", \"b\"]))}", "2"),
    ("${trimspace(\"  x \\n\")}", "x"),
    ("${title(\"hello big world\")}", "Hello Big World"),
    ("${BAKE_CMD_CONTEXT}", "cwd://"),
]


@pytest.mark.parametrize(("expression", "expected"), VALUES)
def test_expression_values(expression: str, expected: str) -> None:
    assert _arg(expression) == expected


ERRORS = [
    ("${nosuch}", 'Unknown variable; There is no variable named "nosuch".'),
    ("${length(\"abc\")}", 'Call to function "length" failed: collection must be a list, a map or a tuple.'),
    ("${lower(null)}", 'Invalid value for "str" parameter: argument must not be null.'),
    ("${true ? [1] : \"x\"}", "Inconsistent conditional result types"),
    ("${1 +}", "Invalid expression"),
    ("%{x}", '"x" is not a valid template control keyword. Did you mean "if"?'),
    ("${\"a\" + 1}", "Unsuitable value for left operand: a number is required."),
]


@pytest.mark.parametrize(("expression", "message"), ERRORS)
def test_expression_errors(expression: str, message: str) -> None:
    with pytest.raises(BakeError) as info:
        _arg(expression)
    assert message in str(info.value)


def test_variable_env_states() -> None:
    variables = {"V": None}
    check = "${V == null ? \"null\" : \"[${V}]\"}"
    assert _arg(check, {}, variables) == "null"
    assert _arg(check, {"V": ""}, variables) == "[]"
    assert _arg(check, {"V": "x"}, variables) == "[x]"
    assert _arg(check, {"V": "x", "BUILDX_BAKE_DISABLE_VARS_ENV_LOOKUP": "1"}, variables) == "null"


def test_variable_cycle_names_a_variable() -> None:
    with pytest.raises(BakeError, match="variable cycle not allowed for"):
        _arg("${A}", {}, {"A": "${B}", "B": "${A}"})


def test_printed_args_are_reescaped() -> None:
    assert _arg("${V}", {"V": "${X}%{y}"}, {"V": ""}) == "$${X}%%{y}"


# go-csvvalue's Fields, as buildx reads cache/output/secret entries: one line, a newline
# inside a field is text, Go's csv errors (byte columns).
CSV_FIELDS = [
    ("type=registry,ref=a", ["type=registry", "ref=a"]),
    ('"a,b",c', ["a,b", "c"]),
    ('"a""b",c', ['a"b', "c"]),
    ("ref=line1\nline2", ["ref=line1\nline2"]),
    ("a,b\n", ["a", "b"]),
    ("a,b\r\n", ["a", "b"]),
    ('"",', ["", ""]),
    ('a"b', 'parse error on line 1, column 2: bare " in non-quoted-field'),
    ('"ab', 'parse error on line 1, column 2: extraneous or missing " in quoted-field'),
    ('"a"b', 'parse error on line 1, column 3: extraneous or missing " in quoted-field'),
    ('é,"x', 'parse error on line 1, column 5: extraneous or missing " in quoted-field'),
]


@pytest.mark.parametrize(("text", "expected"), CSV_FIELDS)
def test_csv_fields_are_go_csvvalue_s(text: str, expected: list[str] | str) -> None:
    from bakegen.bake.goparse import GoParseError, csv_fields

    if isinstance(expected, str):
        with pytest.raises(GoParseError) as raised:
            csv_fields(text)
        assert str(raised.value) == expected
    else:
        assert csv_fields(text) == expected


def test_cache_entry_with_a_newline_or_a_bad_quote() -> None:
    # Found by the differential fuzzer: a compose `cache_to: ["line1\nline2"]` made `bakegen
    # explain` stop with an internal error (Python's csv module refuses the newline).
    document = {"target": {"t": {"cache-to": ["type=registry,ref=a\nb"], "cache-from": ["x\ny"]}}}
    printed = evaluate([("docker-bake.json", json.dumps(document))], {}, ["t"])
    assert printed["target"]["t"]["cache-to"] == [{"type": "registry", "ref": "a\nb"}]
    assert printed["target"]["t"]["cache-from"] == [{"type": "registry", "ref": "x\ny"}]
    document = {"target": {"t": {"cache-from": ['type=registry,ref="a']}}}
    with pytest.raises(BakeError) as raised:
        evaluate([("docker-bake.json", json.dumps(document))], {}, ["t"])
    assert str(raised.value) == (
        'docker-bake.json:1,33-34: Unsuitable value type; Unsuitable value: parse error on line 1, column 19: '
        'bare " in non-quoted-field'
    )
