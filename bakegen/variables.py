"""Bake variables, and compose values compiled to bake templates that read them.

``Interpolator`` turns a compose value into bake template text (``template``) or a value bake
needs at compile time (``literal``), and records every variable either reads in ``Variables``,
so the compiled file declares exactly those (with env-file defaults and ``${V:?…}`` validations).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from bakegen import hcl
from bakegen.compose.model import IncludeEnv, Scalar
from bakegen.envfiles import VariableDefault
from bakegen.errors import Location, UserError

if TYPE_CHECKING:
    from bakegen.interpolation import Alias, SubstitutionMemo


class Variables:
    """The bake variables a compiled file declares, and their defaults."""

    __slots__ = ("defaults", "policy", "used", "validations")

    def __init__(self, defaults: dict[str, VariableDefault], policy: dict[str, str]) -> None:
        self.defaults = defaults  # compose / env-file variables
        self.policy = policy
        self.validations: dict[str, list[dict[str, str]]] = {}
        self.used: set[str] = set()

    def nullable(self, name: str) -> bool:
        default = self.defaults.get(name)
        return (default is None or default.text is None) and name not in self.policy

    def add_validation(self, name: str, condition: str, message: str) -> None:
        rules = self.validations.setdefault(name, [])
        rule = {"condition": condition, "error_message": message}
        if rule not in rules:
            rules.append(rule)


class Interpolator:
    """Compiles compose values for one bake file, declaring in ``variables`` what they read."""

    def __init__(self, variables: Variables, include_envs: Mapping[str, IncludeEnv]) -> None:
        self.variables = variables
        # Compiled templates by raw text: bake text (see template()).
        self._templates: dict[str, str] = {}
        # Files loaded by an include with env files: their values read its variables.
        self._include_envs = include_envs
        self._scoped_templates: dict[tuple[int, str], tuple[str, frozenset[str]]] = {}
        self._fallback_cache: dict[int, dict[str, tuple[str, frozenset[str]]]] = {}
        self._substitutions: SubstitutionMemo = {}  # for to_bake: one nullable() per compile
        # Variables compose sets itself (see ``alias``), and what reading each one records.
        self._aliases: dict[str, Alias] = {}
        self._alias_uses: dict[str, Callable[[], object]] = {}

    def alias(self, name: str, value: Alias, on_use: Callable[[], object] = lambda: None) -> None:
        """Compile ``${name}`` as ``value`` from now on (before any ``template``: the memo);
        ``on_use`` runs for each value reading it."""
        self._aliases[name] = value
        self._alias_uses[name] = on_use

    def _use(self, name: str, location: Location | None) -> None:
        on_use = self._alias_uses.get(name)
        if on_use is not None:
            on_use()
        else:
            self.use_variable(name, location)

    def template(self, raw: Scalar, location: Location | None) -> str:
        """A compose value as bake template text (``${…}`` live, literals escaped)."""
        if raw is None:
            return ""
        if isinstance(raw, bool):
            return "true" if raw else "false"
        if not isinstance(raw, str):
            return str(raw)
        if "$" not in raw:
            return hcl.escape_template_literal(raw)
        if self._include_envs and location is not None:
            scope = self._include_envs.get(location.path)
            if scope is not None:
                return self._scoped_template(raw, location, scope)
        cached = self._templates.get(raw)
        if cached is not None:
            # Cached: the same template text recurs across services. The result depends only on
            # the text and on nullable(), which is fixed for a compile; its variables were
            # declared (``used`` only grows) and its validations added on its first compile.
            return cached
        from bakegen.interpolation import InterpolationError, parse, to_bake

        try:
            parsed = parse(raw)
            names = parsed.variables()
            for name in names:
                self._use(name, location)
            compiled = to_bake(parsed, self.variables.nullable, memo=self._substitutions, aliases=self._aliases)
        except InterpolationError as error:
            raise UserError(error.message, _shift(location, error.offset)) from None
        for name, condition, message in compiled.validations:
            self.variables.add_validation(name, condition, message)
        self._templates[raw] = compiled.text
        return compiled.text

    def _scoped_template(self, raw: str, location: Location, scope: IncludeEnv) -> str:
        """``template`` for a value of a file an include loads with env files.

        compose reads a variable there from the environment when it is set (even empty),
        else from the include's env files (see ``compose.include``): each such variable that
        has no bake default becomes ``(V != null ? V : <env-file value>)``.  A variable with
        a bake default (a listed env file, the policy) is always set, so it wins, as the
        parent's ``.env`` does in compose.
        """
        key = (id(scope), raw)
        cached = self._scoped_templates.get(key)
        if cached is None:
            from bakegen.interpolation import InterpolationError, parse, to_bake

            fallbacks = self._fallbacks(scope)
            try:
                parsed = parse(raw)
                names = set(parsed.variables())
                view = {name: code for name, (code, _) in fallbacks.items() if self.variables.nullable(name)}
                for name in list(names):
                    if name in view:
                        names |= fallbacks[name][1]
                compiled = to_bake(parsed, self.variables.nullable, view, aliases=self._aliases)
            except InterpolationError as error:
                raise UserError(error.message, _shift(location, error.offset)) from None
            for name, condition, message in compiled.validations:
                self.variables.add_validation(name, condition, message)
            cached = self._scoped_templates[key] = (compiled.text, frozenset(names))
        text, used = cached
        for name in sorted(used):
            self._use(name, location)
        return text

    def _fallbacks(self, scope: IncludeEnv) -> dict[str, tuple[str, frozenset[str]]]:
        """An include's variables: name → (HCL expression of its env-file value, variables it reads).

        The outer include's values win over the scope's own (compose passes them down as
        environment); an own value is compiled seeing the outer ones and the keys before it.
        """
        cached = self._fallback_cache.get(id(scope))
        if cached is not None:
            return cached
        from bakegen.dotenv_defaults import bake_defaults
        from bakegen.interpolation import InterpolationError, to_bake

        result = dict(self._fallbacks(scope.parent)) if scope.parent is not None else {}
        outer = set(result)
        last = {entry.name: entry for entry in scope.entries}
        for name, template in bake_defaults(list(scope.entries)).items():
            if template is None or name in outer:
                continue  # a bare `KEY` reads the environment only; an outer value wins
            entry = last[name]
            where = Location(entry.path, entry.line, entry.column)
            view = {other: code for other, (code, _) in result.items() if self.variables.nullable(other)}
            try:
                compiled = to_bake(template, self.variables.nullable, view, aliases=self._aliases)
            except InterpolationError as error:
                raise UserError(error.message, where) from None
            if compiled.validations:
                raise UserError(
                    f"{name} in an include env file uses a required variable ('${{V:?…}}'): compose "
                    "fails reading the file whenever it is unset, which bakegen cannot express; "
                    "use a default ('${V:-…}') instead",
                    where,
                )
            names = set(template.variables())
            for other in list(names):
                if other in view:
                    names |= result[other][1]
            result[name] = (hcl.quote_template(compiled.text), frozenset(names))
        self._fallback_cache[id(scope)] = result
        return result

    def check_syntax(self, raw: str, location: Location | None) -> None:
        from bakegen.interpolation import InterpolationError, parse

        try:
            parse(raw)
        except InterpolationError as error:
            raise UserError(error.message, _shift(location, error.offset)) from None

    def use_variable(self, name: str, location: Location | None) -> None:
        if name in hcl.KEYWORDS:
            raise UserError(
                f"variable name '{name}' is an HCL keyword and cannot be a bake variable; rename it",
                location,
            )
        if name in self.variables.used:
            return
        self.variables.used.add(name)
        # An env-file default may read other variables: they must be declared too, with the
        # checks of its `${V:?…}`.
        default = self.variables.defaults.get(name, VariableDefault(None))
        for reference in default.references:
            self.use_variable(reference, location)
        for variable, condition, message in default.validations:
            self.variables.add_validation(variable, condition, message)

    def literal(self, raw: Scalar, location: Location | None, what: str) -> str:
        """A value that bake needs at compile time (it decides structure): no variables."""
        text = "" if raw is None else str(raw)
        if isinstance(raw, str) and "$" in raw:
            from bakegen.interpolation import InterpolationError, parse

            try:
                parsed = parse(raw)
            except InterpolationError as error:
                raise UserError(error.message, _shift(location, error.offset)) from None
            if not parsed.is_literal():
                names = ", ".join(sorted(parsed.variables()))
                raise UserError(
                    f"{what} depends on variable(s) {names} at build time, which bake cannot express "
                    "here; use a literal value, or set it in an env file listed in compose.env_files",
                    location,
                )
            text = parsed.literal_text()
        return text


def may_be_empty(raw: str) -> bool:
    """True when a compose template has no literal text, so it can interpolate to ""."""
    from bakegen.interpolation import Literal, parse

    return not any(isinstance(part, Literal) and part.text for part in parse(raw).parts)


def _shift(location: Location | None, offset: int) -> Location | None:
    return None if location is None else location.at(offset)
