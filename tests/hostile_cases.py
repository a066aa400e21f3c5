"""The table of hostile and broken inputs for tests/test_hostile.py.

Each case edits a copy of a small rendered project (``PROJECT``), runs the real CLI, and
states the exact exit status and the one line bakegen must print on stderr. Unless a case
says otherwise, the committed ``docker-bake.json`` must come out byte-identical.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

# A file's new content: text, bytes, a callable building large content lazily (so the
# 50 MB cases cost nothing at import), or None to delete the file.
Content = str | bytes | Callable[[], bytes] | None

POLICY = "version: 1\ncompose:\n  files: [compose.yaml]\n"
COMPOSE = "name: demo\nservices:\n  api:\n    image: acme/api\n    build: ./api\n  db:\n    image: postgres\n"
PROJECT: dict[str, str] = {"bakegen.yaml": POLICY, "compose.yaml": COMPOSE, "api/Dockerfile": "FROM scratch\n"}


@dataclass(frozen=True)
class Case:
    id: str
    files: dict[str, Content]
    exit: int
    stderr: str
    args: tuple[str, ...] = ("render",)
    stdout: str | None = None  # exact stdout when given
    unchanged: bool = True  # docker-bake.json keeps its bytes
    output_contains: tuple[str, ...] = ()  # for cases that render: text the new output must carry
    limited: bool = False  # run in a child process under RLIMIT_CPU and RLIMIT_AS (tests/limits.py)
    marks: tuple[pytest.MarkDecorator, ...] = field(default=())


def policy(extra: str) -> dict[str, Content]:
    return {"bakegen.yaml": POLICY + extra}


def compose(text: str) -> dict[str, Content]:
    return {"compose.yaml": text}


def service(body: str) -> dict[str, Content]:
    """A compose file whose one service ``api`` has ``body`` (indented four spaces)."""
    return compose("services:\n  api:\n" + body)


def build(body: str) -> dict[str, Content]:
    """A compose file whose service ``api`` has a build mapping with ``body`` (six spaces)."""
    return service("    build:\n      context: .\n" + body)


def _bomb() -> str:
    # "Billion laughs": nine levels of nine aliases each, 9**9 nodes once expanded.
    lines = ["x-l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"x-l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]" for i in range(1, 10)]
    return "\n".join(lines) + "\nservices: {}\n"


def _mapping_bomb() -> str:
    lines = ["x-m0: &m0 {a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8, i: 9}"]
    lines += [f"x-m{i}: &m{i} {{" + ", ".join(f"k{j}: *m{i - 1}" for j in range(9)) + "}" for i in range(1, 10)]
    return "\n".join(lines) + "\nservices: {}\n"


def _alias_depth() -> str:
    # Each alias is small, but they nest 300 deep once expanded.
    lines = ["x-d0: &d0 {a: 1}"] + [f"x-d{i}: &d{i} {{k: *d{i - 1}}}" for i in range(1, 300)]
    return "\n".join(lines) + "\nservices: {}\n"


def _huge_arg() -> bytes:
    head = "name: demo\nservices:\n  api:\n    image: acme/api\n    build:\n      context: ./api\n      args:\n        BIG: "
    return head.encode() + b"x" * 50_000_000 + b"\n  db:\n    image: postgres\n"


def _huge_then_broken() -> bytes:
    return b"x-big: " + b"y" * 50_000_000 + b"\nservices: [\n"


def _huge_policy_value() -> bytes:
    return (POLICY + "variables:\n  TAG: ").encode() + b"v" * 50_000_000 + b"\n  1BAD: x\n"


def _huge_env() -> bytes:
    return b"FOO=" + b"x" * 50_000_000 + b"\nBAD LINE\n"


ENV_POLICY = POLICY + "  env_files: [.env]\n"
XFAIL = pytest.mark.xfail

CASES: list[Case] = [
    # -- YAML -----------------------------------------------------------------------------
    Case("yaml-unclosed-flow", compose("services:\n  api: [\n"), 2,
         "compose.yaml:3:1: error: invalid YAML: did not find expected node content (while parsing a flow node at line 3)"),
    Case("yaml-bad-indent", compose("services:\n  api:\n    image: x\n   build: .\n"), 2,
         "compose.yaml:4:4: error: invalid YAML: did not find expected key (while parsing a block mapping at line 2)"),
    Case("yaml-tab-indent", compose("services:\n\tapi:\n    build: .\n"), 2,
         "compose.yaml:2:1: error: invalid YAML: found character that cannot start any token (while scanning for the next token at line 2)"),
    Case("yaml-policy-tab", {"bakegen.yaml": "version: 1\ncompose:\n\tfiles: [compose.yaml]\n"}, 2,
         "bakegen.yaml:3:1: error: invalid YAML: found character that cannot start any token (while scanning for the next token at line 3)"),
    Case("yaml-duplicate-top", compose("services: {}\nservices: {}\n"), 2,
         "compose.yaml:2:1: error: duplicate key 'services' (first defined at line 1, column 1)"),
    Case("yaml-duplicate-service", compose("services:\n  api:\n    build: .\n  api:\n    build: .\n"), 2,
         "compose.yaml:4:3: error: duplicate key 'api' (first defined at line 2, column 3)"),
    Case("yaml-duplicate-deep", build("      context: ./x\n"), 2,
         "compose.yaml:5:7: error: duplicate key 'context' (first defined at line 4, column 7)"),
    Case("yaml-duplicate-arg-flow", build("      args: {A: 1, A: 2}\n"), 2,
         "compose.yaml:5:20: error: duplicate key 'A' (first defined at line 5, column 14)"),
    Case("yaml-duplicate-policy", {"bakegen.yaml": "version: 1\nversion: 1\n"}, 2,
         "bakegen.yaml:2:1: error: duplicate key 'version' (first defined at line 1, column 1)"),
    Case("yaml-root-list", compose("- a\n- b\n"), 2,
         "compose.yaml:1:1: error: the top-level object must be a mapping, got list"),
    Case("yaml-root-scalar", compose("hello\n"), 2,
         "compose.yaml:1:1: error: the top-level object must be a mapping, got string"),
    Case("yaml-policy-root-list", {"bakegen.yaml": "- 1\n"}, 2,
         "bakegen.yaml:1:1: error: the policy must be a mapping, got a list"),
    Case("yaml-empty-compose", compose(""), 2, "compose.yaml: error: empty compose file"),  # compose: "empty compose file"
    Case("yaml-comments-only-compose", compose("# nothing here\n"), 2, "compose.yaml: error: empty compose file"),
    Case("yaml-empty-policy", {"bakegen.yaml": ""}, 2,
         "bakegen.yaml:1:1: error: the file is empty; expected a YAML document"),
    Case("yaml-policy-two-documents", {"bakegen.yaml": "version: 1\n---\nversion: 1\n"}, 2,
         "bakegen.yaml:2:1: error: expected a single YAML document, found several"),
    Case("yaml-recursive-alias", compose("x-a: &a\n  b: *a\nservices: {}\n"), 2,
         "compose.yaml:1:6: error: recursive YAML alias: a node refers to itself"),
    Case("yaml-anchors-are-fine",
         compose("name: demo\nx-b: &b\n  context: ./api\nservices:\n  api:\n    image: acme/api\n    build: *b\n"
                 "  db:\n    image: postgres\n"), 0, "bakegen: wrote docker-bake.json"),
    Case("yaml-billion-laughs", compose(_bomb()), 2,
         "compose.yaml:1:47: error: YAML aliases expand to more than 100000 nodes (an alias bomb?)", limited=True),
    Case("yaml-mapping-bomb", compose(_mapping_bomb()), 2,
         "compose.yaml:1:21: error: YAML aliases expand to more than 100000 nodes (an alias bomb?)", limited=True),
    Case("yaml-policy-bomb", {"bakegen.yaml": POLICY + _bomb().replace("services: {}\n", "")}, 2,
         "bakegen.yaml:4:47: error: YAML aliases expand to more than 100000 nodes (an alias bomb?)", limited=True),
    Case("yaml-alias-depth", compose(_alias_depth()), 2,
         "compose.yaml:1:12: error: YAML nesting is deeper than 200 levels", limited=True),
    Case("yaml-100k-brackets", compose("x: " + "[" * 100_000 + "\n"), 2,
         "compose.yaml:1:1003: error: invalid YAML: exceeded maximum nesting depth (while increasing flow level at line 1)",
         limited=True),
    Case("yaml-100k-braces-policy", {"bakegen.yaml": "x: " + "{a: " * 100_000 + "\n"}, 2,
         "bakegen.yaml:1:4000: error: invalid YAML: exceeded maximum nesting depth (while increasing flow level at line 1)",
         limited=True),
    Case("yaml-300-levels", compose("x-a: " + "[" * 300 + "]" * 300 + "\nservices: {}\n"), 2,
         "compose.yaml:1:206: error: YAML nesting is deeper than 200 levels", limited=True),
    Case("yaml-huge-scalar-renders", {"compose.yaml": _huge_arg}, 0, "bakegen: wrote docker-bake.json",
         unchanged=False, output_contains=('"BIG": "xxxxxxxxxx',), limited=True),
    Case("yaml-huge-scalar-then-error", {"compose.yaml": _huge_then_broken}, 2,
         "compose.yaml:3:1: error: invalid YAML: did not find expected node content (while parsing a flow node at line 3)",
         limited=True),
    Case("yaml-huge-policy-value", {"bakegen.yaml": _huge_policy_value}, 2,
         "bakegen.yaml:6:3: error: variables key '1BAD' is not a valid bake variable name; expected a letter or '_', then letters, digits and '_'", limited=True),
    Case("yaml-not-utf8", {"compose.yaml": b"services:\n  api:\n    image: \xff\xfe\n"}, 2,
         "compose.yaml:3:12: error: the file is not valid UTF-8 (byte 0xff)"),
    Case("yaml-policy-not-utf8", {"bakegen.yaml": b"version: 1\n# \xc3\x28\n"}, 2,
         "bakegen.yaml:2:3: error: the file is not valid UTF-8 (byte 0xc3)"),
    Case("yaml-nul", service("    image: a\x00b\n"), 2,
         "compose.yaml:3:13: error: control character U+0000 is not allowed in YAML"),
    Case("yaml-bell", service("    image: a\x07b\n"), 2,
         "compose.yaml:3:13: error: control character U+0007 is not allowed in YAML"),
    Case("yaml-escape-char-policy", {"bakegen.yaml": "version: 1\x1b\n"}, 2,
         "bakegen.yaml:1:11: error: control character U+001B is not allowed in YAML"),
    # A BOM is fine (compose accepts UTF-8 and UTF-16 with a BOM): same project, same bytes.
    Case("yaml-utf8-bom", {"compose.yaml": "\ufeff" + COMPOSE, "bakegen.yaml": "\ufeff" + POLICY}, 0, "bakegen: wrote docker-bake.json"),
    Case("yaml-utf16-bom", {"compose.yaml": ("\ufeff" + COMPOSE).encode("utf-16-le")}, 0, "bakegen: wrote docker-bake.json"),
    Case("yaml-newline-in-key-escaped", service('    "bu\\nld": .\n'), 2,
         "compose.yaml:3:5: error: services.api: unknown key 'bu\\nld' (additional properties are not allowed)"),
    Case("yaml-custom-tag", {"bakegen.yaml": "version: 1\ncompose: !foo\n  files: [compose.yaml]\n"}, 2,
         "bakegen.yaml:2:10: error: unsupported YAML tag !foo"),
    Case("yaml-binary-tag", {"bakegen.yaml": "version: 1\ncompose:\n  files: !!binary aGVsbG8=\n"}, 2,
         "bakegen.yaml:3:10: error: binary (!!binary) values are not supported"),
    # compose accepts (and ignores) a global !!python tag on a mapping; so does bakegen, and
    # nothing is constructed from it.
    Case("yaml-python-tag-is-inert", compose("x-a: !!python/object:os.system {}\n" + COMPOSE), 0, "bakegen: wrote docker-bake.json"),
    # -- compose semantics -----------------------------------------------------------------
    Case("compose-services-list", compose("services:\n  - api\n"), 2,
         "compose.yaml:2:3: error: services must be a mapping, got list"),
    Case("compose-services-number", compose("services: 3\n"), 2,
         "compose.yaml:1:11: error: services must be a mapping, got number"),
    Case("compose-services-null", compose("services:\n"), 2,
         "compose.yaml:1:10: error: services must be a mapping, got null"),
    Case("compose-service-scalar", compose("services:\n  api: hello\n"), 2,
         "compose.yaml:2:8: error: services.api must be a mapping, got string"),
    Case("compose-service-list", compose("services:\n  api: [1]\n"), 2,
         "compose.yaml:2:8: error: services.api must be a mapping, got list"),
    Case("compose-service-null", compose("services:\n  api:\n"), 2,
         "compose.yaml:2:7: error: services.api must be a mapping, got null"),
    Case("compose-build-number", service("    build: 5\n"), 2,
         "compose.yaml:3:12: error: services.api.build must be a string or a mapping, got number"),
    Case("compose-build-list", service("    build: [a]\n"), 2,
         "compose.yaml:3:12: error: services.api.build must be a string or a mapping, got list"),
    Case("compose-build-null", service("    build:\n"), 2,
         "compose.yaml:3:11: error: services.api.build must be a string or a mapping, got null"),
    Case("compose-args-list-of-numbers", build("      args: [1, 2]\n"), 2,
         "compose.yaml:5:14: error: services.api.build.args[0] must be a string, got number"),
    Case("compose-args-number", build("      args: 5\n"), 2,
         "compose.yaml:5:13: error: services.api.build.args must be a mapping or a list of strings, got number"),
    Case("compose-arg-mapping", build("      args:\n        A: {b: 1}\n"), 2,
         "compose.yaml:6:12: error: services.api.build.args.A must be a string, number, boolean or null, got mapping"),
    Case("compose-arg-key-number", build("      args:\n        1: a\n"), 2,
         "compose.yaml:6:9: error: non-string key in services.api.build.args: 1"),
    Case("compose-context-number", service("    build:\n      context: 5\n"), 2,
         "compose.yaml:4:16: error: services.api.build.context must be a string, got number"),
    Case("compose-dockerfile-list", build("      dockerfile: [a]\n"), 2,
         "compose.yaml:5:19: error: services.api.build.dockerfile must be a string, got list"),
    Case("compose-platforms-string", build("      platforms: linux/amd64\n"), 2,
         "compose.yaml:5:18: error: services.api.build.platforms must be a list of strings, got string"),
    Case("compose-labels-list-of-numbers", build("      labels: [1]\n"), 2,
         "compose.yaml:5:16: error: services.api.build.labels[0] must be a string, got number"),
    Case("compose-secrets-string", build("      secrets: foo\n"), 2,
         "compose.yaml:5:16: error: services.api.build.secrets must be a list, got string"),
    Case("compose-extra-host-no-ip", build("      extra_hosts: [foo]\n"), 2,
         "compose.yaml:5:21: error: services.api.build.extra_hosts[0]: invalid additional host, missing IP address: 'foo'"),
    Case("compose-image-number", service("    image: 5\n    build: .\n"), 2,
         "compose.yaml:3:12: error: services.api.image must be a string, got number"),
    Case("compose-name-number", compose("name: 5\nservices: {}\n"), 2,
         "compose.yaml:1:7: error: name must be a string, got number"),
    Case("compose-unknown-top-key", compose("servics:\n  api:\n    build: .\n"), 2,
         "compose.yaml:1:1: error: unknown top-level key 'servics' (additional properties are not allowed)"),
    Case("compose-unknown-service-key", service("    buld: .\n"), 2,
         "compose.yaml:3:5: error: services.api: unknown key 'buld' (additional properties are not allowed)"),
    Case("compose-unknown-build-key", service("    build:\n      contxt: .\n"), 2,
         "compose.yaml:4:7: error: services.api.build: unknown key 'contxt' (additional properties are not allowed)"),
    Case("compose-x-keys-are-fine",
         compose("x-foo: 1\nname: demo\nservices:\n  api:\n    x-bar: 2\n    image: acme/api\n    build:\n"
                 "      x-baz: 3\n      context: ./api\n  db:\n    image: postgres\n"), 0, "bakegen: wrote docker-bake.json"),
    Case("compose-extends-cycle", compose("services:\n  a:\n    extends: b\n    build: .\n  b:\n    extends: a\n"), 2,
         "compose.yaml:6:14: error: circular extends: a in compose.yaml extends b in compose.yaml extends a in compose.yaml"),
    Case("compose-extends-self", compose("services:\n  a:\n    extends: a\n    build: .\n"), 2,
         "compose.yaml:3:14: error: circular extends: a in compose.yaml extends a in compose.yaml"),
    Case("compose-extends-unknown-service", compose("services:\n  a:\n    extends: nope\n    build: .\n"), 2,
         'compose.yaml:3:14: error: cannot extend service "a" in compose.yaml: service "nope" not found'),
    Case("compose-extends-missing-file",
         compose("services:\n  a:\n    extends:\n      file: other.yaml\n      service: x\n    build: .\n"), 2,
         "compose.yaml:4:13: error: compose file not found: other.yaml"),
    Case("compose-extends-number", compose("services:\n  a:\n    extends: 5\n    build: .\n"), 2,
         "compose.yaml:3:14: error: services.a.extends must be a string or a mapping, got number"),
    Case("compose-extends-cycle-across-files",
         {"compose.yaml": "services:\n  a:\n    extends:\n      file: b.yaml\n      service: b\n    build: .\n",
          "b.yaml": "services:\n  b:\n    extends:\n      file: compose.yaml\n      service: a\n"}, 2,
         "b.yaml:5:16: error: circular extends: a in compose.yaml extends b in b.yaml extends a in compose.yaml"),
    Case("compose-include-missing", compose("include:\n  - other.yaml\nservices: {}\n"), 2,
         "compose.yaml:2:5: error: compose file not found: other.yaml"),
    Case("compose-include-cycle",
         {"compose.yaml": "include:\n  - b.yaml\nservices: {}\n", "b.yaml": "include:\n  - compose.yaml\nservices: {}\n"}, 2,
         "b.yaml:2:5: error: include cycle detected: compose.yaml includes b.yaml includes compose.yaml"),
    Case("compose-include-self", compose("include:\n  - compose.yaml\nservices: {}\n"), 2,
         "compose.yaml:2:5: error: include cycle detected: compose.yaml includes compose.yaml"),
    Case("compose-include-directory", compose("include:\n  - api\nservices: {}\n"), 2,
         "compose.yaml:2:5: error: compose file api is a directory; expected a file"),
    Case("compose-include-unknown-key", compose("include:\n  - pth: x\nservices: {}\n"), 2,
         "compose.yaml:2:5: error: include: unknown key 'pth' (expected path, env_file, project_directory)"),
    Case("compose-include-needs-variable", compose("include:\n  - ${DIR}/x.yaml\nservices: {}\n"), 2,
         "compose.yaml:2:5: error: include path '${DIR}/x.yaml' needs variable(s) DIR, which must be known when "
         "bakegen runs (set them in an env file listed in compose.env_files)"),
    Case("interp-dollar-brace", service("    image: a${\n    build: ./api\n"), 2,
         "compose.yaml:3:13: error: invalid interpolation format at '${': '${' is not closed on its line (write $$ for a literal $)"),
    Case("interp-empty-braces", service("    image: a${}\n    build: ./api\n"), 2,
         "compose.yaml:3:13: error: invalid interpolation format at '${}': '${}' has no variable name (write $$ for a literal $)"),
    Case("interp-digit-name", service("    image: a${1X}\n    build: ./api\n"), 2,
         "compose.yaml:3:13: error: invalid interpolation format at '${1X}': a variable name must start with a letter "
         "or '_', not '1' (write $$ for a literal $)"),
    Case("interp-unclosed-name", service("    image: a${FOO\n    build: ./api\n"), 2,
         "compose.yaml:3:13: error: invalid interpolation format at '${FOO': '${FOO' is not closed on its line (write $$ for a literal $)"),
    Case("interp-unclosed-default", service("    image: a${FOO:-x\n    build: ./api\n"), 2,
         "compose.yaml:3:13: error: invalid interpolation format at '${FOO:-x': '${FOO:-' is not closed on its line (write $$ for a literal $)"),
    Case("interp-bad-operator", service("    image: a${FOO!x}\n    build: ./api\n"), 2,
         "compose.yaml:3:13: error: invalid interpolation format at '${FOO!x}': unexpected '!' after '${FOO' "
         "(expected '}', ':-', '-', ':+', '+', ':?' or '?') (write $$ for a literal $)"),
    Case("interp-in-build-arg", build("      args:\n        A: ${\n"), 2,
         "compose.yaml:6:12: error: invalid interpolation format at '${': '${' is not closed on its line (write $$ for a literal $)"),
    # compose fails `${V:?msg}` at run time; bakegen compiles it into a bake validation.
    Case("interp-required-colon",
         compose(COMPOSE.replace("image: acme/api", "image: acme/api:${TAG:?TAG must be set}")), 0,
         "bakegen: wrote docker-bake.json", unchanged=False,
         output_contains=('"condition": "${TAG != null && TAG != \\"\\"}"',
                          '"error_message": "required variable TAG is missing a value: TAG must be set"')),
    Case("interp-required-unset-only",
         compose(COMPOSE.replace("image: acme/api", "image: acme/api:${TAG?need a tag}")), 0,
         "bakegen: wrote docker-bake.json", unchanged=False, output_contains=("need a tag",)),
    Case("compose-tilde-context", service("    image: acme/api\n    build: ~/api\n"), 2,
         "compose.yaml:4:12: error: a build context under '~' names a different directory on every machine; "
         "use a path relative to the compose file"),
    # -- env files ----------------------------------------------------------------------------
    Case("env-space-in-key", {"bakegen.yaml": ENV_POLICY, ".env": "FOO=1\nthis is not valid\n"}, 2,
         ".env:2:1: error: key 'this is not valid' cannot contain a space"),
    Case("env-unterminated-quote", {"bakegen.yaml": ENV_POLICY, ".env": "FOO='abc\n"}, 2,
         ".env:1:5: error: unterminated quoted value 'abc"),
    Case("env-not-utf8", {"bakegen.yaml": ENV_POLICY, ".env": b"A=1\nFOO=\xff\n"}, 2,
         ".env:2:5: error: env file is not valid UTF-8 (byte 0xff)"),
    Case("env-bad-interpolation", {"bakegen.yaml": ENV_POLICY, ".env": 'FOO="${BAR"\n'}, 2,
         ".env:1:6: error: invalid interpolation format at '${BAR': '${BAR' is not closed on its line (write $$ for a literal $)"),
    Case("env-missing", {"bakegen.yaml": ENV_POLICY}, 2,
         "bakegen.yaml:4:15: error: env file not found: .env (listed in compose.env_files)"),
    Case("env-directory", {"bakegen.yaml": ENV_POLICY.replace(".env", "api")}, 2,
         "bakegen.yaml:4:15: error: env file api is a directory; expected a file"),
    Case("env-huge-then-error", {"bakegen.yaml": ENV_POLICY, ".env": _huge_env}, 2,
         ".env:2:1: error: key 'BAD LINE' cannot contain a space", limited=True),
    # -- policy -------------------------------------------------------------------------------
    Case("policy-unknown-key-did-you-mean", policy("cahce: {}\n"), 2,
         "bakegen.yaml:4:1: error: unknown key 'cahce' in the policy; did you mean 'cache'? (expected one of: "
         "version, compose, output, targets, tags, variables, cache, services, fan_out)"),
    Case("policy-unknown-nested-key", policy("cache:\n  backnd: gha\n"), 2,
         "bakegen.yaml:5:3: error: unknown key 'backnd' in cache; did you mean 'backend'? (expected one of: backend, "
         "scope, key, mode, ignore_error, export, fallback, default_branch, enabled, ref, s3, local)"),
    Case("policy-unknown-key-no-match", policy("zzzz: 1\n"), 2,
         "bakegen.yaml:4:1: error: unknown key 'zzzz' in the policy (expected one of: version, compose, output, "
         "targets, tags, variables, cache, services, fan_out)"),
    Case("policy-unknown-service-key", policy("services:\n  api:\n    skp: true\n"), 2,
         "bakegen.yaml:6:5: error: unknown key 'skp' in services.api; did you mean 'skip'? (expected one of: skip, "
         "platforms, tags, cache)"),
    Case("policy-enum-backend", policy("cache:\n  backend: redis\n"), 2,
         "bakegen.yaml:5:12: error: cache.backend must be one of gha, registry, local, s3, inline, none, got 'redis'; did you mean 'registry'?"),
    Case("policy-enum-mode", policy("cache:\n  mode: medium\n"), 2,
         "bakegen.yaml:5:9: error: cache.mode must be one of min, max, got 'medium'"),
    Case("policy-enum-enabled", policy("cache:\n  enabled: sometimes\n"), 2,
         "bakegen.yaml:5:12: error: cache.enabled must be ci, always, never or env:NAME, got 'sometimes'"),
    Case("policy-version-2", {"bakegen.yaml": POLICY.replace("version: 1", "version: 2")}, 2,
         "bakegen.yaml:1:10: error: unsupported policy version 2; this bakegen reads version 1"),
    Case("policy-version-string", {"bakegen.yaml": POLICY.replace("version: 1", "version: '1'")}, 2,
         "bakegen.yaml:1:10: error: policy version must be the number 1, not the string '1'; write 'version: 1' without quotes"),
    Case("policy-version-missing", {"bakegen.yaml": POLICY.replace("version: 1\n", "")}, 2,
         "bakegen.yaml:1:1: error: the policy needs 'version: 1'"),
    Case("policy-files-not-a-list", {"bakegen.yaml": "version: 1\ncompose:\n  files: compose.yaml\n"}, 2,
         "bakegen.yaml:3:10: error: compose.files must be a list of strings, got a string"),
    Case("policy-missing-compose-file", {"bakegen.yaml": "version: 1\ncompose:\n  files: [compose.yaml, nope.yaml]\n"}, 2,
         "bakegen.yaml:3:25: error: compose file not found: nope.yaml (listed in compose.files)"),
    Case("policy-compose-file-is-directory", {"bakegen.yaml": "version: 1\ncompose:\n  files: [api]\n"}, 2,
         "bakegen.yaml:3:11: error: compose file api is a directory; expected a file"),
    Case("policy-unknown-tag-placeholder", policy("tags: ['acme/{servce}:latest']\n"), 2,
         "bakegen.yaml:4:14: error: unknown placeholder {servce} in tag template; expected one of {branch}, {image}, "
         "{project}, {service}"),
    Case("policy-tag-unclosed-brace", policy("tags: ['acme/{service:latest']\n"), 2,
         "bakegen.yaml:4:8: error: tag template 'acme/{service:latest' has an unbalanced '{' or '}'; placeholders "
         "look like {service} and bake expressions like ${NAME}"),
    Case("policy-tag-unclosed-interpolation", policy("tags: ['acme/api:${']\n"), 2,
         "bakegen.yaml:4:8: error: tag template 'acme/api:${' has an unbalanced '{' or '}'; placeholders look like "
         "{service} and bake expressions like ${NAME}"),
    Case("policy-tag-bad-bake-expression", policy("tags: ['acme/api:${TAG +}']\n"), 2,
         "bakegen.yaml:4:8: error: tag template 'acme/api:${TAG +}' is not a valid bake template: Invalid expression; "
         "Expected the start of an expression, but found an invalid expression token."),
    Case("policy-cache-key-unclosed-interpolation", policy("cache:\n  key: '{service}-${'\n"), 2,
         "bakegen.yaml:5:8: error: cache.key '{service}-${' has an unbalanced '{' or '}'; placeholders look like "
         "{service} and bake expressions like ${NAME}"),
    Case("policy-unknown-key-placeholder", policy("cache:\n  key: '{nope}'\n"), 2,
         "bakegen.yaml:5:9: error: unknown placeholder {nope} in cache.key; expected one of {branch}, {platform}, {project}, {service}"),
    Case("policy-static-key-collides",
         {"bakegen.yaml": POLICY + "cache:\n  key: static\n",
          "compose.yaml": COMPOSE.replace("  db:\n    image: postgres\n", "  web:\n    image: acme/web\n    build: ./api\n")}, 2,
         "bakegen.yaml:5:8: error: cache.key 'static' gives services 'api' and 'web' the same cache scope; include {service} in the key"),
    Case("policy-registry-without-ref", policy("cache:\n  backend: registry\n"), 2,
         "bakegen.yaml:5:3: error: cache.backend registry needs cache.ref, e.g. 'ghcr.io/acme/cache/{service}'"),
    Case("policy-group-default-reserved", policy("targets:\n  groups:\n    default: [api]\n"), 2,
         "bakegen.yaml:6:5: error: targets.groups key 'default' is reserved: bakegen emits group 'default' with every target"),
    Case("policy-output-absolute", policy("output:\n  json: /tmp/x.json\n"), 2,
         "bakegen.yaml:5:9: error: output.json must be a file path relative to the policy's directory, inside it, got '/tmp/x.json'"),
    Case("policy-output-escapes", policy("output:\n  json: ../x.json\n"), 2,
         "bakegen.yaml:5:9: error: output.json must be a file path relative to the policy's directory, inside it, got '../x.json'"),
    Case("policy-project-uppercase", {"bakegen.yaml": POLICY + "  project: Shop\n"}, 2,
         "bakegen.yaml:4:12: error: compose.project must be a compose project name: lower-case letters, digits, "
         "'-' and '_', starting with a letter or digit, got 'Shop'"),
    Case("policy-load-not-boolean", policy("targets:\n  load: yes please\n"), 2,
         "bakegen.yaml:5:9: error: targets.load must be true or false, got a string"),
    Case("policy-missing", {"bakegen.yaml": None}, 2,
         "bakegen: error: policy file not found: bakegen.yaml; run 'bakegen init' to create one, or pass -c FILE"),
    Case("policy-is-directory", {"bakegen.yaml": None, "bakegen.yaml/x": ""}, 2,
         "bakegen: error: policy file bakegen.yaml is a directory; expected a file"),
    # validate: lints exit 1 with the problems on stdout and one summary line on stderr.
    Case("validate-unknown-service", policy("services:\n  apii:\n    skip: true\n"), 1,
         "bakegen: 1 error(s), 0 warning(s)", args=("validate",),
         stdout="bakegen.yaml:5:3: error: policy names service 'apii', which the compose project does not define [unknown-service]\n"),
    Case("validate-empty-glob-strict", policy("targets:\n  include: ['nothing*']\n"), 1,
         "bakegen: 0 error(s), 1 warning(s)", args=("validate", "--strict"),
         stdout="bakegen.yaml:5:13: warning: targets.include pattern 'nothing*' matches no build service [glob-matches-nothing]\n"),
    Case("validate-empty-glob", policy("targets:\n  exclude: ['nothing*']\n"), 0,
         "bakegen: 0 error(s), 1 warning(s)", args=("validate",),
         stdout="bakegen.yaml:5:13: warning: targets.exclude pattern 'nothing*' matches no build service [glob-matches-nothing]\n"),
    # Other commands keep the contract on the same broken inputs.
    Case("validate-compile-error", compose(_bomb()), 1, "bakegen: 1 error(s), 0 warning(s)", args=("validate",),
         stdout="compose.yaml:1:47: error: YAML aliases expand to more than 100000 nodes (an alias bomb?)\n",
         limited=True),
    Case("validate-missing-compose-file", {"bakegen.yaml": "version: 1\ncompose:\n  files: [nope.yaml]\n"}, 1,
         "bakegen: 1 error(s), 0 warning(s)", args=("validate",),
         stdout="bakegen.yaml:3:11: error: compose file not found: nope.yaml (listed in compose.files)\n"),
    Case("validate-policy-syntax", {"bakegen.yaml": "version: 1\ncompose: [\n"}, 2,
         "bakegen.yaml:3:1: error: invalid YAML: did not find expected node content (while parsing a flow node at line 3)",
         args=("validate",)),
    Case("targets-broken-compose", compose("services: 5\n"), 2,
         "compose.yaml:1:11: error: services must be a mapping, got number", args=("targets",)),
    Case("explain-broken-compose", compose("services: 5\n"), 2,
         "compose.yaml:1:11: error: services must be a mapping, got number", args=("explain",)),
    Case("check-broken-compose", service("    image: a\x00b\n"), 2,
         "compose.yaml:3:13: error: control character U+0000 is not allowed in YAML", args=("check",)),
    # -- outputs ---------------------------------------------------------------------------------
    Case("output-missing-directory", policy("output:\n  json: out/bake.json\n"), 2,
         "bakegen.yaml:5:9: error: output directory out does not exist; create it first"),
    Case("output-is-directory", policy("output:\n  json: api\n"), 2,
         "bakegen.yaml:5:9: error: output path api is a directory; expected a file"),
    # The JSON output would change, but the HCL one cannot be written: neither is.
    Case("output-second-is-directory",
         {"bakegen.yaml": POLICY + "output:\n  json: docker-bake.json\n  hcl: api\n",
          "compose.yaml": COMPOSE.replace("acme/api", "acme/api2")}, 2,
         "bakegen.yaml:6:8: error: output path api is a directory; expected a file"),
    Case("check-output-is-directory", {"docker-bake.json": None, "docker-bake.json/x": ""}, 2,
         "bakegen: error: output path docker-bake.json is a directory; expected a file", args=("check",), unchanged=False),
    Case("check-stale", compose(COMPOSE.replace("acme/api", "acme/api2")), 1,
         "bakegen: the bake file is stale; run 'bakegen render' and commit the result", args=("check",)),
    # -- command line -----------------------------------------------------------------------------
    Case("cli-unknown-command", {}, 2,
         "bakegen: error: argument COMMAND: invalid choice: 'frobnicate' (choose from 'render', 'check', 'validate', "
         "'explain', 'init', 'targets', 'affected', 'matrix', 'schema') (see 'bakegen --help')", args=("frobnicate",)),
    Case("cli-unknown-flag", {}, 2,
         "bakegen: error: unrecognized arguments: --frob (see 'bakegen --help')", args=("render", "--frob")),
    Case("cli-check-and-stdout", {}, 2,
         "bakegen: error: argument --stdout: not allowed with argument --check (see 'bakegen render --help')",
         args=("render", "--check", "--stdout")),
    Case("cli-config-without-value", {}, 2,
         "bakegen: error: argument -c/--config: expected one argument (see 'bakegen render --help')", args=("render", "-c")),
    Case("cli-config-missing", {}, 2,
         "bakegen: error: policy file not found: nope.yaml; run 'bakegen init' to create one, or pass -c FILE",
         args=("render", "-c", "nope.yaml")),
    Case("cli-env-without-equals", {}, 2, "bakegen: error: --env expects NAME=VALUE, got 'FOO'",
         args=("explain", "--env", "FOO")),
    Case("cli-explain-unknown-service", {}, 2, "bakegen: error: unknown target 'nope'; the bake file has: api",
         args=("explain", "nope")),
    Case("cli-bad-choice", {}, 2,
         "bakegen: error: argument --ci: invalid choice: 'gitlab' (choose from 'github') (see 'bakegen init --help')",
         args=("init", "--ci", "gitlab")),
    Case("cli-no-command", {}, 2,
         "bakegen: error: no command given; expected one of render, check, validate, explain, init, targets, affected, matrix, schema "
         "(see 'bakegen --help')", args=()),
]
