"""One compose document brought to the forms the merge works on, with compose's type checks.

compose-go merges raw documents with special rules per path (``override/merge.go``) and
only then makes them canonical (``transform/``).  Bringing each document to canonical form
*first* gives the same merged result with simpler merge rules:

* ``build: ./dir`` → ``{context: ./dir}``; ``extends: name`` → ``{service: name}``;
* ``args``, ``labels``, ``additional_contexts``, ``ssh``, ``environment``, ``annotations``,
  ``sysctls`` written as ``["K=V", "K"]`` → ``{K: V, K: None}`` (later duplicates win,
  as in compose's list→map conversion);
* ``extra_hosts`` (list ``host:ip`` / ``host=ip`` or map) → ``{host: ip | [ip, …]}``;
* ``env_file`` → a list; ``!reset`` items of a list are dropped (compose drops them).

Paths compose resolves against a directory become ``PathValue`` (see ``model``); the shapes
themselves are read by ``shapes``, and which shape each build key has is ``keys.BUILD_KEYS``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bakegen.compose.keys import BUILD_KEYS, SHAPE_NAMES, keys_of_shape
from bakegen.compose.model import PathValue
from bakegen.compose.shapes import (
    SequenceMap,
    check_string_keys,
    drop_reset_items,
    extra_hosts,
    go_string,
    key_values,
    replace,
    string_list,
)
from bakegen.errors import Location, UserError, kind
from bakegen.yamlio import YamlList, YamlMap, location_of, whole_location

TOP_LEVEL_KEYS = frozenset({"configs", "include", "models", "name", "networks", "secrets", "services", "version", "volumes"})
SERVICE_KEYS = frozenset(
    """annotations attach blkio_config build cap_add cap_drop cgroup cgroup_parent command configs
    container_name cpu_count cpu_percent cpu_period cpu_quota cpu_rt_period cpu_rt_runtime cpu_shares
    cpus cpuset credential_spec depends_on deploy develop device_cgroup_rules devices dns dns_opt
    dns_search domainname entrypoint env_file environment expose extends external_links extra_hosts
    gpus group_add healthcheck hostname image init ipc isolation label_file labels links logging
    mac_address mem_limit mem_reservation mem_swappiness memswap_limit models network_mode networks
    oom_kill_disable oom_score_adj pid pids_limit platform ports post_start pre_stop privileged
    profiles provider pull_policy pull_refresh_after read_only restart runtime scale secrets
    security_opt shm_size stdin_open stop_grace_period stop_signal storage_opt sysctls tmpfs tty
    ulimits use_api_socket user userns_mode uts volumes volumes_from working_dir""".split()  # noqa: SIM905
)
_SERVICE_KEY_VALUES = ("environment", "labels", "annotations", "sysctls")
# The build keys of each shape, in BUILD_KEYS order (the order their errors are found in).
_STRING_KEYS = keys_of_shape("string")
_STRING_LIST_KEYS = keys_of_shape("string_list")
_BOOLEAN_OR_STRING_KEYS = keys_of_shape("boolean_or_string")
_KEY_VALUES_KEYS = keys_of_shape("key_values")
# buildkit's remote contexts (compose-go paths/context.go): left as written, never joined.
_REMOTE_PREFIXES = ("https://", "http://", "git://", "ssh://", "github.com/", "git@")


def is_remote_context(value: str) -> bool:
    return "://" in value or value.startswith("service:") or value.startswith(_REMOTE_PREFIXES)


class Normalizer:
    """Normalizes one document whose relative paths resolve against ``base_dir``."""

    def __init__(self, base_dir: Path, *, tagged: bool = True, check_keys: bool = True) -> None:
        self.base_dir = base_dir
        self.tagged = tagged  # False: the file holds no YAML tag, so no `!reset` item to drop
        # False: the reader made no key but strings and no Timestamp (see
        # yamlio.load_compose_documents), so check_string_keys has nothing to find.
        self.check_keys = check_keys

    def path(self, container: Any, key: Any) -> PathValue:
        value = container[key]
        return PathValue(self.base_dir, value, location_of(container, key, container.location))

    # -- document ------------------------------------------------------------------------
    def document(self, root: Any, path: str) -> YamlMap:
        if not isinstance(root, YamlMap):
            where = whole_location(root, Location(path, 1, 1))
            raise UserError(f"the top-level object must be a mapping, got {kind(root)}", where)
        if self.check_keys:
            check_string_keys(root, "")
        for key in root:
            if key not in TOP_LEVEL_KEYS and not key.startswith("x-"):
                raise UserError(f"unknown top-level key '{key}' (additional properties are not allowed)", root.key_location(key))
        if "name" in root and not isinstance(root["name"], str):
            raise UserError(f"name must be a string, got {kind(root['name'])}", root.value_location("name"))
        services = root.get("services")
        # compose's extends step rejects a null `services` in any document (a !reset one is gone).
        if services is not None or ("services" in root and root.tag_of("services") != "!reset"):
            if not isinstance(services, YamlMap):
                raise UserError(f"services must be a mapping, got {kind(services)}", root.value_location("services"))
            for name in list(services):
                self.service(services, name)
        secrets = root.get("secrets")
        if secrets is not None:
            self.secrets(root, secrets)
        return root

    def secrets(self, root: YamlMap, secrets: Any) -> None:
        if not isinstance(secrets, YamlMap):
            raise UserError(f"secrets must be a mapping, got {kind(secrets)}", root.value_location("secrets"))
        for name, definition in secrets.items():
            if definition is None:
                continue
            if not isinstance(definition, YamlMap):
                raise UserError(f"secrets.{name} must be a mapping, got {kind(definition)}", secrets.value_location(name))
            for key in ("file", "environment", "name"):
                if key in definition and not isinstance(definition[key], str):
                    raise UserError(
                        f"secrets.{name}.{key} must be a string, got {kind(definition[key])}",
                        definition.value_location(key),
                    )
            if "file" in definition:
                replace(definition, "file", self.path(definition, "file"))

    # -- services ------------------------------------------------------------------------
    def service(self, services: YamlMap, name: str) -> None:
        service = services[name]
        where = f"services.{name}"
        if service is None:
            return
        if not isinstance(service, YamlMap):
            raise UserError(f"{where} must be a mapping, got {kind(service)}", services.value_location(name))
        for key in service:
            if key not in SERVICE_KEYS and not key.startswith("x-"):
                raise UserError(f"{where}: unknown key '{key}' (additional properties are not allowed)", service.key_location(key))
        if self.tagged:
            drop_reset_items(service)
        if service.get("build") is not None:
            self.build(service, where)
        if "extends" in service and service["extends"] is not None:
            self.extends(service, where)
        for key in _SERVICE_KEY_VALUES:
            if service.get(key) is not None:
                replace(service, key, key_values(service, key, f"{where}.{key}"))
        if service.get("extra_hosts") is not None:
            replace(service, "extra_hosts", extra_hosts(service, "extra_hosts", f"{where}.extra_hosts"))
        if service.get("env_file") is not None:
            replace(service, "env_file", self.env_files(service, f"{where}.env_file"))
        if service.get("profiles") is not None:
            string_list(service, "profiles", f"{where}.profiles")
        for key in ("image", "container_name", "platform"):
            if service.get(key) is not None and not isinstance(service[key], str):
                raise UserError(f"{where}.{key} must be a string, got {kind(service[key])}", service.value_location(key))

    def build(self, service: YamlMap, where: str) -> None:
        build = service["build"]
        where = f"{where}.build"
        if isinstance(build, str):
            mapping = YamlMap(service.value_location("build"))
            mapping.put("context", build, service.value_location("build"), service.value_location("build"))
            replace(service, "build", mapping)
            build = mapping
        elif not isinstance(build, YamlMap):
            raise UserError(f"{where} must be a string or a mapping, got {kind(build)}", service.value_location("build"))
        for key in build:
            if key not in BUILD_KEYS and not key.startswith("x-"):
                raise UserError(f"{where}: unknown key '{key}' (additional properties are not allowed)", build.key_location(key))
        if self.tagged:
            drop_reset_items(build)
        for key in _STRING_KEYS:
            if build.get(key) is not None and not isinstance(build[key], str):
                raise UserError(f"{where}.{key} must be a string, got {kind(build[key])}", build.value_location(key))
        for key in _STRING_LIST_KEYS:
            if build.get(key) is not None:
                string_list(build, key, f"{where}.{key}")
        for key in _BOOLEAN_OR_STRING_KEYS:
            # compose-go's schema: a boolean or a string; the mapper reads its text.
            value = build.get(key)
            if isinstance(value, bool):
                replace(build, key, go_string(value))
            elif value is not None and not isinstance(value, str):
                raise UserError(
                    f"{where}.{key} must be a boolean or a string, got {kind(value)}", build.value_location(key)
                )
        if build.get("ulimits") is not None:
            ulimits(build, f"{where}.ulimits")
        for key in _KEY_VALUES_KEYS:
            if build.get(key) is not None:
                replace(build, key, key_values(build, key, f"{where}.{key}"))
        if build.get("extra_hosts") is not None:
            replace(build, "extra_hosts", extra_hosts(build, "extra_hosts", f"{where}.extra_hosts"))
        if isinstance(build.get("context"), str) and not is_remote_context(build["context"]):
            replace(build, "context", self.path(build, "context"))
        if build.get("additional_contexts") is not None:
            self.additional_contexts(build, where)
        if build.get("ssh") is not None:
            self.ssh(build, where)
        if build.get("secrets") is not None and not isinstance(build["secrets"], list):
            raise UserError(f"{where}.secrets must be a list, got {kind(build['secrets'])}", build.value_location("secrets"))

    def additional_contexts(self, build: YamlMap, where: str) -> None:
        contexts = key_values(build, "additional_contexts", f"{where}.additional_contexts")
        for name, value in list(contexts.items()):
            if value is None:
                # compose-go: "invalid value a, expected key=value" (a null mapping value panics).
                raise UserError(
                    f"{where}.additional_contexts: invalid value {name}, expected key=value", contexts.value_location(name)
                )
            # compose-go resolves `target:x` as a local directory too (only URLs, `service:`
            # and remote git/http contexts are exempt): kept as a PathValue, raw unchanged.
            if isinstance(value, str) and not is_remote_context(value):
                replace(contexts, name, self.path(contexts, name))
        replace(build, "additional_contexts", contexts)

    def ssh(self, build: YamlMap, where: str) -> None:
        raw = build["ssh"]
        if isinstance(raw, YamlList):
            for index, entry in enumerate(raw):
                # compose-go transform/ssh.go: a bare entry other than `default` is invalid.
                if isinstance(entry, str) and "=" not in entry and entry != "default":
                    raise UserError(f'invalid ssh key "{entry}"', raw.item_location(index))
        keys = key_values(build, "ssh", f"{where}.ssh")
        if isinstance(raw, YamlList):
            keys = SequenceMap.of(keys)
        for name, value in list(keys.items()):
            if isinstance(value, str):
                replace(keys, name, self.path(keys, name))
        replace(build, "ssh", keys)

    def extends(self, service: YamlMap, where: str) -> None:
        extends = service["extends"]
        if isinstance(extends, str):
            mapping = YamlMap(service.value_location("extends"))
            mapping.put("service", extends, service.value_location("extends"), service.value_location("extends"))
            replace(service, "extends", mapping)
            return
        if not isinstance(extends, YamlMap):
            raise UserError(f"{where}.extends must be a string or a mapping, got {kind(extends)}", service.value_location("extends"))
        for key in extends:
            if key not in ("service", "file"):
                raise UserError(f"{where}.extends: unknown key '{key}' (expected service, file)", extends.key_location(key))
        if not isinstance(extends.get("service"), str):
            raise UserError(f"{where}.extends.service is required and must be a string", extends.location)
        if "file" in extends and not isinstance(extends["file"], str):
            raise UserError(f"{where}.extends.file must be a string, got {kind(extends['file'])}", extends.value_location("file"))

    def env_files(self, service: YamlMap, where: str) -> YamlList:
        raw = service["env_file"]
        items = YamlList(raw.location) if isinstance(raw, YamlList) else YamlList(service.value_location("env_file"))
        entries: list[tuple[Any, Location]] = (
            [(item, raw.item_location(i)) for i, item in enumerate(raw)]
            if isinstance(raw, YamlList)
            else [(raw, service.value_location("env_file"))]
        )
        for entry, location in entries:
            if isinstance(entry, str):
                items.add(PathValue(self.base_dir, entry, location), location)
            elif isinstance(entry, YamlMap) and isinstance(entry.get("path"), str):
                replace(entry, "path", self.path(entry, "path"))
                items.add(entry, location)
            else:
                raise UserError(f"{where}: expected a path or a mapping with a path, got {kind(entry)}", location)
        return items


def ulimits(build: YamlMap, where: str) -> None:
    """compose-go: each limit an integer, or {soft, hard} integers; a string is refused even
    when it would interpolate to a number ("invalid type string")."""
    limits = build["ulimits"]
    if not isinstance(limits, YamlMap):
        raise UserError(f"{where} must be a mapping, got {kind(limits)}", build.value_location("ulimits"))
    for name, limit in limits.items():
        if isinstance(limit, YamlMap):
            for part, value in limit.items():
                if part in ("soft", "hard"):
                    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                        raise UserError(
                            f"{where}.{name}.{part} must be an integer, got {kind(value)}", limit.value_location(part)
                        )
                elif not str(part).startswith("x-"):
                    raise UserError(
                        f"{where}.{name}: unknown key '{part}' (additional properties are not allowed)",
                        limit.key_location(part),
                    )
        elif limit is not None and (isinstance(limit, bool) or not isinstance(limit, int)):
            raise UserError(
                f"{where}.{name} must be an integer or a mapping with soft and hard, got {kind(limit)}",
                limits.value_location(name),
            )


def check_merged(model: YamlMap) -> None:
    """Nulls compose's schema rejects once every file is merged (a null override keeps the base)."""
    if "services" in model and model["services"] is None:
        raise UserError("services must be a mapping, got null", model.value_location("services"))
    services = model.get("services")
    if not services:
        return
    for name, service in services.items():
        if service is None:
            raise UserError(f"services.{name} must be a mapping, got null", services.value_location(name))
        if "build" in service and service["build"] is None:
            raise UserError(
                f"services.{name}.build must be a string or a mapping, got null", service.value_location("build")
            )
        build = service.get("build")
        if isinstance(build, YamlMap) and isinstance(build.get("ulimits"), YamlMap):
            limits = build["ulimits"]
            for limit_name, limit in limits.items():
                if isinstance(limit, YamlMap) and not ("soft" in limit and "hard" in limit):
                    raise UserError(
                        f"services.{name}.build.ulimits.{limit_name} needs both soft and hard", limits.value_location(limit_name)
                    )
                if limit is None:
                    raise UserError(
                        f"services.{name}.build.ulimits.{limit_name} must be an integer or a mapping with soft and hard, "
                        "got null",
                        limits.value_location(limit_name),
                    )
                for part in ("soft", "hard") if isinstance(limit, YamlMap) else ():
                    if limit[part] is None:
                        raise UserError(
                            f"services.{name}.build.ulimits.{limit_name}.{part} must be an integer, got null",
                            limit.value_location(part),
                        )
        if isinstance(build, YamlMap):
            for key, value in build.items():
                if value is None and key in BUILD_KEYS:
                    # compose-go validates the merged model: `args:` left empty is null, not {}.
                    raise UserError(
                        f"services.{name}.build.{key} must be {SHAPE_NAMES[BUILD_KEYS[key].shape]}, got null",
                        build.value_location(key),
                    )
