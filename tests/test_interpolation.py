"""Compose interpolation: parse, evaluate, to_bake.

Fixture environment in the style of compose-go's tests: FOO is set, BAR is set to the
empty string, every other name is unset.  Expected values were checked against the real
`docker compose config` (see test_interpolation_oracle.py, which re-checks many of them).
"""

from __future__ import annotations

import itertools
import re

import pytest

from bakegen.interpolation import (
    Alias,
    BakeTemplate,
    InterpolationError,
    Literal,
    RequiredVariableError,
    Substitution,
    SubstitutionMemo,
    Template,
    evaluate,
    parse,
    to_bake,
)

ENV = {"FOO": "first", "BAR": "", "JSON": '{"json":2}'}


def run(text: str, env: dict[str, str] | None = None, eager: bool = False) -> str:
    return evaluate(parse(text), (ENV if env is None else env).get, eager=eager)


# (template, expected value under ENV)
VALUES = [
    # plain text and `$` that does not start anything
    ("", ""),
    ("plain", "plain"),
    ("a$", "a$"),
    ("$", "$"),
    ("$1x", "$1x"),
    ("$-x", "$-x"),
    ("$ {FOO}", "$ {FOO}"),
    ("100%", "100%"),
    ("%{FOO}", "%{FOO}"),
    ("$$", "$"),
    ("$$$", "$$"),
    ("$$$$", "$$"),
    ("$$FOO", "$FOO"),
    ("$${FOO}", "${FOO}"),
    ("$$$FOO", "$first"),
    ("$$${FOO}", "$first"),
    ("a}b{c", "a}b{c"),
    # simple forms
    ("$FOO", "first"),
    ("${FOO}", "first"),
    ("x$FOO.y", "xfirst.y"),
    ("$FOO-bar", "first-bar"),
    ("$FOObar", ""),
    ("${FOO}bar", "firstbar"),
    ("$BAR", ""),
    ("${UNSET}", ""),
    ("$_", ""),
    ("${_}", ""),
    ("${foo}", ""),  # names are case-sensitive lookups
    ("[$\u017fx]", "[]"),  # Go's case folding: long s and the Kelvin sign are name chars
    ("[${\u212a}]", "[]"),
    ("[$FOO\u017f]", "[]"),
    ("[$\u00e9]", "[$\u00e9]"),
    ("${FOO}${FOO}", "firstfirst"),
    ("${FOO}}", "first}"),
    # :- (unset or empty)
    ("${FOO:-d}", "first"),
    ("${BAR:-d}", "d"),
    ("${UNSET:-d}", "d"),
    ("${UNSET:-}", ""),
    # - (unset only)
    ("${FOO-d}", "first"),
    ("${BAR-d}", ""),
    ("${UNSET-d}", "d"),
    # :+ (set and non-empty)
    ("${FOO:+r}", "r"),
    ("${BAR:+r}", ""),
    ("${UNSET:+r}", ""),
    # + (set, even empty)
    ("${FOO+r}", "r"),
    ("${BAR+r}", "r"),
    ("${UNSET+r}", ""),
    # ? / :? when satisfied
    ("${FOO:?err}", "first"),
    ("${FOO?err}", "first"),
    ("${BAR?err}", ""),
    # the operator is the first one after the name; the rest belongs to the argument
    ("${UNSET-va:-lu:?e}", "va:-lu:?e"),
    ("${UNSET:-a-b}", "a-b"),
    ("${FOO+va?lu-e}", "va?lu-e"),
    ("${UNSET:-a:b}", "a:b"),
    ("${UNSET-$}", "$"),
    ("${UNSET-$$}", "$"),
    ("${UNSET-a$1}", "a$1"),
    # nesting
    ("${UNSET:-${BAR-x}}", ""),
    ("${UNSET:-${BAR:-${FOO}}}", "first"),
    ("${UNSET-$FOO}", "first"),
    ("${UNSET-${FOO} ${FOO}}", "first first"),
    ("${BAR:-$FOO}", "first"),
    ("${BAR+$FOO ${FOO:+second}}", "first second"),
    ("${FOO:+${UNSET-d}}", "d"),
    ("${FOO:+${BAR:+x}}", ""),
    ("${UNSET-$${FOO}}", "${FOO}"),
    # braces inside arguments, as compose counts them
    ('${UNSET:-{"json":1}}', '{"json":1}'),
    ('${JSON:-{"json":1}}', '{"json":2}'),
    ("${UNSET:-{}}", "{}"),
    ("${UNSET:-{}}x}", "{}}x"),  # compose's counter skips the char after `{`
    ("${UNSET:-a}b}", "ab}"),
    ("${UNSET:-{x}", "{x"),
    ("${UNSET-x}${FOO}", "xfirst"),
    ("${UNSET-x}${BAR-y}z", "xz"),
    ("${UNSET-x}\n${FOO}", "x\nfirst"),
    # several on a line, newlines between
    ("a ${FOO} b ${UNSET:-c} d", "a first b c d"),
    ("line1\n$FOO\n${BAR:-e}", "line1\nfirst\ne"),
]


@pytest.mark.parametrize(("text", "expected"), VALUES, ids=[repr(v[0]) for v in VALUES])
def test_evaluate(text: str, expected: str) -> None:
    assert run(text) == expected


# (template, compose's exact error message under ENV)
REQUIRED = [
    ("${UNSET:?Mandatory Variable Unset}", "required variable UNSET is missing a value: Mandatory Variable Unset"),
    ("${BAR:?Mandatory Variable Empty}", "required variable BAR is missing a value: Mandatory Variable Empty"),
    ("${UNSET:?}", "required variable UNSET is missing a value"),
    ("${UNSET?Mandatory Variable Unset}", "required variable UNSET is missing a value: Mandatory Variable Unset"),
    ("${UNSET?}", "required variable UNSET is missing a value"),
    ("not ok ${UNSET:?Mandatory ${FOO}}", "required variable UNSET is missing a value: Mandatory first"),
    ("${UNSET?$BAR}", "required variable UNSET is missing a value"),
    ("${UNSET?bar-baz}", "required variable UNSET is missing a value: bar-baz"),
    ("${UNSET:-${BAR:?inner}}", "required variable BAR is missing a value: inner"),
    ("${FOO}${UNSET?first}${BAR:?second}", "required variable UNSET is missing a value: first"),
    ("${UNSET?a${UNSET2?b}}", "required variable UNSET2 is missing a value: b"),
]


@pytest.mark.parametrize(("text", "message"), REQUIRED, ids=[repr(v[0]) for v in REQUIRED])
def test_required(text: str, message: str) -> None:
    with pytest.raises(RequiredVariableError) as info:
        run(text)
    assert info.value.message == message
    assert str(info.value) == message


def test_required_attributes() -> None:
    with pytest.raises(RequiredVariableError) as info:
        run("${UNSET:?why ${FOO}}")
    assert (info.value.name, info.value.reason) == ("UNSET", "why first")


# Arguments are lazy (compose-go >= v2.10.1) unless eager=True (compose <= v2.40).
LAZY_VS_EAGER = [
    ("${FOO:-${UNSET?x}}", "first", "required variable UNSET is missing a value: x"),
    ("${UNSET:+${UNSET2?x}}", "", "required variable UNSET2 is missing a value: x"),
    ("${FOO?${UNSET:?m}}", "first", "required variable UNSET is missing a value: m"),
]


@pytest.mark.parametrize(("text", "lazy", "eager_error"), LAZY_VS_EAGER)
def test_lazy_and_eager_arguments(text: str, lazy: str, eager_error: str) -> None:
    assert run(text) == lazy
    with pytest.raises(RequiredVariableError, match="^" + eager_error.replace("$", r"\$") + "$"):
        run(text, eager=True)


# (template, offset of the bad `$`, the text compose quotes in its error)
INVALID = [
    ("${", 0, "${"),
    ("${}", 0, "${}"),
    ("x ${}", 2, "x ${}"),
    ("${1X}", 0, "${1X}"),
    ("${FOO", 0, "${FOO"),
    ("${FOO:x}", 0, "${FOO:x}"),
    ("${FOO x}", 0, "${FOO x}"),
    ("${FOO:}", 0, "${FOO:}"),
    ("${FOO-x", 0, "${FOO-x"),
    ("${ FOO}", 0, "${ FOO}"),
    ("${-FOO}", 0, "${-FOO}"),
    ("${FOO:-x\ny}", 0, "${FOO:-x\ny}"),  # a braced form never spans lines
    ("${FOO\n}", 0, "${FOO\n}"),
    ("ok $FOO ${", 8, "ok $FOO ${"),
    # inside an argument compose quotes the argument; after a cut match, the tail
    ("a${UNSET:-${}}", 10, "${}"),
    ("${FOO:-${}}", 7, "${}"),  # even where the branch is not taken (see module doc)
    ("${FOO-x}${}", 8, "${}"),
    ("${FOO-x}y${1}", 9, "y${1}"),
    ("${UNSET:-x ${1}}", 11, "x ${1}"),
]


@pytest.mark.parametrize(("text", "offset", "quoted"), INVALID, ids=[repr(v[0]) for v in INVALID])
def test_invalid(text: str, offset: int, quoted: str) -> None:
    with pytest.raises(InterpolationError) as info:
        parse(text)
    assert info.value.offset == offset
    assert info.value.template == quoted
    assert info.value.message.startswith("invalid interpolation format")
    assert "$$" in info.value.message


def test_invalid_messages_say_what_is_wrong() -> None:
    def message(text: str) -> str:
        with pytest.raises(InterpolationError) as info:
            parse(text)
        return info.value.message

    assert "no variable name" in message("${}")
    assert "must start with a letter or '_', not '1'" in message("${1X}")
    assert "not closed" in message("${FOO")
    assert "unexpected ':' after '${FOO'" in message("${FOO:x}")


def test_parse_structure() -> None:
    assert parse("") == Template(())
    assert parse("a$$b") == Template((Literal("a$b"),))
    assert parse("x${A:-y$B}z") == Template(
        (
            Literal("x"),
            Substitution("A", ":-", Template((Literal("y"), Substitution("B")))),
            Literal("z"),
        )
    )
    assert parse("$A${B}") == Template((Substitution("A"), Substitution("B")))
    assert parse("${A-}") == Template((Substitution("A", "-", Template(())),))


def test_template_accessors() -> None:
    template = parse("x${A:-${B+$C}}$D")
    assert template.variables() == frozenset({"A", "B", "C", "D"})
    assert not template.is_literal()
    with pytest.raises(ValueError):
        template.literal_text()
    literal = parse("a$$b$1")
    assert literal.is_literal()
    assert literal.literal_text() == "a$b$1"
    assert literal.variables() == frozenset()


@pytest.mark.parametrize("op", [":-", "-", ":+", "+", ":?", "?"])
@pytest.mark.parametrize("state", ["set", "empty", "unset"])
def test_operator_truth_table(op: str, state: str) -> None:
    env = {"set": {"V": "v"}, "empty": {"V": ""}, "unset": {}}[state]
    expected = {
        (":-", "set"): "v", (":-", "empty"): "d", (":-", "unset"): "d",
        ("-", "set"): "v", ("-", "empty"): "", ("-", "unset"): "d",
        (":+", "set"): "d", (":+", "empty"): "", (":+", "unset"): "",
        ("+", "set"): "d", ("+", "empty"): "d", ("+", "unset"): "",
        (":?", "set"): "v", (":?", "empty"): None, (":?", "unset"): None,
        ("?", "set"): "v", ("?", "empty"): "", ("?", "unset"): None,
    }[(op, state)]  # fmt: skip
    text = "${V" + op + "d}"
    if expected is None:
        with pytest.raises(RequiredVariableError, match="^required variable V is missing a value: d$"):
            run(text, env)
    else:
        assert run(text, env) == expected


# ------------------------------------------------------------------------- to_bake

NULLABLE = {"N", "M", "U"}  # default null in bake; S, T have string defaults


def bake(text: str) -> BakeTemplate:
    return to_bake(parse(text), lambda name: name in NULLABLE)


# (compose template, bake template text)
TO_BAKE = [
    ("", ""),
    ("plain", "plain"),
    ("a$$b", "a$b"),
    ("$${S}", "$${S}"),
    ("%{x}", "%%{x}"),
    ("100%", "100%"),
    ("a$1", "a$1"),
    ("$$$${S}", "$$${S}"),
    ('say "hi" \\ there', 'say "hi" \\ there'),  # top level: JSON escaping comes later
    ("${S}", "${S}"),
    ("$S", "${S}"),
    ("${N}", '${N != null ? N : ""}'),
    ("img:${S}-${T}", "img:${S}-${T}"),
    ("$$${S}", '${"$"}${S}'),
    ("x$$$$${S}", 'x${"$$"}${S}'),
    ("$$${N}", '${"$"}${N != null ? N : ""}'),
    ("${S:-d}", '${S != "" ? S : "d"}'),
    ("${N:-d}", '${N != null && N != "" ? N : "d"}'),
    ("${S-d}", "${S}"),  # a string-default variable is never unset
    ("${N-d}", '${N != null ? N : "d"}'),
    ("${S:+r}", '${S != "" ? "r" : ""}'),
    ("${N:+r}", '${N != null && N != "" ? "r" : ""}'),
    ("${S+r}", "r"),
    ("${S+r$S}", "r${S}"),
    ("${N+r}", '${N != null ? "r" : ""}'),
    ("${S:-}", '${S != "" ? S : ""}'),
    # nesting: defaults are expressions, chains read right-associatively
    ("${S:-${T:-x}}", '${S != "" ? S : T != "" ? T : "x"}'),
    ("${N:-${M:-$S}}", '${N != null && N != "" ? N : M != null && M != "" ? M : S}'),
    ("${S:+${N-d}}", '${S != "" ? (N != null ? N : "d") : ""}'),
    ("${S:-pre-${T}-post}", '${S != "" ? S : "pre-${T}-post"}'),
    ("${S:-a$$${T}}", '${S != "" ? S : "a${"$"}${T}"}'),
    ("${S:-a$${T}}", '${S != "" ? S : "a$${T}"}'),
    ('${S:-{"json":1}}', '${S != "" ? S : "{\\"json\\":1}"}'),
    ("${S:-a\\b}", '${S != "" ? S : "a\\\\b"}'),
    ("${S:-a\tb%{c}}", '${S != "" ? S : "a\\tb%%{c}"}'),
    ("${S:-${T+$${x}}}", '${S != "" ? S : "$${x}"}'),
    ("x${S}y${N:-z}$$", 'x${S}y${N != null && N != "" ? N : "z"}$'),
]


@pytest.mark.parametrize(("text", "expected"), TO_BAKE, ids=[repr(v[0]) for v in TO_BAKE])
def test_to_bake_text(text: str, expected: str) -> None:
    result = bake(text)
    assert result.text == expected
    assert result.validations == ()


# (compose template, bake text, validations)
TO_BAKE_REQUIRED = [
    ("${N:?m}", '${N != null ? N : ""}', (("N", '${N != null && N != ""}', "required variable N is missing a value: m"),)),
    ("${N?m}", '${N != null ? N : ""}', (("N", "${N != null}", "required variable N is missing a value: m"),)),
    ("${S:?m}", "${S}", (("S", '${S != ""}', "required variable S is missing a value: m"),)),
    ("${S?m}", "${S}", ()),  # never unset
    ("${N:?}", '${N != null ? N : ""}', (("N", '${N != null && N != ""}', "required variable N is missing a value"),)),
    (
        "${N:?set $${N} or %{x}}",
        '${N != null ? N : ""}',
        (("N", '${N != null && N != ""}', "required variable N is missing a value: set $${N} or %%{x}"),),
    ),
    (
        "${N:?need ${S}}",
        '${N != null ? N : ""}',
        (("N", '${N != null && N != ""}', "required variable N is missing a value: need ${S}"),),
    ),
    (
        "${N?$S}",
        '${N != null ? N : ""}',
        (("N", "${N != null}", 'required variable N is missing a value${S != "" ? ": ${S}" : ""}'),),
    ),
    # a check inside an argument applies only when that argument is used
    (
        "${S:-${N:?m}}",
        '${S != "" ? S : N != null ? N : ""}',
        (("N", '${S != "" || N != null && N != ""}', "required variable N is missing a value: m"),),
    ),
    (
        "${M-${S:+${N?m}}}",
        '${M != null ? M : S != "" ? (N != null ? N : "") : ""}',
        (("N", '${M != null || S == "" || N != null}', "required variable N is missing a value: m"),),
    ),
]


@pytest.mark.parametrize(
    ("text", "expected", "validations"), TO_BAKE_REQUIRED, ids=[repr(v[0]) for v in TO_BAKE_REQUIRED]
)
def test_to_bake_required(text: str, expected: str, validations: tuple[tuple[str, str, str], ...]) -> None:
    result = bake(text)
    assert result.text == expected
    assert result.validations == validations


def test_to_bake_with_a_shared_memo_gives_the_same_results() -> None:
    """The memo of top-level substitutions (one per compile) changes nothing: every template
    compiled twice through one memo, the second time from it, and inside longer texts."""
    memo: SubstitutionMemo = {}
    texts = [text for text, *_ in TO_BAKE + TO_BAKE_REQUIRED]
    texts += ["pre-" + text + "-" + other for text in texts for other in ("${N:?m}", "$S", "")]
    for text in texts * 2:
        expected = bake(text)
        memoized = to_bake(parse(text), lambda name: name in NULLABLE, memo=memo)
        assert (memoized.text, memoized.validations) == (expected.text, expected.validations), text
    assert Substitution("N", ":?", parse("m")) in memo


@pytest.mark.parametrize("name", ["null", "true", "false", "for", "in", "if", "endif", "else", "endfor"])
def test_to_bake_rejects_hcl_keywords(name: str) -> None:
    with pytest.raises(InterpolationError, match="HCL keyword"):
        bake("x${" + name + ":-d}")
    with pytest.raises(InterpolationError, match="HCL keyword"):
        bake("${S:-$" + name + "}")


def test_to_bake_rejects_names_bake_cannot_declare() -> None:
    with pytest.raises(InterpolationError, match="not a valid HCL identifier"):
        bake("$FOO\u017f")


def test_to_bake_keyword_check_is_case_sensitive() -> None:
    assert bake("${NULL}").text == "${NULL}"


def test_to_bake_rejects_required_inside_required_message() -> None:
    with pytest.raises(InterpolationError, match="error message"):
        bake("${N:?${M:?inner}}")


# ----------------------------------------- to_bake, evaluated with buildx's semantics
#
# bakegen.bake (the real evaluator, checked against buildx) drives the same check in
# test_interpolation_oracle.py.  This small reader covers only the HCL that to_bake emits,
# with the rules BAKE-FACTS.md and shared bake-cases record: `$${` and `%%{` escapes
# (scanned left to right), string escapes inside quotes, `==`/`!=`/`&&`/`||`/`?:` with
# short-circuit, `null`, and an error when null is interpolated into a string.


class _BakeError(Exception):
    pass


class _HclReader:
    def __init__(self, text: str, variables: dict[str, str | None]) -> None:
        self.text = text
        self.pos = 0
        self.variables = variables

    def template(self, quoted: bool) -> str:
        out: list[str] = []
        text = self.text
        while self.pos < len(text):
            c = text[self.pos]
            if quoted and c == '"':
                return "".join(out)
            if text.startswith("$${", self.pos) or text.startswith("%%{", self.pos):
                out.append(text[self.pos + 1 : self.pos + 3])
                self.pos += 3
            elif text.startswith("%{", self.pos):
                raise _BakeError("Invalid template control keyword")
            elif text.startswith("${", self.pos):
                self.pos += 2
                value = self.expression()
                self.expect("}")
                if value is None:
                    raise _BakeError("null interpolated into a string")
                assert isinstance(value, str), value
                out.append(value)
            elif quoted and c == "\\":
                nxt = text[self.pos + 1]
                if nxt == "u":
                    out.append(chr(int(text[self.pos + 2 : self.pos + 6], 16)))
                    self.pos += 6
                else:
                    out.append({"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}[nxt])
                    self.pos += 2
            else:
                assert not (quoted and c in "\n\t"), "raw control character in a quoted string"
                out.append(c)
                self.pos += 1
        assert not quoted, "unterminated string"
        return "".join(out)

    def skip(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] == " ":
            self.pos += 1

    def expect(self, token: str) -> None:
        self.skip()
        assert self.text.startswith(token, self.pos), (token, self.text[self.pos :])
        self.pos += len(token)

    def peek(self, token: str) -> bool:
        self.skip()
        return self.text.startswith(token, self.pos)

    # Each level takes `run`: False while parsing a branch that short-circuit skips.
    def expression(self, run: bool = True) -> object:
        condition = self.logical("||", run)
        if not self.peek("?"):
            return condition
        self.expect("?")
        assert not run or isinstance(condition, bool), condition
        then = self.expression(run and condition is True)
        self.expect(":")
        other = self.expression(run and condition is False)
        return then if condition else other

    def logical(self, op: str, run: bool) -> object:
        left = self.logical("&&", run) if op == "||" else self.comparison(run)
        while self.peek(op) and not self.peek(op + op[0]):
            self.expect(op)
            assert not run or isinstance(left, bool)
            decided = left is (op == "||")
            right = self.logical("&&", run and not decided) if op == "||" else self.comparison(run and not decided)
            if run and not decided:
                assert isinstance(right, bool)
                left = right
        return left

    def comparison(self, run: bool) -> object:
        left = self.primary(run)
        for op in ("==", "!="):
            if self.peek(op):
                self.expect(op)
                right = self.primary(run)
                return (left == right) == (op == "==")
        return left

    def primary(self, run: bool) -> object:
        self.skip()
        text = self.text
        if self.peek("("):
            self.expect("(")
            value = self.expression(run)
            self.expect(")")
            return value
        if self.peek('"'):
            self.pos += 1
            if not run:  # read the string without evaluating what is inside it
                saved = dict(self.variables)
                self.variables = {k: "" for k in saved}
                try:
                    value: object = self.template(quoted=True)
                finally:
                    self.variables = saved
            else:
                value = self.template(quoted=True)
            self.expect('"')
            return value
        match = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*").match(text, self.pos)
        assert match, text[self.pos :]
        self.pos = match.end()
        name = match.group(0)
        if name == "null":
            return None
        if name not in self.variables:
            raise _BakeError(f"unknown variable {name}")
        return self.variables[name]


def _bake_value(result: BakeTemplate, variables: dict[str, str | None]) -> str:
    """What buildx gives for the template, validations first (or _BakeError)."""
    failed = []
    for _name, condition, message in result.validations:
        assert condition.startswith("${") and condition.endswith("}")
        reader = _HclReader(condition[2:-1], variables)
        ok = reader.expression()
        assert reader.pos == len(condition) - 3 and isinstance(ok, bool)
        if not ok:
            failed.append(_HclReader(message, variables).template(quoted=False))
    if failed:
        raise _BakeError(*failed)
    return _HclReader(result.text, variables).template(quoted=False)


SEMANTIC_TEMPLATES = sorted(
    {t for t, _ in VALUES} | {t for t, _ in REQUIRED} | {t for t, _ in TO_BAKE}
    | {t for t, _, _ in TO_BAKE_REQUIRED}
    | {"${A:-${B:+${C?c}}}x", "${A?$$${B}}", "${A:?${B:-}}", "${A-a$$}", "x$$$$${A}y$$"}
)  # fmt: skip


@pytest.mark.parametrize("nullable", [True, False], ids=["default-null", "default-string"])
@pytest.mark.parametrize("text", SEMANTIC_TEMPLATES)
def test_to_bake_means_what_compose_means(text: str, nullable: bool) -> None:
    template = parse(text)
    try:
        result = to_bake(template, lambda _name: nullable)
    except InterpolationError as error:
        # refused by design: a `?` check inside another's message; names HCL cannot declare
        assert "?" in text or "not a valid HCL identifier" in error.message
        return
    names = sorted(template.variables())
    values: list[str | None] = [None, "", "v", "${x}$%{y}\"\\"]
    for combo in itertools.product(values, repeat=len(names)):
        environ = {n: v for n, v in zip(names, combo) if v is not None}
        default = None if nullable else "dflt"
        variables = {n: environ.get(n, default) for n in names}
        try:
            want: str | None = evaluate(template, variables.get)
            message = ""
        except RequiredVariableError as error:
            want, message = None, error.message
        if want is not None:
            assert _bake_value(result, variables) == want, (text, variables, result)
        else:
            with pytest.raises(_BakeError) as info:
                _bake_value(result, variables)
            assert message in info.value.args, (text, variables, result)


# compose sets COMPOSE_PROJECT_NAME to the project's name, never empty, whatever the environment.
ALIASES = [
    ("${P}", Alias("shop"), "shop"),
    ("$P-${P:-d}-${P-d}-${P:+r}-${P+r}-${P:?m}-${P?m}", Alias("shop"), "shop-shop-shop-r-r-shop-shop"),
    ("x-${P:+${N}}", Alias("shop"), "x-${N != null ? N : \"\"}"),
    ("${P}", Alias("BAKEGEN_PROJECT", expression=True), "${BAKEGEN_PROJECT}"),
    ("a${P:-d}${P:+r}", Alias("BAKEGEN_PROJECT", expression=True), "a${BAKEGEN_PROJECT}r"),
    ("$${P}-${P}", Alias("a${b}"), "$${P}-a$${b}"),
]


@pytest.mark.parametrize(("text", "alias", "expected"), ALIASES, ids=[repr(v[0]) for v in ALIASES])
def test_to_bake_alias(text: str, alias: Alias, expected: str) -> None:
    result = to_bake(parse(text), lambda name: name in NULLABLE, aliases={"P": alias})
    assert (result.text, result.validations) == (expected, ())
