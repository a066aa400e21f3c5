"""YAML with positions: every mapping and sequence knows where it, its keys and its values are.

``load_yaml(text, path)`` composes the node graph with libyaml (``yaml.CSafeLoader``) when
PyYAML was built with it, then builds the Python values here, so that:

* maps are ``YamlMap`` (a ``dict``) and sequences ``YamlList`` (a ``list``), each with
  ``.location`` and the 1-based ``Location`` of every key / value / item;
* a duplicate key at any level is an error (compose rejects them; PyYAML silently keeps
  the last one), a second ``<<`` in one mapping too (go-yaml refuses it; PyYAML merges
  both: write ``<<: [*a, *b]``);
* alias expansion is budgeted (``MAX_ALIAS_NODES``), recursive aliases and nesting deeper
  than ``MAX_DEPTH`` fail cleanly (libyaml itself stops at 1000 nesting levels);
* compose's ``!reset`` and ``!override`` tags are kept on the parent container
  (``YamlMap.tag_of(key)`` / ``YamlList.tag_of(index)``) so a merge can honour them: a
  ``!reset`` value is ``None``, an ``!override`` value is the value as written.

Scalars: ``schema="yaml11"`` (the default) types them as PyYAML's SafeLoader does (YAML 1.1:
``yes``/``on`` are booleans, ``0755`` is octal, ``2001-12-14`` a timestamp; here timestamps
stay strings). ``schema="compose"`` types them as compose's Go YAML decoder (go-yaml v3)
does: only ``true``/``false`` (three spellings) are booleans, ``yes``/``on``/``y`` are
strings, ``0o17``/``0x1F``/``0b11`` and old-style ``017`` are ints, ``1_000`` is 1000,
integers up to 2**64-1 stay integers, and an unquoted date is a ``Timestamp`` (a ``str``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from typing import Any, Literal, overload

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bakegen.errors import Location, UserError
from bakegen.scalar_positions import ScalarLocation

__all__ = [
    "MAX_ALIAS_NODES",
    "MAX_DEPTH",
    "Timestamp",
    "YamlList",
    "YamlMap",
    "key_location_of",
    "load_compose_documents",
    "load_yaml",
    "load_yaml_documents",
    "location_at",
    "location_of",
    "location_or_whole",
    "node_at",
    "whole_location",
]

MAX_ALIAS_NODES = 100_000  # nodes built again through aliases, all documents together
MAX_DEPTH = 200  # levels of nesting after alias expansion; compose files use about ten

Schema = Literal["yaml11", "compose"]

_Loader: Any = getattr(yaml, "CSafeLoader", None) or yaml.SafeLoader
_MERGE_TAG = "tag:yaml.org,2002:merge"
_COMPOSE_TAGS = ("!reset", "!override")
_COLLECTION_TAGS = frozenset(f"tag:yaml.org,2002:{kind}" for kind in ("map", "omap", "pairs", "set", "seq"))
_SHAREABLE_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "timestamp")
)
# YAML's printable set (1.1 and 1.2 agree): C0 controls other than tab/LF/CR, DEL, C1
# controls other than NEL, surrogates and the two non-characters are not allowed anywhere.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
# The ASCII characters allowed: the fast check for an ASCII text (see _check_characters).
_PRINTABLE_ASCII = b"\t\n\r" + bytes(range(0x20, 0x7F))
_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))


class Timestamp(str):
    """An unquoted date/time under ``schema="compose"``: go-yaml decodes it as a time, which
    compose then rejects wherever its schema expects a string or number."""


class _Composer(_Loader):  # type: ignore[misc]
    """The loader's composer without the Python work it asks for on every node that a
    safe load does not need (measured at 1000 services: −105M instructions, about −8 ms):

    * ``descend_resolver`` / ``ascend_resolver`` follow path resolvers, which the safe
      loader has none of: here they are C no-ops instead of Python calls;
    * ``resolve`` tries a list of regexes on every plain scalar; without path resolvers
      its answer depends on its arguments only: here it is memoized (by lru_cache, in C).
    """

    descend_resolver = staticmethod(slice)  # (parent, index) -> a slice, thrown away
    ascend_resolver = staticmethod(tuple)  # () -> ()

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        # A resolver of its own, so that the loader and its cache make no reference cycle
        # (the run disables the garbage collector).
        self.resolve = functools.lru_cache(maxsize=None)(yaml.resolver.Resolver().resolve)


assert not _Composer.yaml_path_resolvers  # what makes the no-ops above exact


class YamlMap(dict):  # type: ignore[type-arg]
    """A mapping that remembers where it and each of its keys and values were written."""

    # Slots, not an instance __dict__: one dict less per mapping (and list) built (measured
    # at 1000 services, 7 000 containers: −30M instructions per render, −1.4 %).
    __slots__ = ("_keys", "_tags", "_values", "location")
    location: Location

    def __init__(self, location: Location, *args: Any, **kwargs: Any) -> None:
        if args or kwargs:  # the builder's new mappings start empty (−11M instructions at 1000 services)
            super().__init__(*args, **kwargs)
        self.location = location
        self._keys: dict[Any, Location] = {}
        self._values: dict[Any, Location] = {}
        self._tags: dict[Any, str] = {}

    def key_location(self, key: Any) -> Location:
        if key not in self:
            raise KeyError(key)
        return self._keys.get(key, self.location)

    def value_location(self, key: Any) -> Location:
        if key not in self:
            raise KeyError(key)
        return self._values.get(key, self.location)

    def tag_of(self, key: Any) -> str | None:
        """``!reset`` / ``!override`` when the value carried that compose tag."""
        return self._tags.get(key)

    def has_tags(self) -> bool:
        """True when some value here (not below) carries ``!reset`` / ``!override``."""
        return bool(self._tags)

    def put(
        self,
        key: Any,
        value: Any,
        key_location: Location | None = None,
        value_location: Location | None = None,
        tag: str | None = None,
    ) -> None:
        """Set a value together with its positions (``m[k] = v`` keeps the old ones)."""
        self[key] = value
        self._keys[key] = key_location or self.location
        self._values[key] = value_location or key_location or self.location
        if tag:
            self._tags[key] = tag
        else:
            self._tags.pop(key, None)

    def copy_entry(self, source: YamlMap, key: Any, value: Any = None, *, keep_value: bool = False) -> None:
        """Copy one entry of ``source`` (value replaced unless ``keep_value``), positions included."""
        self.put(
            key,
            source[key] if keep_value else value,
            source.key_location(key),
            source.value_location(key),
            source.tag_of(key),
        )

    def __delitem__(self, key: Any) -> None:
        super().__delitem__(key)
        self._keys.pop(key, None)
        self._values.pop(key, None)
        self._tags.pop(key, None)

    def pop(self, key: Any, *default: Any) -> Any:
        self._keys.pop(key, None)
        self._values.pop(key, None)
        self._tags.pop(key, None)
        return super().pop(key, *default)

    def __reduce__(self) -> Any:  # copy/pickle keep the positions
        return (_rebuild_map, (self.location, dict(self), self._keys, self._values, self._tags))


class YamlList(list):  # type: ignore[type-arg]
    """A sequence that remembers where it and each of its items were written."""

    __slots__ = ("_items", "_tags", "location")
    location: Location

    def __init__(self, location: Location, items: Any = ()) -> None:
        if items:
            super().__init__(items)
        self.location = location
        self._items: list[Location] = [location] * len(self)
        self._tags: dict[int, str] = {}

    def item_location(self, index: int) -> Location:
        if not -len(self) <= index < len(self):
            raise IndexError(index)
        return self._items[index] if len(self._items) == len(self) else self.location

    def tag_of(self, index: int) -> str | None:
        return self._tags.get(index)

    def has_tags(self) -> bool:
        """True when some item here (not below) carries ``!reset`` / ``!override``."""
        return bool(self._tags)

    def add(self, value: Any, location: Location | None = None, tag: str | None = None) -> None:
        """Append a value with its position."""
        if len(self._items) != len(self):  # plain list operations happened: positions lost
            self._items = [self.location] * len(self)
        self.append(value)
        self._items.append(location or self.location)
        if tag:
            self._tags[len(self) - 1] = tag

    def __reduce__(self) -> Any:
        return (_rebuild_list, (self.location, list(self), self._items, self._tags))


def _rebuild_map(location: Location, items: dict[Any, Any], keys: Any, values: Any, tags: Any) -> YamlMap:
    result = YamlMap(location, items)
    result._keys, result._values, result._tags = dict(keys), dict(values), dict(tags)
    return result


def _rebuild_list(location: Location, items: list[Any], positions: Any, tags: Any) -> YamlList:
    result = YamlList(location, items)
    result._items, result._tags = list(positions), dict(tags)
    return result


# -- positions of loaded values -----------------------------------------------------------------
# Values built elsewhere (plain dicts, defaults, test doubles) have no positions: each lookup
# falls back instead of failing, so a message without a position is still a message.
@overload
def location_of(container: Any, key: Any, fallback: Location) -> Location: ...
@overload
def location_of(container: Any, key: Any, fallback: Location | None = None) -> Location | None: ...
def location_of(container: Any, key: Any, fallback: Location | None = None) -> Location | None:
    """Where ``container[key]`` was written (an item of a list, a value of a mapping), else ``fallback``."""
    finder = getattr(container, "item_location" if isinstance(container, list) else "value_location", None)
    if finder is None:
        return fallback
    try:
        return finder(key)  # type: ignore[no-any-return]
    except (KeyError, IndexError, TypeError):
        return fallback


@overload
def whole_location(node: Any, fallback: Location) -> Location: ...
@overload
def whole_location(node: Any, fallback: Location | None = None) -> Location | None: ...
def whole_location(node: Any, fallback: Location | None = None) -> Location | None:
    """Where a container itself was written, else ``fallback``."""
    whole = getattr(node, "location", None)
    return whole if isinstance(whole, Location) else fallback


def location_or_whole(container: Any, key: Any) -> Location | None:
    """Where ``container[key]`` was written, else where the container itself was."""
    return location_of(container, key, whole_location(container))


@overload
def key_location_of(mapping: Any, key: Any, fallback: Location) -> Location: ...
@overload
def key_location_of(mapping: Any, key: Any, fallback: Location | None = None) -> Location | None: ...
def key_location_of(mapping: Any, key: Any, fallback: Location | None = None) -> Location | None:
    """Where the key ``key`` of ``mapping`` was written, else ``fallback``."""
    finder = getattr(mapping, "key_location", None)
    if finder is None:
        return fallback
    try:
        return finder(key)  # type: ignore[no-any-return]
    except (KeyError, TypeError):
        return fallback


def node_at(document: Any, path: Sequence[Any]) -> Any:
    """The value at ``path`` (keys and indexes) below ``document``; None when there is none."""
    node = document
    for part in path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def location_at(document: Any, path: Sequence[Any]) -> Location | None:
    """Where the value at ``path`` below ``document`` was written; None when it was not."""
    if not path:
        return whole_location(document)
    return location_of(node_at(document, path[:-1]), path[-1])


# -- entry points -----------------------------------------------------------------------------
def load_yaml(text: str | bytes, path: str, *, schema: Schema = "yaml11") -> Any:
    """The one document of a YAML file; an empty file is an error."""
    documents = load_yaml_documents(text, path, schema=schema)
    if not documents:
        raise UserError("the file is empty; expected a YAML document", Location(path, 1, 1))
    if len(documents) > 1:
        raise UserError("expected a single YAML document, found several", _second_document(text, path))
    return documents[0]


def load_yaml_documents(text: str | bytes, path: str, *, schema: Schema = "yaml11") -> list[Any]:
    """Every document of a YAML stream (compose reads them one after the other)."""
    return _load(text, path, schema)[0]


def load_compose_documents(text: str | bytes, path: str) -> tuple[list[Any], bool]:
    """The documents as ``load_yaml_documents(text, path, schema="compose")`` reads them, and
    whether any of them has a key typed as anything but a plain ``str`` or holds a
    ``Timestamp``: when not, compose's key check (``compose.shapes.check_string_keys``) has
    nothing to find."""
    documents, builder = _load(text, path, "compose")
    return documents, builder.unusual


def _load(text: str | bytes, path: str, schema: Schema) -> tuple[list[Any], _Builder]:
    text = _decode(text, path)
    _check_characters(text, path)
    composer: _Composer | None = None
    try:
        # yaml.compose_all, keeping the composer: the builder shares its resolver's cache.
        composer = _Composer(text)
        nodes = []
        while composer.check_node():
            nodes.append(composer.get_node())
    except yaml.MarkedYAMLError as error:
        raise _syntax_error(error, path) from None
    except yaml.YAMLError as error:  # reader errors carry no mark
        raise UserError(f"invalid YAML: {_first_line(str(error))}", Location(path)) from None
    except RecursionError:  # only the pure-Python composer recurses (libyaml stops at 1000)
        raise UserError("YAML nesting is too deep", Location(path)) from None
    finally:
        if composer is not None:
            composer.dispose()
    if schema == "compose" and "%YAML" in text:
        _check_compose_yaml_version(text, path)
    builder = _Builder(path, schema, text, composer.resolve)
    return [builder.build(node) for node in nodes if node is not None], builder


# -- text checks -------------------------------------------------------------------------------
def _decode(text: str | bytes, path: str) -> str:
    if isinstance(text, str):
        return text.removeprefix("\ufeff")
    encoding = "utf-8"
    for bom, name in _BOMS:
        if text.startswith(bom):
            text, encoding = text[len(bom) :], name
            break
    try:
        return text.decode(encoding)
    except UnicodeDecodeError as error:
        line, column = _line_column_of_byte(text, error.start)
        raise UserError(
            f"the file is not valid UTF-8 (byte 0x{text[error.start]:02x})", Location(path, line, column)
        ) from None


def _line_column_of_byte(data: bytes, offset: int) -> tuple[int, int]:
    head = data[:offset]
    line = head.count(b"\n") + 1
    last = head.rsplit(b"\n", 1)[-1]
    return line, len(last.decode("utf-8", errors="replace")) + 1


def _check_characters(text: str, path: str) -> None:
    # The regex tests a set of ranges per character; deleting the allowed bytes of an ASCII
    # text is a table lookup per byte (measured: 2.0 → 0.2 ms for 700 kB, 36M instructions).
    if text.isascii() and not text.encode("ascii").translate(None, _PRINTABLE_ASCII):
        return
    match = _FORBIDDEN.search(text)
    if match is None:
        return
    offset = match.start()
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    raise UserError(
        f"control character U+{ord(match.group()):04X} is not allowed in YAML", Location(path, line, column)
    )


def _check_compose_yaml_version(text: str, path: str) -> None:
    """compose's decoder (go-yaml) refuses a ``%YAML`` directive other than 1.1; libyaml takes 1.2."""
    for event in yaml.parse(text, Loader=_Loader):
        if not isinstance(event, yaml.DocumentStartEvent):
            continue
        version = event.version
        if version is not None and tuple(version) != (1, 1):
            mark = event.start_mark
            raise UserError(
                f"invalid YAML: found incompatible YAML document (compose reads YAML 1.1 only: remove the "
                f"%YAML {'.'.join(map(str, version))} line)",
                Location(path, mark.line + 1, mark.column + 1) if mark else Location(path),
            )


def _syntax_error(error: yaml.MarkedYAMLError, path: str) -> UserError:
    mark = error.problem_mark or error.context_mark
    problem = error.problem or "invalid YAML"
    if error.context and error.context_mark is not None and mark is error.problem_mark:
        problem = f"{problem} ({error.context} at line {error.context_mark.line + 1})"
    location = Location(path, mark.line + 1, mark.column + 1) if mark else Location(path)
    return UserError(f"invalid YAML: {_first_line(problem)}", location)


def _first_line(text: str) -> str:
    return " ".join(text.split())


def _second_document(text: str | bytes, path: str) -> Location:
    decoded = text if isinstance(text, str) else text.decode("utf-8", errors="replace")
    for number, line in enumerate(decoded.splitlines(), 1):
        if number > 1 and line.startswith("---"):
            return Location(path, number, 1)
    return Location(path)


# -- building values ---------------------------------------------------------------------------
class _Builder:
    """Builds values from nodes, counting alias expansions and guarding depth and cycles.

    Every node passes the guards once per time it is built (``enter``); a scalar is built in
    the loop of its mapping or sequence (``scalar_at``), a container through ``build``. A
    stream without aliases builds each node once: only its depth is guarded.
    """

    def __init__(self, path: str, schema: Schema, text: str, resolve: Callable[..., str]) -> None:
        self.path = path
        self.schema = schema
        self.text = text  # the stream, for the positions inside scalars (see string_location)
        self.visited: set[int] = set()
        self.expanded = 0
        self.active: set[int] = set()
        # A node is built again only through an alias, written `*name`: without a `*` in the
        # stream, no record of the nodes built is needed (measured at 1000 services: −58M
        # instructions per load, about −6 ms, for the set of 42 000 ids).
        self.aliases = "*" in text
        self.shielded = False  # building the value of an `!override` (see child)
        self.constructor = yaml.constructor.SafeConstructor()
        # The composer's memoized Resolver.resolve, which has seen every plain scalar already
        # (measured at 1000 services: −13M instructions, 6 000 resolutions fewer).
        self.resolve_tag = resolve
        self.implicit_tags: dict[str, str] = {}  # plain scalar text → its implicit YAML tag
        # text of a plain scalar → (its tag, its value): compose files repeat their scalars,
        # and typing one takes several calls (measured at 1000 services: 35 000 scalars,
        # 6 000 typed; −156M instructions, about −18 ms; keyed by the text alone, not by a
        # (tag, text) tuple: −18M more).
        self.plain_values: dict[str, tuple[str, Any]] = {}
        # Set when a key is not a plain `str` or a Timestamp is made: compose's key check
        # walks every document only then (measured at 1000 services: 8.6 ms for the walk).
        self.unusual = False

    def where(self, node: Node) -> Location:
        mark = node.start_mark
        return Location(self.path, mark.line + 1, mark.column + 1)

    def string_location(self, node: ScalarNode, value: str) -> Location:
        """Where a string was written whose characters do not sit one column after the other
        (quoted, block, or a plain scalar over several lines): a location that maps offsets
        in the string to their own line and column."""
        start, end = node.start_mark, node.end_mark
        return ScalarLocation(
            self.path, start.line + 1, start.column + 1, self.text, (start.index, end.index), node.style or "", value
        )

    # guards
    def enter(self, node: Node, depth: int) -> None:
        identity = id(node)
        if identity in self.visited or depth > MAX_DEPTH:
            self.check_entry(node, depth)
        self.visited.add(identity)

    def check_entry(self, node: Node, depth: int) -> None:
        """A node built again (an alias), or too deep: fail, or count the expansion."""
        identity = id(node)
        if identity in self.active:
            raise UserError("recursive YAML alias: a node refers to itself", self.where(node))
        if identity in self.visited:
            self.expanded += 1
            if self.expanded > MAX_ALIAS_NODES:
                raise UserError(
                    f"YAML aliases expand to more than {MAX_ALIAS_NODES} nodes (an alias bomb?)",
                    self.where(node),
                )
        if depth > MAX_DEPTH:
            raise UserError(f"YAML nesting is deeper than {MAX_DEPTH} levels", self.where(node))

    def build(self, node: Node, depth: int = 0) -> Any:
        if isinstance(node, ScalarNode):
            return self.scalar_at(node, depth)
        aliases = self.aliases
        if aliases:
            self.enter(node, depth)
            self.active.add(id(node))
        elif depth > MAX_DEPTH:
            self.check_entry(node, depth)
        if node.tag.startswith("!") and node.tag not in _COMPOSE_TAGS:
            raise UserError(f"unsupported YAML tag {node.tag}", self.where(node))
        if isinstance(node, MappingNode):
            result: Any = self.mapping(node, depth)
        else:
            assert isinstance(node, SequenceNode)  # a composed node is a scalar, a mapping or a sequence
            result = self.sequence(node, depth)
        if aliases:
            self.active.discard(id(node))  # (left in place on an error: that ends the whole load)
        return result

    # scalars
    def scalar_at(self, node: ScalarNode, depth: int) -> Any:
        """``enter`` and ``scalar``, sharing the value of a plain scalar seen before."""
        if self.aliases:
            identity = id(node)
            if identity in self.visited or depth > MAX_DEPTH:
                self.check_entry(node, depth)
            self.visited.add(identity)
        elif depth > MAX_DEPTH:
            self.check_entry(node, depth)
        if node.style:
            return self.scalar(node)
        seen = self.plain_values.get(node.value)
        if seen is not None and seen[0] == node.tag:
            return seen[1]
        value = self.scalar(node)
        # Only immutable values are shared (an odd tag such as `!!seq x` makes a list), and
        # no float: `x in items` tells two NaN objects apart.
        if node.tag in _SHAREABLE_TAGS and not isinstance(value, float):
            self.plain_values[node.value] = (node.tag, value)
        return value

    def scalar(self, node: ScalarNode) -> Any:
        plain = not node.style  # None (pure-Python composer) or "" (libyaml) when plain
        implicit_tag = self._implicit_tag(node.value) if plain else None
        if node.tag in _COMPOSE_TAGS:
            # `!override 5` is typed as the untagged scalar would be.
            if not plain:
                return node.value
            return _compose_plain_scalar(node.value) if self.schema == "compose" else self._typed(node, implicit_tag)
        if plain and self.schema == "compose" and node.tag == implicit_tag:
            if implicit_tag == "tag:yaml.org,2002:timestamp":
                self.unusual = True
                return Timestamp(node.value)
            return _compose_plain_scalar(node.value)
        return self._typed(node, node.tag)

    def _implicit_tag(self, text: str) -> str:
        # Cached: resolving tries a list of regexes, and compose files repeat their scalars.
        tag = self.implicit_tags.get(text)
        if tag is None:
            tag = self.implicit_tags[text] = self.resolve_tag(ScalarNode, text, (True, False))
        return tag

    def _typed(self, node: ScalarNode, tag: str | None) -> Any:
        if tag in ("tag:yaml.org,2002:str", "tag:yaml.org,2002:timestamp"):
            return node.value
        if tag in _COLLECTION_TAGS:
            # PyYAML would give an empty dict or list (and a set cannot even be a key); go-yaml
            # decodes such a scalar as if it were untagged, so compose files read it that way.
            if self.schema != "compose":
                raise UserError(f"the tag {_short_tag(tag)} needs a collection, not a scalar", self.where(node))
            if node.style or self._implicit_tag(node.value) == "tag:yaml.org,2002:timestamp":
                return node.value  # a tagged date is not decoded as a time (compose accepts it)
            return _compose_plain_scalar(node.value)
        if tag == "tag:yaml.org,2002:binary":
            raise UserError("binary (!!binary) values are not supported", self.where(node))
        if tag is None or not tag.startswith("tag:yaml.org,2002:") or tag == _MERGE_TAG:
            raise UserError(f"unsupported YAML tag {tag}", self.where(node))
        try:
            return self.constructor.construct_object(ScalarNode(tag, node.value, node.start_mark, node.end_mark))
        except yaml.YAMLError as error:
            raise UserError(f"invalid value for {tag}: {_first_line(str(error))}", self.where(node)) from None

    # collections
    def child(self, node: Node, depth: int) -> tuple[Any, Location, str | None]:
        """A value, where it was written, and the compose tag it carries; a ``!reset``
        value is not built.

        Below an ``!override`` no compose tag counts (``shielded``): compose-go's
        ResetProcessor returns an ``!override`` node without visiting it, so a ``!reset``
        inside keeps its value (`build: !override {entitlements: !reset [x]}` keeps `[x]`).
        """
        tag = node.tag
        if tag == "!reset" and not self.shielded:
            return None, self.where(node), tag
        if tag == "!override" and not self.shielded and not isinstance(node, ScalarNode):
            self.shielded = True
            try:
                value = self.build(node, depth + 1)
            finally:
                self.shielded = False
            return value, value.location, tag
        if isinstance(node, ScalarNode):
            value = self.scalar_at(node, depth + 1)
            start = node.start_mark
            if isinstance(value, str) and (node.style or start.line != node.end_mark.line):
                where = self.string_location(node, value)
            else:
                where = Location(self.path, start.line + 1, start.column + 1)
        else:
            value = self.build(node, depth + 1)
            where = value.location  # where(node), made once for the container and its entry
        return value, where, tag if tag == "!override" and not self.shielded else None

    # The two loops below fill a new container's position tables directly: what put() and
    # add() would do, without their checks (nothing to replace in a new container).
    def sequence(self, node: SequenceNode, depth: int) -> YamlList:
        result = YamlList(self.where(node))
        items, tags = result._items, result._tags
        for item in node.value:
            value, where, tag = self.child(item, depth)
            if tag:
                tags[len(result)] = tag
            result.append(value)
            items.append(where)
        return result

    def mapping(self, node: MappingNode, depth: int) -> YamlMap:
        result = YamlMap(self.where(node))
        keys, values, tags = result._keys, result._values, result._tags
        merges: list[Node] = []
        first_merge: Node | None = None
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                if first_merge is not None:
                    # go-yaml: `mapping key "<<" already defined at line N` (PyYAML merges both).
                    mark = first_merge.start_mark
                    raise UserError(
                        f"duplicate key '<<' (first defined at line {mark.line + 1}, column {mark.column + 1})",
                        self.where(key_node),
                    )
                first_merge = key_node
                merges.extend(self.merge_sources(value_node))
                continue
            if not isinstance(key_node, ScalarNode):
                raise UserError("a mapping key must be a scalar", self.where(key_node))
            key = self.scalar_at(key_node, depth + 1)
            if type(key) is not str:
                self.unusual = True
            if key in result:
                first = result.key_location(key)
                raise UserError(
                    f"duplicate key '{key}' (first defined at line {first.line}, column {first.column})",
                    self.where(key_node),
                )
            value, where, tag = self.child(value_node, depth)
            start = key_node.start_mark
            result[key] = value
            keys[key] = Location(self.path, start.line + 1, start.column + 1)
            values[key] = where
            if tag:
                tags[key] = tag
        # YAML merge keys: explicit keys win, then earlier sources over later ones.
        for source in merges:
            values_of_source = self.build(source, depth + 1)
            for key in values_of_source:
                if key not in result:
                    result.copy_entry(values_of_source, key, keep_value=True)
        return result

    def merge_sources(self, node: Node) -> list[Node]:
        """``<<: *a`` or ``<<: [*a, *b]``."""
        sources = node.value if isinstance(node, SequenceNode) else [node]
        for source in sources:
            if not isinstance(source, MappingNode):
                raise UserError("a merge key (<<) expects a mapping or a list of mappings", self.where(source))
        return list(sources)


# -- compose's scalar typing (go-yaml v3 resolve) -----------------------------------------------
_GO_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_GO_INT = re.compile(r"^[-+]?(0[bB][01]+|0[oO][0-7]+|0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$")


def _compose_plain_scalar(text: str) -> Any:
    if text in ("", "~", "null", "Null", "NULL"):
        return None
    if text in ("true", "True", "TRUE"):
        return True
    if text in ("false", "False", "FALSE"):
        return False
    if text in (".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"):
        return float("inf")
    if text in ("-.inf", "-.Inf", "-.INF"):
        return float("-inf")
    if text in (".nan", ".NaN", ".NAN"):
        return float("nan")
    if not text or not (text[0].isdigit() or text[0] in "+-."):
        return text
    plain = text.replace("_", "")
    if _GO_INT.match(plain):
        return _go_int(plain, text)
    if _GO_FLOAT.match(plain):
        return float(plain)
    return text


def _go_int(plain: str, text: str) -> Any:
    sign = -1 if plain.startswith("-") else 1
    digits = plain.lstrip("+-")
    lowered = digits.lower()
    if lowered.startswith(("0b", "0o", "0x")):
        value = int(digits, 0)
    elif len(digits) > 1 and digits.startswith("0"):
        value = int(digits, 8)  # go-yaml v3 still reads YAML 1.1's 0755 as octal
    else:
        value = int(digits)
    value *= sign
    # go-yaml tries int64, then uint64; past those the text is read as a float (or a string).
    if -(2**63) <= value < 2**64:
        return value
    return float(plain) if _GO_FLOAT.match(plain) else text


def _short_tag(tag: str) -> str:
    """``!!map`` for ``tag:yaml.org,2002:map``, as it is written."""
    return "!!" + tag.removeprefix("tag:yaml.org,2002:") if tag.startswith("tag:yaml.org,2002:") else tag
