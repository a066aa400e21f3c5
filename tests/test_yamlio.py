"""yamlio: values, positions, compose tags, and hostile input."""

from __future__ import annotations

import copy
import pickle
from pathlib import Path

import pytest
import yaml
from hostile_cases import CASES

from bakegen import yamlio
from bakegen.compose.shapes import check_string_keys
from bakegen.errors import Location, UserError
from bakegen.yamlio import (
    MAX_ALIAS_NODES,
    Timestamp,
    YamlList,
    YamlMap,
    load_compose_documents,
    load_yaml,
    load_yaml_documents,
)


def error_of(text: str | bytes, **kwargs: object) -> str:
    with pytest.raises(UserError) as caught:
        load_yaml(text, "f.yml", **kwargs)  # type: ignore[arg-type]
    return str(caught.value)


def test_positions_of_keys_values_and_items() -> None:
    data = load_yaml("top:\n  key: value\n  list:\n    - a\n    - {b: 1}\n", "f.yml")
    assert isinstance(data, YamlMap)
    assert data.location == Location("f.yml", 1, 1)
    top = data["top"]
    assert top.key_location("key") == Location("f.yml", 2, 3)
    assert top.value_location("key") == Location("f.yml", 2, 8)
    items = top["list"]
    assert isinstance(items, YamlList)
    assert items.location == Location("f.yml", 4, 5)
    assert items.item_location(0) == Location("f.yml", 4, 7)
    assert items.item_location(1) == Location("f.yml", 5, 7)
    assert items[1].key_location("b") == Location("f.yml", 5, 8)


def test_columns_count_characters_not_bytes() -> None:
    data = load_yaml("é: [ü, v]\n", "f.yml")
    assert data["é"].item_location(1) == Location("f.yml", 1, 8)


def test_unknown_keys_raise_key_error() -> None:
    data = load_yaml("a: 1\n", "f.yml")
    with pytest.raises(KeyError):
        data.value_location("b")
    with pytest.raises(IndexError):
        load_yaml("[1]\n", "f.yml").item_location(3)


def test_yaml11_scalars_by_default() -> None:
    data = load_yaml("a: yes\nb: 0755\nc: on\nd: 1_000\ne: ~\nf: 2001-12-14\ng: '1'\nh: 1.5\n", "f.yml")
    assert data == {"a": True, "b": 493, "c": True, "d": 1000, "e": None, "f": "2001-12-14", "g": "1", "h": 1.5}


def test_compose_schema_scalars_follow_go_yaml() -> None:
    text = "a: yes\nb: 0755\nc: on\nd: 1_000\ne: 0o17\nf: 0x1F\ng: True\nh: !!str 5\ni: n\nj: 1e3\nk: Null\n"
    data = load_yaml(text, "f.yml", schema="compose")
    assert data == {
        "a": "yes", "b": 493, "c": "on", "d": 1000, "e": 15, "f": 31,
        "g": True, "h": "5", "i": "n", "j": 1000.0, "k": None,
    }


def test_anchors_aliases_and_merge_keys() -> None:
    text = (
        "base: &base {a: 1, b: 2}\n"
        "other: &other {b: 3, c: 4}\n"
        "one:\n  <<: *base\n  a: 9\n"
        "many:\n  <<: [*base, *other]\n"
        "copy: *base\n"
    )
    data = load_yaml(text, "f.yml")
    assert data["one"] == {"a": 9, "b": 2}
    assert data["many"] == {"a": 1, "b": 2, "c": 4}  # earlier sources win
    assert data["copy"] == {"a": 1, "b": 2}
    assert data["copy"] is not data["base"]  # expanded, not shared
    assert data["one"].key_location("a") == Location("f.yml", 5, 3)
    assert data["one"].key_location("b") == Location("f.yml", 1, 20)  # where the anchor wrote it


def test_compose_tags_are_kept_on_the_parent() -> None:
    data = load_yaml("a: !reset []\nb: !override {x: 1}\nc: !override 5\nd: [!reset x, y]\n", "f.yml")
    assert data.tag_of("a") == "!reset" and data["a"] is None
    assert data.tag_of("b") == "!override" and data["b"] == {"x": 1}
    assert data["c"] == 5 and data.tag_of("c") == "!override"
    assert data["d"].tag_of(0) == "!reset" and data["d"].tag_of(1) is None
    assert data.tag_of("zzz") is None


def test_positions_survive_deepcopy() -> None:
    data = copy.deepcopy(load_yaml("a:\n  b: [1]\n", "f.yml"))
    assert data["a"].value_location("b") == Location("f.yml", 2, 6)
    assert data["a"]["b"].item_location(0) == Location("f.yml", 2, 7)


def test_positions_made_on_demand_behave_as_stored_ones() -> None:
    text = "a:\n  b: [1, x]\n  c: 'q'\n"
    # pickled before any position was read
    data = pickle.loads(pickle.dumps(load_yaml(text, "f.yml")))
    assert data["a"].key_location("b") == Location("f.yml", 2, 3)
    assert data["a"]["b"].item_location(1) == Location("f.yml", 2, 10)
    data = load_yaml(text, "f.yml")
    inner = data["a"]
    assert inner.value_location("b") is inner.value_location("b")  # made once
    inner["b"] = "replaced"  # a plain assignment keeps the position
    assert inner.value_location("b") == Location("f.yml", 2, 6)
    target = YamlMap(Location("g.yml", 9, 9))
    target.copy_entry(inner, "c", keep_value=True)
    assert (target["c"], target.key_location("c"), target.value_location("c")) == (
        "q", Location("f.yml", 3, 3), Location("f.yml", 3, 6),
    )
    assert target.value_location("c").at(1) == Location("f.yml", 3, 8)  # inside the quotes
    items = load_yaml("- a\n- b\n", "f.yml")
    items.append("c")  # a plain list operation: positions are lost, not wrong
    assert items.item_location(0) == items.location == Location("f.yml", 1, 1)


def test_several_documents() -> None:
    assert load_yaml_documents("a: 1\n---\nb: 2\n", "f.yml") == [{"a": 1}, {"b": 2}]
    assert error_of("a: 1\n---\nb: 2\n") == "f.yml:2:1: error: expected a single YAML document, found several"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: 1\na: 2\n", "f.yml:2:1: error: duplicate key 'a' (first defined at line 1, column 1)"),
        ("x:\n  - {b: 1, b: 2}\n", "f.yml:2:12: error: duplicate key 'b' (first defined at line 2, column 6)"),
        ("", "f.yml:1:1: error: the file is empty; expected a YAML document"),
        ("# nothing\n", "f.yml:1:1: error: the file is empty; expected a YAML document"),
        ("a: !foo x\n", "f.yml:1:4: error: unsupported YAML tag !foo"),
        ("a: !foo [1]\n", "f.yml:1:4: error: unsupported YAML tag !foo"),
        ("- !bar\n  - 1\n", "f.yml:1:3: error: unsupported YAML tag !bar"),
        ("a: &x !foo {b: 1}\nb: *x\n", "f.yml:1:4: error: unsupported YAML tag !foo"),
        ("[" * 201 + "!foo [x]" + "]" * 201, "f.yml:1:202: error: YAML nesting is deeper than 200 levels"),
        ("a: !!binary aGk=\n", "f.yml:1:4: error: binary (!!binary) values are not supported"),
        ("a: !!map x\n", "f.yml:1:4: error: the tag !!map needs a collection, not a scalar"),
        ("? !!set x\n: 1\n", "f.yml:1:3: error: the tag !!set needs a collection, not a scalar"),
        ("<<: 1\n", "f.yml:1:5: error: a merge key (<<) expects a mapping or a list of mappings"),
        ("? [a]\n: 1\n", "f.yml:1:3: error: a mapping key must be a scalar"),
        ("a: &a [*a]\n", "f.yml:1:4: error: recursive YAML alias: a node refers to itself"),
    ],
)
def test_errors(text: str, message: str) -> None:
    assert error_of(text) == message


@pytest.mark.skipif(not yaml.__with_libyaml__, reason="libyaml's wording; the pure-Python parser words these differently")
@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: [1\n", "f.yml:2:1: error: invalid YAML: did not find expected ',' or ']' (while parsing a flow sequence at line 1)"),
        ("a: b: c\n", "f.yml:1:5: error: invalid YAML: mapping values are not allowed in this context"),
        ("\t- a\n", "f.yml:1:1: error: invalid YAML: found character that cannot start any token (while scanning for the next token at line 1)"),
    ],
)
def test_syntax_errors(text: str, message: str) -> None:
    assert error_of(text) == message


def test_merge_key_duplicates_are_not_errors() -> None:
    assert load_yaml("b: &b {a: 1}\nc:\n  <<: *b\n  a: 2\n", "f.yml")["c"] == {"a": 2}


def test_alias_bomb_is_stopped() -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        prev, name = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 10) + "]")
    message = error_of("\n".join(lines) + "\n")
    assert message.endswith(f"error: YAML aliases expand to more than {MAX_ALIAS_NODES} nodes (an alias bomb?)")


def test_modest_alias_reuse_is_fine() -> None:
    text = "a: &a {k: [1, 2, 3]}\n" + "".join(f"s{i}: *a\n" for i in range(1000))
    assert len(load_yaml(text, "f.yml")) == 1001


@pytest.mark.parametrize("depth", [300, 1000, 100_000])
def test_deep_flow_nesting_fails_cleanly(depth: int) -> None:
    message = error_of("[" * depth + "]" * depth)
    assert "error: " in message and ("nesting" in message or "deeper" in message)


def test_deep_block_nesting_fails_cleanly() -> None:
    text = "".join("  " * i + "a:\n" for i in range(5000))
    message = error_of(text)  # libyaml stops at 1000 levels; the Python composer recurses
    assert "exceeded maximum nesting depth" in message or message == "f.yml: error: YAML nesting is too deep"


def test_alias_chains_cannot_nest_past_the_limit() -> None:
    lines = ["a0: &a0 [x]"] + [f"a{i}: &a{i} [*a{i - 1}]" for i in range(1, 300)]
    assert "nesting is deeper than" in error_of("\n".join(lines) + "\n")


def test_encodings() -> None:
    assert load_yaml("a: é\n".encode(), "f.yml") == {"a": "é"}
    assert load_yaml(b"\xef\xbb\xbfa: 1\n", "f.yml") == {"a": 1}
    assert load_yaml("\ufeffa: 1\n", "f.yml") == {"a": 1}
    assert load_yaml("a: 1\n".encode("utf-16"), "f.yml") == {"a": 1}
    assert error_of(b"a: 1\nb: \xff\n") == "f.yml:2:4: error: the file is not valid UTF-8 (byte 0xff)"
    assert error_of(b"a: \xc3\n") == "f.yml:1:4: error: the file is not valid UTF-8 (byte 0xc3)"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: \x00\n", "f.yml:1:4: error: control character U+0000 is not allowed in YAML"),
        ("a: b\nc: d\x1b\n", "f.yml:2:5: error: control character U+001B is not allowed in YAML"),
        ("a: \x7f\n", "f.yml:1:4: error: control character U+007F is not allowed in YAML"),
        # Not ASCII: the regex, not the fast path for ASCII texts, finds them.
        ("é: b\x01\n", "f.yml:1:5: error: control character U+0001 is not allowed in YAML"),
        ("a: \x9f\n", "f.yml:1:4: error: control character U+009F is not allowed in YAML"),
        ("a: \ufffe\n", "f.yml:1:4: error: control character U+FFFE is not allowed in YAML"),
    ],
)
def test_control_characters(text: str, message: str) -> None:
    assert error_of(text) == message


def test_ascii_fast_path_agrees_with_the_regex() -> None:
    for code in range(128):
        text = f"a: b{chr(code)}\n"
        forbidden = yamlio._FORBIDDEN.search(text) is not None
        try:
            yamlio._check_characters(text, "f.yml")
        except UserError:
            assert forbidden, code
        else:
            assert not forbidden, code


def test_escaped_control_characters_are_values() -> None:
    assert load_yaml('k: "\\x00\\t"\n', "f.yml") == {"k": "\x00\t"}


def test_compose_schema_big_integers_and_dates() -> None:
    data = load_yaml("a: 18446744073709551615\nb: 18446744073709551616\nc: 2001-12-14\n", "f.yml", schema="compose")
    assert data["a"] == 2**64 - 1  # go-yaml falls back to uint64
    assert data["b"] == float(2**64)  # and then to float64
    assert isinstance(data["c"], Timestamp) and data["c"] == "2001-12-14"


def test_a_collection_tag_on_a_scalar_reads_as_go_yaml_reads_it() -> None:
    """compose's decoder types `!!map 1` as the untagged scalar; PyYAML would make an empty
    dict of it, and of `? !!set x` an unhashable key (it was an internal error)."""
    text = "a: !!map 1\nb: !!seq x\n? !!set k\n: !!omap 'q'\nc: !!pairs 2001-12-14\nd: !!map\n"
    data = load_yaml(text, "f.yml", schema="compose")
    assert data == {"a": 1, "b": "x", "k": "q", "c": "2001-12-14", "d": None}
    assert [type(value).__name__ for value in data.values()] == ["int", "str", "str", "str", "NoneType"]
    assert (data.key_location("k"), data.value_location("k")) == (Location("f.yml", 3, 3), Location("f.yml", 4, 3))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # compose 2.40 (go-yaml): "yaml: found incompatible YAML document" for 1.2; 1.1 is read.
        (
            "%YAML 1.2\n---\na: 1\n",
            (
                "f.yml:1:1: error: invalid YAML: found incompatible YAML document "
                "(compose reads YAML 1.1 only: remove the %YAML 1.2 line)"
            ),
        ),
        (
            "a: 1\n...\n# next\n%YAML 1.2\n---\nb: 2\n",
            (
                "f.yml:4:1: error: invalid YAML: found incompatible YAML document "
                "(compose reads YAML 1.1 only: remove the %YAML 1.2 line)"
            ),
        ),
        ("%YAML 1.1\n---\na: '%YAML 1.2'\n", None),
    ],
)
def test_compose_reads_yaml_1_1_documents_only(text: str, message: str | None) -> None:
    if message is None:
        assert load_yaml_documents(text, "f.yml", schema="compose") == [{"a": "%YAML 1.2"}]
        return
    with pytest.raises(UserError) as raised:
        load_yaml_documents(text, "f.yml", schema="compose")
    assert str(raised.value) == message
    assert load_yaml_documents(text, "f.yml")  # the policy's reader keeps libyaml's acceptance


@pytest.mark.parametrize(
    ("text", "unusual"),
    [
        ("a: 1\nb: [x, 'y', 2.5, null, true]\nc: {d: '2001-12-14'}\n", False),
        ("a: 1\n1: x\n", True),
        ("a: {true: x}\n", True),
        ("~: x\n", True),
        ("a: 2001-12-14\n", True),
        ("a: [x, 2001-12-14 10:00:00]\n", True),
        ("x-a: 2001-12-14\n", True),  # an extension may hold one: the check decides
        ("2001-12-14: x\n", True),  # a Timestamp key: not plain `str`
        ("a: 1\n---\nb: [2001-12-14]\n", True),  # any document of the stream
        ("x: &d 2001-12-14\ny: *d\n", True),  # shared value: made once, seen twice
        ("a: &m {1: x}\nb: {<<: *m}\n", True),
        ("a: !!timestamp 2001-12-14\n", True),
        ("b: !override 2001-12-14\nc: !!str 2001-12-14\nd: '2001-12-14'\n", False),
        ("? !!set k\n: !!map 2001-12-14\n", False),  # decoded as plain strings (see above)
    ],
)
def test_compose_documents_say_whether_a_key_or_date_needs_checking(text: str, unusual: bool) -> None:
    documents, flag = load_compose_documents(text, "f.yml")
    assert documents == load_yaml_documents(text, "f.yml", schema="compose")
    assert flag is unusual


def test_the_key_check_finds_nothing_when_the_loader_saw_nothing_unusual() -> None:
    """Every YAML text of the tests: when compose's key check would fail, the flag is set."""
    texts = [path.read_bytes() for path in sorted(Path(__file__).parent.rglob("*.y*ml"))]
    texts += [
        text.encode()
        for case in CASES
        for name, text in case.files.items()
        if name.endswith("compose.yaml") and isinstance(text, str)
    ]
    keys, values = ("b", "1", "yes", "null", "2001-12-14"), ("c", "2001-12-14", "[2001-12-14]", "'2001-12-14'")
    texts += [f"a:\n  {key}: {value}\n".encode() for key in keys for value in values]
    failing = 0
    for text in texts:
        try:
            documents, unusual = load_compose_documents(text, "f.yml")
        except UserError:
            continue
        for document in documents:
            try:
                check_string_keys(document, "")
            except UserError:
                failing += 1
                assert unusual, text
    assert failing == 15  # 14 of them generated here


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[" * 201 + "x" + "]" * 201, "f.yml:1:202: error: YAML nesting is deeper than 200 levels"),
        ("{a: " * 201 + "x" + "}" * 201, "f.yml:1:802: error: YAML nesting is deeper than 200 levels"),
        ("[" * 201 + "[]" + "]" * 201, "f.yml:1:202: error: YAML nesting is deeper than 200 levels"),
        ("[" * 200 + "x" + "]" * 200, None),
        ("a: {<<: {b: 1}, c: '*'}\n", None),
        ("a: {b: 1, b: 2}\n", "f.yml:1:11: error: duplicate key 'b' (first defined at line 1, column 5)"),
    ],
)
def test_a_stream_without_aliases_is_guarded_and_built_as_one_with_them(text: str, message: str | None) -> None:
    """Without a `*` the builder keeps no record of the nodes it built (no alias can build one
    again): a `*` in a comment turns that record on and must change nothing."""
    if message is None:
        assert positions(load_yaml(text, "f.yml")) == positions(load_yaml(text + "\n# *\n", "f.yml"))
        return
    assert error_of(text) == error_of(text + "\n# *\n") == message


def positions(value: object) -> list[object]:
    """Every value and position below ``value``, in order."""
    if isinstance(value, YamlMap):
        entries = [(key, value.key_location(key), value.value_location(key)) for key in value]
        return [value.location, *entries, *(positions(item) for item in value.values())]
    if isinstance(value, YamlList):
        items = [(item, value.item_location(index)) for index, item in enumerate(value)]
        return [value.location, *items, *(positions(item) for item in value)]
    return [value]
