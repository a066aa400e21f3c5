"""Env-file entries (``dotenv``) → bake variable defaults, kept as compose templates.

compose interpolates each ``.env`` value while reading the file; a bake variable default is
evaluated later, seeing the other variables' final values.  Where the two mean the same the
value stays a template; where they would not, the entry is refused (``bake_defaults``).
"""

from __future__ import annotations

from bakegen.dotenv import EnvEntry
from bakegen.errors import Location, UserError
from bakegen.interpolation import Literal, Substitution, Template

__all__ = ["bake_defaults"]


def bake_defaults(entries: list[EnvEntry]) -> dict[str, Template | None]:
    """Each key's bake variable default, as a compose template (None: default null).

    ``entries``: every env file's entries, in the order compose reads them.  Compile each
    template with ``interpolation.to_bake``; literal ones (single quotes) come back as a
    literal Template.  The last definition of a key wins, as in compose.

    Compose interpolates each value while reading, looking in the environment first and
    then at the keys read so far; a bake default sees the other variables' final values
    (the environment's, else their defaults).  They mean the same, so the value is kept as
    a template, except where bake cannot say it (a UserError at the value's key):

    * a reference to a key defined only later in the files (compose sees only the
      environment there, bake would see the later default);
    * a reference to a key that is defined again later with another value;
    * a reference of a key to itself after an earlier definition, or with ``?``/``:?``.

    A self-reference with no earlier definition (``TAG=${TAG:-latest}``) is kept: the
    environment's TAG wins over the default anyway, so the default is the value with TAG
    unset (``latest``).  A bare ``KEY`` line passes the environment through, which is what
    a bake variable does anyway: it gives ``None`` only if the key is not defined at all.
    """
    last: dict[str, EnvEntry] = {}
    for entry in entries:
        if not entry.inherited:
            last[entry.name] = entry
    defined: dict[str, EnvEntry] = {}
    defaults: dict[str, Template | None] = {}
    for entry in entries:
        if entry.inherited:
            defaults.setdefault(entry.name, None)
            continue
        where = Location(entry.path, entry.line, entry.column)
        template = entry.template
        if template is None:
            assert entry.value is not None
            template = Template((Literal(entry.value),) if entry.value else ())
        for name in sorted(template.variables()):
            earlier = defined.get(name)
            if name == entry.name:
                if earlier is not None:
                    raise UserError(
                        f"{name} refers to itself after an earlier definition (line "
                        f"{earlier.line}{_in(earlier, entry)}); a bake variable default "
                        "cannot refer to its own variable: use another name",
                        where,
                    )
                continue
            if earlier is None and name in last:
                later = last[name]
                raise UserError(
                    f"{entry.name} refers to {name}, which is defined only later (line "
                    f"{later.line}{_in(later, entry)}): compose reads it from the environment "
                    "alone here, a bake variable default would see the later value; move "
                    f"the definition of {name} up",
                    where,
                )
            if earlier is not None and _differs(earlier, last[name]):
                later = last[name]
                raise UserError(
                    f"{entry.name} refers to {name}, which is defined again later (line "
                    f"{later.line}{_in(later, entry)}) with another value: compose uses the "
                    "earlier value here, a bake variable default would see the later one",
                    where,
                )
        if entry.name in template.variables():
            template = Template(tuple(_without_self(template, entry.name, where)))
        defaults[entry.name] = template
        defined[entry.name] = entry
    return defaults


def _without_self(template: Template, name: str, where: Location) -> list[Literal | Substitution]:
    """``template`` with ``name`` read as unset (merging adjacent literals)."""
    parts: list[Literal | Substitution] = []

    def add(part: Literal | Substitution) -> None:
        if isinstance(part, Literal) and parts and isinstance(parts[-1], Literal):
            parts[-1] = Literal(parts[-1].text + part.text)
        elif not (isinstance(part, Literal) and not part.text):
            parts.append(part)

    for part in template.parts:
        if isinstance(part, Literal):
            add(part)
            continue
        argument = part.argument
        if part.name != name:
            if argument is not None and name in argument.variables():
                argument = Template(tuple(_without_self(argument, name, where)))
            add(Substitution(part.name, part.operator, argument))
        elif part.operator in (":-", "-"):
            assert argument is not None
            for inner in _without_self(argument, name, where):
                add(inner)
        elif part.operator in (":?", "?"):
            raise UserError(
                f"{name} requires itself to be set ('${{{name}{part.operator}…}}'): compose "
                "fails reading the file unless the environment sets it, which a bake "
                "variable default cannot express; use another name",
                where,
            )
        # `$NAME`, `${NAME:+…}`, `${NAME+…}` with NAME unset: nothing
    return parts


def _in(other: EnvEntry, entry: EnvEntry) -> str:
    return "" if other.path == entry.path else f" of {other.path}"


def _differs(a: EnvEntry, b: EnvEntry) -> bool:
    return a is not b and (a.value, a.template) != (b.value, b.template)
