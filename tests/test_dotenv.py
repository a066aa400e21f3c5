"""Compose's `.env` format: entries, resolved values, errors with positions.

Expected values were checked against the real `docker compose config` (compose v2.40).
"""

from __future__ import annotations

import pytest

from bakegen.dotenv import EnvEntry, parse_env_file, resolve
from bakegen.errors import Location, UserError
from bakegen.interpolation import Literal, Substitution, Template

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
        EnvEntry("A", "1", "1", None, Template((Literal("1"),)), 2, 8),
        EnvEntry(
            "B",
            "x\\n\\$y ${A}",
            "x\n$$y ${A}",
            '"',
            Template((Literal("x\n$y "), Substitution("A"))),
            3,
            1,
        ),
        EnvEntry("C", "lit ${A}", "lit ${A}", "'", None, 4, 1),
        EnvEntry(
            "D",
            "${A:-z}#nc",
            "${A:-z}#nc",
            None,
            Template((Substitution("A", ":-", Template((Literal("z"),))), Literal("#nc"))),
            5,
            1,
        ),
        EnvEntry("E", "", "", None, None, 6, 1, inherited=True),
    ]


def test_interpolates_flag() -> None:
    a, b, c, d = parse_env_file("A=1\nB='2'\nC=\"$A\"\nD\n", ".env")
    assert (a.interpolates, b.interpolates, c.interpolates, d.interpolates) == (True, False, True, False)
