"""buildx's ``x-bake`` extension of a compose build section, and the ``target:`` contexts.

A context that builds on another service's target (``service:x`` in ``additional_contexts``,
``service:x`` or ``target:x`` in ``x-bake.contexts``) is named ``target:`` + the target name
bakegen gives that service, and recorded (``TargetReferences.found``) so the compiler can
check the target is in the file.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from bakegen.compose.model import ComposeProject, ServiceSpec
from bakegen.errors import Location, UserError
from bakegen.naming import target_name
from bakegen.variables import Interpolator
from bakegen.yamlio import YamlMap, location_of, location_or_whole

# x-bake keys whose value is a list (buildx splits a string on whitespace).
_LIST_KEYS = {"tags", "cache-from", "cache-to", "platforms", "output", "secret", "ssh", "no-cache-filter"}


class TargetReference(NamedTuple):
    """A context ``target:<target>`` of ``referrer``'s target, on ``service``'s target."""

    target: str
    service: str
    referrer: str
    context: str
    location: Location | None


class TargetReferences:
    """The ``target:`` contexts of one project's targets, in the order they were written."""

    def __init__(self, project: ComposeProject) -> None:
        self.project = project
        self.found: list[TargetReference] = []

    def resolve(self, spec: ServiceSpec, context: str, reference: str, location: Location | None) -> str:
        """``target:<name>`` for a context that builds on another service's target.

        ``reference`` is a service name (``service:x``) or, in ``x-bake``, a target name
        (``target:x``), which buildx also names with dots as ``_``.
        """
        name = target_name(reference)
        services = self.project.services
        owner = reference if reference in services else next((s for s in services if target_name(s) == name), None)
        if owner is None:
            raise UserError(
                f"x-bake context '{context}' refers to target '{reference}', which no service of the project becomes",
                location,
            )
        if services[owner].build is None:
            # compose's own message: `docker compose build` refuses the project.
            raise UserError(
                f'service "{spec.name}" declares non-buildable service "{owner}" as additional contexts {context}',
                location,
            )
        self.found.append(TargetReference(name, owner, spec.name, context, location))
        return "target:" + name


def apply_x_bake(
    x_bake: YamlMap,
    target: dict[str, Any],
    tags: list[str],
    spec: ServiceSpec,
    interpolator: Interpolator,
    references: TargetReferences,
) -> list[str]:
    """buildx reads the `x-bake` extension of a compose build section (bake/compose.go):
    its keys are set on ``target``; the tags it gives (``tags`` when it has none) are returned."""
    for key, value in x_bake.items():
        item_location = x_bake.value_location(key)
        if key in _LIST_KEYS:
            if isinstance(value, str):  # buildx splits a string on whitespace
                items = [(m.group(), item_location.at(m.start())) for m in re.finditer(r"\S+", value)]
            else:
                items = [(item, location_of(value, index, item_location)) for index, item in enumerate(value or [])]
            compiled = [interpolator.template(item, where) for item, where in items]
            if key == "tags":
                tags = compiled
            elif key == "cache-from":
                target[key] = list(dict.fromkeys(target.get(key, []) + compiled))
            else:
                target[key] = compiled
        elif key in ("pull", "no-cache"):
            target[key] = bool(value)
        elif key == "contexts":
            contexts = dict(target.get("contexts", {}))
            for context, raw in value.items():
                where = location_or_whole(value, context)
                prefix, _, reference = str(raw).partition(":")
                if prefix in ("service", "target") and reference:
                    # buildx (bake/compose.go composeToBuildkitNamedContexts) names a
                    # `service:x` or `target:x` context `target:` + x with dots as `_`.
                    contexts[str(context)] = references.resolve(spec, str(context), reference, where)
                else:
                    contexts[str(context)] = interpolator.template(raw, where)
            target["contexts"] = contexts
        elif key in ("shm-size", "ulimits", "network"):
            continue
        else:
            raise UserError(f"unsupported x-bake key '{key}'", item_location)
    return tags
