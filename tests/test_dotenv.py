"""Compose's `.env` format: entries, resolved values, errors with positions.

Expected values were checked against the real `docker compose config` (compose v2.40).
"""

from __future__ import annotations

import itertools

import pytest

from bakegen.dotenv import EnvEntry, parse_env_file, resolve
from bakegen.dotenv_defaults import bake_defaults
from bakegen.errors import Location, UserError
from bakegen.interpolation import Literal, Substitution, Template, evaluate

# (file text, environment, variables compose takes from the file)
RESOLVE = [
    ("", {}, {}),
    ("\n\n   \n", {}, {}),
    ("# only a comment", {}, {}),
    ("A=1", {}, {"A": "1"}),
    ("A=1\nB=2\n", {}, {"A": "1", "B": "2"}),
    ("A=1\nA=2\n", {}, {"A": "2"}),
    ("export A=1\n", {}, {"A": "1"}),
    ("export   A=1\n", {}, {"A": "1"}),
    ("exportA=1\n", {}, {"exportA": "1"}),
    ("export=1\n", {}, {"export": "1"}),
    ("A: yaml style\n", {}, {"A": "yaml style"}),
    ("  A  =  1  \n", {}, {"A": "1"}),
    ("A=\n", {}, {"A": ""}),
    ("A=1\r\nB=\"2\"\r\nC=3 #x\r\n", {}, {"A": "1", "B": "2", "C": "3"}),
    ("\ufeffA=1\n", {}, {"A": "1"}),
    # unquoted values: inline comments need a space before `#`
    ("A=a #b\n", {}, {"A": "a"}),
    ("A=a#b\n", {}, {"A": "a#b"}),
    ("A=a\t#b\n", {}, {"A": "a\t#b"}),
    ("A=#x\n", {}, {"A": "#x"}),
    ("A= #x\n", {}, {"A": "#x"}),  # spaces after `=` go first
    ("A=  spaced   value   \n", {}, {"A": "spaced   value"}),
    ("A=a\\b\n", {}, {"A": "a\\b"}),
    ("A=x\\\nB=2\n", {}, {"A": "x\\", "B": "2"}),
    ("A=it's\n", {}, {"A": "it's"}),
    ("A=$$x\n", {}, {"A": "$x"}),
    # single quotes: literal, only \' unescaped, may span lines
    ("A='lit ${B} $$ \\n'\n", {"B": "b"}, {"A": "lit ${B} $$ \\n"}),
    ("A='a\\'b'\n", {}, {"A": "a'b"}),
    ("A='multi\nline'\n", {}, {"A": "multi\nline"}),
    ("A='x' # comment\n", {}, {"A": "x"}),
    # double quotes: escapes, then interpolation
    ('A="x\\ny"\n', {}, {"A": "x\ny"}),
    ('A="t\\tb\\\\s\\"q"\n', {}, {"A": 't\tb\\s"q'}),
    ('A="\\$B $B"\n', {"B": "b"}, {"A": "$B b"}),
    ('A="\\0101|\\0777|\\08|\\0|\\01|\\c"\n', {}, {"A": "A|\\777|\\8|\\|\\1|\\c"}),
    ('A="\\a\\b\\f\\v\\r"\n', {}, {"A": "\a\b\f\v\r"}),
    ('A="multi\nline"\n', {}, {"A": "multi\nline"}),
    ('A="x\\"\nB=2"\n', {}, {"A": 'x"\nB=2'}),
    ('A="${B:-x y}"\n', {}, {"A": "x y"}),
    ('A="q"J\n', {}, {"A": "q"}),  # text after the quote starts a new statement: bare key J
    ('A="q"J\n', {"J": "j"}, {"A": "q", "J": "j"}),
    # bare keys take the environment's value, or define nothing
    ("A\n", {}, {}),
    ("A\n", {"A": ""}, {"A": ""}),
    ("A\nB=${A:-none}\n", {"A": "env"}, {"A": "env", "B": "env"}),
    ("A=1\nexport\nB=2\n", {}, {"A": "1", "B": "2"}),
    ("A=1\n=x\nB=2\n", {}, {"A": "1", "B": "2"}),  # the empty name: unusable, ignored
    ("A=1\nFOO", {}, {"A": "1"}),  # no newline after a bare key: compose ignores it
    # interpolation: environment first, then earlier keys; later keys are not seen
    ("A=1\nB=${A}-x\n", {}, {"A": "1", "B": "1-x"}),
    ("A=1\nB=${A}\n", {"A": "2"}, {"A": "1", "B": "2"}),
    ("B=${LATER:-none}\nLATER=1\n", {}, {"B": "none", "LATER": "1"}),
    ("A=${E}-${UNSET}-${E:+set}\n", {"E": ""}, {"A": "--"}),
    ("A=${E-unset}\n", {}, {"A": "unset"}),
    ("A=${A:-self}\n", {}, {"A": "self"}),
    # keys compose accepts
    ("A.B=1\nC-D=2\n1X=3\nE[0]=4\n", {}, {"A.B": "1", "C-D": "2", "1X": "3", "E[0]": "4"}),
    ("A\tB=1\n", {}, {"A\tB": "1"}),
]


@pytest.mark.parametrize(("text", "environ", "expected"), RESOLVE, ids=[repr(r[0]) for r in RESOLVE])
def test_resolve(text: str, environ: dict[str, str], expected: dict[str, str]) -> None:
    assert resolve(parse_env_file(text, ".env"), environ) == expected


# (file text, message fragment, line, column)
ERRORS = [
    ("A B=1\n", "key 'A B' cannot contain a space", 1, 1),
    ("X=1\n  A!=1\n", "unexpected character '!' in variable name 'A!=1'", 2, 4),
    ('"""\n', "unexpected character '\"' in variable name", 1, 1),
    ("A='unterminated\nB=1\n", "unterminated quoted value 'unterminated", 1, 3),
    ('A=1\nB="x\n', 'unterminated quoted value "x', 2, 3),
    ("A=${\n", "invalid interpolation format", 1, 3),
    ("A=ok ${1X}\n", "invalid interpolation format", 1, 6),
    ('A="a\n${}"\n', "invalid interpolation format", 2, 1),
]


@pytest.mark.parametrize(("text", "fragment", "line", "column"), ERRORS, ids=[repr(r[0]) for r in ERRORS])
def test_errors(text: str, fragment: str, line: int, column: int) -> None:
    with pytest.raises(UserError) as info:
        parse_env_file(text, "dir/.env")
    assert fragment in info.value.message
    assert info.value.location == Location("dir/.env", line, column)
    assert str(info.value).startswith(f"dir/.env:{line}:{column}: error: ")


def test_entries_keep_raw_value_template_and_position() -> None:
    text = "# c\nexport A=1 # comment\nB = \"x\\n\\$y ${A}\" # c\nC='lit ${A}'\nD=${A:-z}#nc\nE\n"
    assert parse_env_file(text, ".env") == [
        EnvEntry("A", "1", "1", None, Template((Literal("1"),)), 2, 8, path=".env"),
        EnvEntry(
            "B",
            "x\\n\\$y ${A}",
            "x\n$$y ${A}",
            '"',
            Template((Literal("x\n$y "), Substitution("A"))),
            3,
            1,
            path=".env",
        ),
        EnvEntry("C", "lit ${A}", "lit ${A}", "'", None, 4, 1, path=".env"),
        EnvEntry(
            "D",
            "${A:-z}#nc",
            "${A:-z}#nc",
            None,
            Template((Substitution("A", ":-", Template((Literal("z"),))), Literal("#nc"))),
            5,
            1,
            path=".env",
        ),
        EnvEntry("E", "", None, None, None, 6, 1, inherited=True, path=".env"),
    ]


def test_interpolates_flag() -> None:
    a, b, c, d = parse_env_file("A=1\nB='2'\nC=\"$A\"\nD\n", ".env")
    assert (a.interpolates, b.interpolates, c.interpolates, d.interpolates) == (True, False, True, False)


# ------------------------------------------------------------------- bake defaults

BAKE_DEFAULTS_OK = [
    "A=1\nB=${A}-x\n",
    "TAG=${TAG:-latest}\n",
    "TAG=${TAG-latest}\nX=${TAG:+t}${TAG}\n",
    "A=${A:+never}${A}x\n",
    "A=1\nB=${A:-${E}}\nC='${lit}'\nD=\"q$B\"\n",
    "E\nA=${E:-none}\n",
    "A=1\nB=$A\nA=1\n",  # redefined with the same value
    "A=1\nA\nB=${A}\n",  # a bare key never replaces a value
    "",
]


def _bake_view(defaults: dict[str, Template | None], environ: dict[str, str]) -> dict[str, str]:
    """What bake variables hold: the environment's value, else the default evaluated."""
    values: dict[str, str | None] = {}

    def value(name: str, seen: tuple[str, ...] = ()) -> str | None:
        assert name not in seen, f"cycle through {seen}"
        if name in environ:
            return environ[name]
        template = defaults.get(name)
        if template is None:
            return None
        return evaluate(template, lambda other: value(other, (*seen, name)))

    for name in defaults:
        values[name] = value(name)
    return {k: v for k, v in values.items() if v is not None}


@pytest.mark.parametrize("text", BAKE_DEFAULTS_OK)
def test_bake_defaults_mean_what_compose_means(text: str) -> None:
    entries = parse_env_file(text, ".env")
    defaults = bake_defaults(entries)
    names = sorted({e.name for e in entries} | {"E"})
    for combo in itertools.product([None, "", "v"], repeat=len(names)):
        environ = {n: v for n, v in zip(names, combo) if v is not None}
        compose_view = {**resolve(entries, environ), **environ}
        bake_view = {**_bake_view(defaults, environ), **environ}
        assert bake_view == compose_view, (text, environ)


def test_bake_defaults_values() -> None:
    defaults = bake_defaults(parse_env_file("TAG=${TAG:-latest}\nA='${x}'\nB\nC=${A}$TAG\n", ".env"))
    assert defaults == {
        "TAG": Template((Literal("latest"),)),
        "A": Template((Literal("${x}"),)),
        "B": None,
        "C": Template((Substitution("A"), Substitution("TAG"))),
    }


# (env file text, message fragment, line, column)
BAKE_DEFAULTS_ERRORS = [
    ("B=${L}\nL=1\n", "B refers to L, which is defined only later (line 2)", 1, 1),
    ("A=1\nB=$A\nA=2\n", "B refers to A, which is defined again later (line 3)", 2, 1),
    ("A=1\nA=${A}x\n", "A refers to itself after an earlier definition (line 1)", 2, 1),
    ("x=1\n  A=${A?}\n", "A requires itself to be set", 2, 3),
    ("A=${A:-${A:?m}}\n", "A requires itself to be set", 1, 1),
]


@pytest.mark.parametrize(("text", "fragment", "line", "column"), BAKE_DEFAULTS_ERRORS)
def test_bake_defaults_refuse_what_bake_cannot_say(text: str, fragment: str, line: int, column: int) -> None:
    with pytest.raises(UserError) as info:
        bake_defaults(parse_env_file(text, "x/.env"))
    assert fragment in info.value.message
    assert info.value.location == Location("x/.env", line, column)
