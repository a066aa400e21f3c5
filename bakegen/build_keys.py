"""A compose service's build section → the keys of its bake target.

Each compose build key maps in one place (``_map_*``); quirks of compose are cited there.
Values are compiled by the ``Interpolator`` given, paths made relative to the bake file's
directory. The policy (tags, platforms, cache) is applied afterwards, by ``compiler``.
buildx's ``x-bake`` extension and the contexts on another service's target: ``x_bake``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from functools import cached_property
from pathlib import Path
from typing import Any

from bakegen import hcl
from bakegen.compose.model import At, BuildSpec, ComposeProject, PathValue, Scalar, ServiceSpec
from bakegen.errors import Location, UserError
from bakegen.variables import Interpolator, may_be_empty
from bakegen.x_bake import TargetReference, TargetReferences, apply_x_bake


class BuildKeyMapper:
    """Maps build sections of one compose project; ``project_reference`` names the project in images."""

    def __init__(
        self,
        project: ComposeProject,
        interpolator: Interpolator,
        output_dir: Path,
        project_reference: Callable[[], str],
    ) -> None:
        self.project = project
        self.interpolator = interpolator
        self.output_dir = output_dir
        self.project_reference = project_reference
        self._references = TargetReferences(project)

    @property
    def target_references(self) -> list[TargetReference]:
        """The `target:` contexts written so far; the compiler checks each names a target it emits."""
        return self._references.found

    def map_service(self, name: str, spec: ServiceSpec) -> tuple[dict[str, Any], list[str]]:
        """The target's build keys, and its image tags as compose would give them."""
        build = spec.build
        assert build is not None, "only build services are mapped"
        target: dict[str, Any] = {}
        for mapper in MAPPERS.values():
            mapper(self, build, target, spec)
        tags: list[str] = target.pop("tags")
        if build.x_bake is not None:
            tags = apply_x_bake(build.x_bake, target, tags, spec, self.interpolator, self._references)
        return target, tags

    def _map_context(self, build: BuildSpec, target: dict[str, Any], spec: ServiceSpec) -> None:
        raw = build.context
        if not isinstance(raw, PathValue):
            # normalize leaves remote contexts (URLs, git) as written: never joined.
            target["context"] = self.interpolator.template(raw.value, raw.location)
            return
        location = raw.location
        raw_text = raw.raw
        text = self.interpolator.template(raw_text, location)
        if raw_text.startswith("~"):
            raise UserError(
                "a build context under '~' names a different directory on every machine; "
                "use a path relative to the compose file",
                location,
            )
        if text != hcl.escape_template_literal(raw_text) or raw_text.startswith("$"):
            if raw_text.startswith("$"):
                raise UserError(
                    "a build context that starts with a variable cannot be compiled: bake paths are "
                    "relative to where bake runs; start it with a literal path (e.g. ./${DIR})",
                    location,
                )
            target["context"] = self._interpolated_path(raw_text, raw.base_dir, location, "a build context")
            return
        if os.path.isabs(raw_text):
            # Kept as written: rebased onto this checkout, it would name a directory of this
            # machine only (the machine-specific-path lint warns about the path itself).
            target["context"] = text
            return
        target["context"] = hcl.escape_template_literal(self._relative(os.path.join(raw.base_dir, raw_text)))

    @cached_property
    def _output_root(self) -> str:
        # Once per compile: resolve() makes a syscall per path component, and every target needs it.
        return os.path.normpath(self.output_dir.resolve())

    def _interpolated_path(self, raw: str, base_dir: Path, location: Location, what: str) -> str:
        """A local path read from a variable (``./ctx-${V}``) as bake needs it.

        compose resolves it, once interpolated, against the directory of the file that writes
        it (an extended or included file elsewhere); bake reads it from where bake runs, the
        output's directory: the literal prefix is rebased onto that (one rule for the build
        context, ssh key paths and additional contexts).
        """
        text = self.interpolator.template(raw, location)
        if os.path.isabs(raw):
            return text
        prefix = self._relative(base_dir)
        if prefix == ".":
            return text
        if raw.startswith("$"):
            raise UserError(
                f"{what} that starts with a variable cannot be compiled here: bake paths are "
                "relative to where bake runs; start it with a literal path (e.g. ./${DIR})",
                location,
            )
        return f"{prefix}/{text}"

    def _relative(self, path: str | os.PathLike[str]) -> str:
        """A path as bake needs it: relative to the bake file's directory, POSIX separators."""
        # os.path on strings, not pathlib (here and in _map_context): measured −15 ms at 1000
        # services (one call per target). abspath asks for the working directory only when the
        # path is relative (a getcwd syscall per target was ~2 ms at 1000 services).
        absolute = os.path.abspath(path)
        root = self._output_root
        if absolute.startswith(root) and absolute[len(root) : len(root) + 1] == os.sep and root != os.sep:
            # Below the output directory (most contexts): what relpath gives, without its work.
            relative = absolute[len(root) + 1 :]
        else:
            relative = os.path.relpath(absolute, root)
        return relative if os.sep == "/" else relative.replace(os.sep, "/")

    def _map_dockerfile_inline(self, build: BuildSpec, target: dict[str, Any], spec: ServiceSpec) -> None:
        if build.dockerfile_inline is None:
            return
        inline = target["dockerfile-inline"] = self._template(build.dockerfile_inline)
        if build.dockerfile is None:
            return
        # compose-go (loader checkConsistency) refuses the interpolated, merged service when
        # both are non-empty; either one may come from another file or from `extends`.
        message = f'service "{spec.name}" declares mutually exclusive dockerfile and dockerfile_inline'
        # At build time when either one may interpolate to "" (then compose accepts it).
        sides = ((build.dockerfile.value, target["dockerfile"]), (build.dockerfile_inline.value, inline))
        empty = [(raw, text) for raw, text in sides if may_be_empty(raw)]
        if not empty:
            raise UserError(message, build.dockerfile_inline.location)
        if any(raw == "" for raw, _ in empty):
            return
        condition = " || ".join(f'{hcl.quote_template(text)} == ""' for _, text in empty)
        self._check_at_build_time([raw for raw, _ in empty], condition, message)

    def _check_at_build_time(self, raws: list[str], condition: str, message: str) -> None:
        """A bake validation: ``${condition}`` must hold, else ``message``; it sits on the first
        (by name) of the variables ``raws`` read, which bake evaluates it with."""
        from bakegen.interpolation import parse

        anchor = min(name for raw in raws for name in parse(raw).variables())
        self.interpolator.variables.add_validation(anchor, "${" + condition + "}", message)

    def _template(self, value: At[str] | At[str | None]) -> str:
        return self.interpolator.template(value.value, value.location)

    def _map_dockerfile(self, build: BuildSpec, target: dict[str, Any], spec: ServiceSpec) -> None:
        # An absolute dockerfile is kept as written, as bake and compose read it (validate
        # warns: it names a file of one machine).
        if build.dockerfile is not None:
            target["dockerfile"] = self._template(build.dockerfile)

    def _map_target(self, build: BuildSpec, target: dict[str, Any], spec: ServiceSpec) -> None:
        if build.target is not None:
            target["target"] = self._template(build.target)

    def _map_network(self, build: BuildSpec, target: dict[str, Any], spec: ServiceSpec) -> None:
        if build.network is not None:
            target["network"] = self._template(build.network)

    def _map_pull(self, build: BuildSpec, target: dict[str, Any], spec: ServiceSpec) -> None:
        if self._boolean(build.pull, "pull"):
            target["pull"] = True

    def _map_no_cache(self, build: BuildSpec, target: dict[str, Any], spec: ServiceSpec) -> None:
        if self._boolean(build.no_cache, "no_cache"):
            target["no-cache"] = True

    def _boolean(self, value: At[Scalar] | None, key: str) -> bool:
        """A boolean key's value; a string is interpolated first (a literal: it decides structure)."""
        if value is None:
            return False
        if isinstance(value.value, str):
            text = self.interpolator.literal(value.value, value.location, f"build.{key}")
            return _compose_bool(text, value.location, key)
        if not isinstance(value.value, bool):
            raise UserError(f"build.{key} must be a boolean", value.location)
        return value.value

    def _map_platforms(self, build: BuildSpec, target: dict[str, Any], spec: ServiceSpec) -> None:
        self._string_list(build.platforms, "platforms", target)
        platform = spec.platform
        if platform is None or platform.value == "":
            return
        if not build.platforms:
            # compose builds a service for its `platform:` when build.platforms is empty
            # (docker/compose cmd/compose/options.go, applyPlatforms). An interpolated value
            # that comes out empty is dropped by buildx, as compose then sets no platform.
            target["platforms"] = [self._template(platform)]
            return
        # compose-go (loader/validate.go) refuses an interpolated platform that is not empty
        # and not one of the interpolated build.platforms: checked here when both are literal,
        # else by a bake validation (the values are known at build time only).
        wanted = _literal_text(platform.value)
        listed = [_literal_text(item.value) for item in build.platforms]
        if wanted is not None and None not in listed:
            if wanted and wanted not in listed:
                raise UserError(
                    f"services.{spec.name}.platform '{wanted}' is not one of its build.platforms, which "
                    "compose refuses; add it to build.platforms or remove platform:",
                    platform.location,
                )
            return
        values = (platform, *build.platforms)
        texts = [hcl.quote_template(self._template(value)) for value in values]
        empty = [f'{texts[0]} == ""'] if may_be_empty(platform.value) else []
        condition = " || ".join(empty + [f"{texts[0]} == {text}" for text in texts[1:]])
        message = (
            f"services.{spec.name}.platform is not one of its build.platforms, which compose refuses; "
            "add it to build.platforms or remove platform:"
        )
        self._check_at_build_time([value.value for value in values], condition, message)

    def _map_cache_from(self, build: BuildSpec, target: dict[str, Any], spec: ServiceSpec) -> None:
        self._string_list(build.cache_from, "cache-from", target)

    def _map_cache_to(self, build: BuildSpec, target: dict[str, Any], spec: ServiceSpec) -> None:
        self._string_list(build.cache_to, "cache-to", target)

    def _string_list(self, values: tuple[At[str], ...], bake_key: str, target: dict[str, Any]) -> None:
        if values:
            target[bake_key] = dedupe(target.get(bake_key, []) + [self._template(item) for item in values])

    def _map_entitlements(self, build: BuildSpec, target: dict[str, Any], spec: ServiceSpec) -> None:
        # `docker compose build --print`: the listed entitlements, then security.insecure
        # for privileged (buildx drops repeats).
        self._string_list(build.entitlements, "entitlements", target)

    def _map_privileged(self, build: BuildSpec, target: dict[str, Any], spec: ServiceSpec) -> None:
        if self._boolean(build.privileged, "privileged"):
            target["entitlements"] = dedupe(target.get("entitlements", []) + ["security.insecure"])

    def _map_provenance(self, build: BuildSpec, target: dict[str, Any], spec: ServiceSpec) -> None:
        self._attest(build.provenance, "provenance", target)

    def _map_sbom(self, build: BuildSpec, target: dict[str, Any], spec: ServiceSpec) -> None:
        self._attest(build.sbom, "sbom", target)

    def _attest(self, value: At[str] | None, key: str, target: dict[str, Any]) -> None:
        """compose (`build --print`) and buildx map provenance/sbom to an `attest` entry:
        "true" → ``type=<key>``, "false" → none, anything else → ``type=<key>,<value>``."""
        if value is None:
            return
        text = self.interpolator.literal(value.value, value.location, f"build.{key}")
        if text == "false":
            return
        entry = f"type={key}" if text == "true" else f"type={key},{text}"
        target["attest"] = target.get("attest", []) + [hcl.escape_template_literal(entry)]

    def _map_args(self, build: BuildSpec, target: dict[str, Any], spec: ServiceSpec) -> None:
        result: dict[str, str] = {}
        for name, value in build.args:
            if value.value is None:
                # compose passes an arg without a value from the environment, and drops it
                # when the variable is unset: a whole-string "${NAME}" that is null at
                # build time is dropped by bake too (shared/bake-cases variables args-expr-null).
                self.interpolator.use_variable(name, value.location)
                result[hcl.escape_template_literal(name)] = "${" + name + "}"
                continue
            result[hcl.escape_template_literal(name)] = self._template(value)
        if result:
            target["args"] = result

    def _map_labels(self, build: BuildSpec, target: dict[str, Any], spec: ServiceSpec) -> None:
        result = {hcl.escape_template_literal(name): self._template(value) for name, value in build.labels}
        if result:
            target["labels"] = result

    def _map_extra_hosts(self, build: BuildSpec, target: dict[str, Any], spec: ServiceSpec) -> None:
        if not build.extra_hosts:
            return
        hosts: dict[str, list[str]] = {}
        for written, addresses in build.extra_hosts:
            host = written.value
            if not host or any(char in host for char in "${}% \t"):
                # compose never interpolates keys and rejects such a host ("bad host name").
                raise UserError(f"bad host name '{host}' in build.extra_hosts", written.location)
            for one in addresses:
                address = one.value
                if len(address) > 2 and address[0] == "[" and address[-1] == "]" and not any(c in address for c in "$,"):
                    # compose-go HostsList.cleanup: "[::1]" -> "::1".
                    one = At(address[1:-1], one.location)
                hosts.setdefault(host, []).append(self._template(one))
        target["extra-hosts"] = {
            hcl.escape_template_literal(host): ",".join(addresses) for host, addresses in hosts.items()
        }

    def _map_shm_size(self, build: BuildSpec, target: dict[str, Any], spec: ServiceSpec) -> None:
        if build.shm_size is None:
            return
        raw, location = build.shm_size.value, build.shm_size.location
        text = self.interpolator.literal(raw, location, "build.shm_size") if isinstance(raw, str) else raw
        # compose converts sizes to bytes (`docker compose build --print`: 128m → "134217728")
        # and leaves 0 out, as unset.
        size = _bytes(text, location)
        if size != 0:
            target["shm-size"] = str(size)

    def _map_ulimits(self, build: BuildSpec, target: dict[str, Any], spec: ServiceSpec) -> None:
        entries = []
        for name, limit in sorted(build.ulimits, key=lambda item: item[0]):
            if isinstance(limit, tuple):
                entries.append(f"{name}={limit[0]}:{limit[1]}")
            elif isinstance(limit, int) and limit <= 0:
                # compose builds a non-positive single value as soft=hard=0 (`build --print`).
                entries.append(f"{name}=0:0")
            else:
                entries.append(f"{name}={limit}")
        if entries:
            target["ulimits"] = entries

    def _map_secrets(self, build: BuildSpec, target: dict[str, Any], spec: ServiceSpec) -> None:
        if not build.secrets:
            return
        entries = []
        for use in build.secrets:
            secret_id = use.target or use.source
            definition = self.project.secrets.get(use.source)
            if definition is None:
                raise UserError(
                    f"service '{spec.name}' refers to undefined secret '{use.source}'; define it under top-level secrets",
                    use.location,
                )
            escaped_id = hcl.escape_template_literal(secret_id)
            if definition.environment is not None:
                variable = self.interpolator.literal(definition.environment, definition.location, "a secret's environment name")
                entries.append(f"id={escaped_id},type=env,env={hcl.escape_template_literal(variable)}")
            elif definition.file is not None:
                file_value = definition.file
                raw = file_value.raw
                if "$" in raw:
                    # compose interpolates it, then resolves it against its file's directory.
                    source = self._interpolated_path(raw, file_value.base_dir, file_value.location, "a secret's file")
                else:
                    source = hcl.escape_template_literal(self._relative(file_value.base_dir / raw))
                entries.append(f"id={escaped_id},type=file,src={source}")
            else:
                raise UserError(f"secret '{use.source}' has neither file nor environment", use.location)
        target["secret"] = entries

    def _map_ssh(self, build: BuildSpec, target: dict[str, Any], spec: ServiceSpec) -> None:
        entries = []
        for name, value, location in build.ssh:
            if value is None:
                entries.append(name)
                continue
            # compose resolves a key's path against its file's directory (an extended or
            # included file elsewhere); bake reads it from where it runs: the output's.
            raw = value.raw
            if raw.startswith("~") or os.path.isabs(raw):
                text = self.interpolator.template(raw, location)
            elif "$" in raw:
                text = self._interpolated_path(raw, value.base_dir, location, "an ssh key path")
            else:
                text = hcl.escape_template_literal(self._relative(value.base_dir / raw))
            entries.append(name if not text else f"{name}={text}")
        if entries:
            target["ssh"] = entries

    def _map_additional_contexts(self, build: BuildSpec, target: dict[str, Any], spec: ServiceSpec) -> None:
        if not build.additional_contexts:
            return
        contexts: dict[str, str] = {}
        for name, value, location in build.additional_contexts:
            raw = value.raw if isinstance(value, PathValue) else value
            if raw.startswith("service:"):
                # The target it names is part of the file's structure: known when compiling.
                service = self.interpolator.literal(raw.removeprefix("service:"), location, "a service: context")
                if service not in self.project.services:
                    raise UserError(f"additional context '{name}' refers to unknown service '{service}'", location)
                contexts[name] = self._references.resolve(spec, name, service, location)
            elif isinstance(value, PathValue) and ":" in raw.split("/", 1)[0] and "$" not in raw:
                # compose reads `target:x`, `docker-image:x` (no `//`), `a:b` here as a directory
                # of the file's own (`build --print` shows it absolute); bake would read
                # `target:x` as a target, and the others from where it runs, so it is written
                # `./…` relative to the bake file.
                relative = self._relative(value.base_dir / raw)
                contexts[name] = hcl.escape_template_literal(relative if "/" in relative.split(":")[0] else "./" + relative)
            elif not isinstance(value, PathValue) or ":" in raw.split("/", 1)[0].split("$", 1)[0]:
                # remote (normalize left it as written), `target:…`/`docker-image:…` (a `:`
                # before any `${…}`, whose `:-` does not count)
                contexts[name] = self.interpolator.template(raw, location)
            elif "$" in raw:
                text = self._interpolated_path(raw, value.base_dir, location, "an additional context")
                if may_be_empty(raw):
                    # compose makes a context that interpolates to "" its file's directory;
                    # bake would drop it, and the build would read the name as an image.
                    quoted = hcl.quote_template(text)
                    text = "${" + f'{quoted} != "" ? {quoted} : "."' + "}"
                contexts[name] = text
            else:
                contexts[name] = hcl.escape_template_literal(self._relative(value.base_dir / raw))
        target["contexts"] = contexts

    # -- tags -------------------------------------------------------------------------------
    def image_name(self, spec: ServiceSpec) -> str:
        if spec.image is None or not spec.image.value:
            return f"{self.project_reference()}-{spec.name}"
        raw = spec.image.value
        image = self.interpolator.template(raw, spec.image.location)
        if may_be_empty(raw):
            # compose names a build service whose image interpolates to "" <project>-<service>.
            default = f"{self.project_reference()}-{spec.name}"
            quoted = hcl.quote_template(image)
            return "${" + f'{quoted} != "" ? {quoted} : {hcl.quote_template(default)}' + "}"
        return image

    def _map_tags(self, build: BuildSpec, target: dict[str, Any], spec: ServiceSpec) -> None:
        """Compose's own tags (the policy's tags build on them, in ``compiler``):
        `docker compose build --print` gives build.tags first, then the image name."""
        # A tag written "" is no tag: compose passes it on and buildx drops it (bake-cases).
        tags = [text for text in (self._template(tag) for tag in build.tags) if text]
        tags.append(self.image_name(spec))
        target["tags"] = dedupe(tags)


def dedupe(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _literal_text(raw: str) -> str | None:
    """A compose string's value when it reads no variable, else None (known at build time only)."""
    if "$" not in raw:
        return raw
    from bakegen.interpolation import InterpolationError, parse

    try:
        parsed = parse(raw)
    except InterpolationError:
        return None  # reported where the value is compiled
    return parsed.literal_text() if parsed.is_literal() else None


def _compose_bool(text: str, location: Location | None, key: str) -> bool:
    # compose-go loader/interpolate.go toBoolean: YAML 1.1's words, case-insensitive; "1",
    # "0" and "" are "invalid boolean" there.
    lowered = text.lower()
    if lowered in ("true", "yes", "y", "on"):
        return True
    if lowered in ("false", "no", "n", "off"):
        return False
    raise UserError(f"build.{key} must be a boolean, got '{text}'", location)


def _bytes(value: Scalar, location: Location | None) -> int:
    if isinstance(value, bool):
        raise UserError("build.shm_size must be a size such as 128m", location)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        # compose's schema: an integer or a string (`shm_size: 1.5` is refused).
        raise UserError(f"build.shm_size must be a size such as 128m, got '{value}'", location)
    size = _go_units_size(str(value))
    if size is None:
        raise UserError(f"build.shm_size must be a size such as 128m, got '{value}'", location)
    return size


# github.com/docker/go-units RAMInBytes: binary multiples, k to p.
_RAM_UNITS = {"k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4, "p": 1024**5}
_DIGITS = r"\d+(?:_\d+)*"  # Go number syntax: `_` between digits
# A pattern, compiled (and cached by re) the first time a size is a string: rare, and compiling it
# costs ~0.1 ms of every render.
_GO_DECIMAL_FLOAT = rf"[+-]?(?:{_DIGITS}\.?(?:{_DIGITS})?|\.{_DIGITS})(?:[eE][+-]?{_DIGITS})?"


def _go_units_size(text: str) -> int | None:
    """go-units ``parseSize`` (compose reads shm_size with it): the number runs to the last
    digit, dot or space, is parsed as a float ("1e3", "1.5" and ".5" are numbers) and
    truncated; the suffix is b, or k/m/g/t/p with an optional b or ib, in any case."""
    sep = max(text.rfind(char) for char in "0123456789. ")
    if sep == -1:
        return None
    number, suffix = (text[: sep + 1], text[sep + 1 :]) if text[sep] != " " else (text[:sep], text[sep + 1 :])
    if not re.fullmatch(_GO_DECIMAL_FLOAT, number):
        return None  # hexadecimal floats and the like: refused rather than guessed
    size = float(number.replace("_", ""))
    if size < 0:
        return None
    suffix = suffix.lower()
    if not suffix or suffix == "b":
        return int(size)
    if len(suffix) > 3 or suffix[0] not in _RAM_UNITS or suffix[1:] not in ("", "b", "ib"):
        return None
    return int(size * _RAM_UNITS[suffix[0]])


Mapper = Callable[[BuildKeyMapper, BuildSpec, dict[str, Any], ServiceSpec], None]

# Each compose build key that bake can express, and its one mapper, applied in this order
# (context before dockerfile; entitlements before privileged; provenance before sbom, as
# `docker compose build --print` lists them). compose.keys.BUILD_KEYS is the list of keys
# compose accepts; a test keeps the two in step.
MAPPERS: dict[str, Mapper] = {
    "context": BuildKeyMapper._map_context,
    "dockerfile": BuildKeyMapper._map_dockerfile,
    "dockerfile_inline": BuildKeyMapper._map_dockerfile_inline,
    "args": BuildKeyMapper._map_args,
    "labels": BuildKeyMapper._map_labels,
    "target": BuildKeyMapper._map_target,
    "network": BuildKeyMapper._map_network,
    "platforms": BuildKeyMapper._map_platforms,
    "cache_from": BuildKeyMapper._map_cache_from,
    "cache_to": BuildKeyMapper._map_cache_to,
    "pull": BuildKeyMapper._map_pull,
    "no_cache": BuildKeyMapper._map_no_cache,
    "extra_hosts": BuildKeyMapper._map_extra_hosts,
    "shm_size": BuildKeyMapper._map_shm_size,
    "ulimits": BuildKeyMapper._map_ulimits,
    "secrets": BuildKeyMapper._map_secrets,
    "ssh": BuildKeyMapper._map_ssh,
    "additional_contexts": BuildKeyMapper._map_additional_contexts,
    "entitlements": BuildKeyMapper._map_entitlements,
    "privileged": BuildKeyMapper._map_privileged,
    "provenance": BuildKeyMapper._map_provenance,
    "sbom": BuildKeyMapper._map_sbom,
    "tags": BuildKeyMapper._map_tags,
}
