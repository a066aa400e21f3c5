"""Command-line front: parse, dispatch, and turn errors into one line and an exit code.

Exit codes: 0 ok; 1 stale output or lint errors; 2 invalid input or usage; 3 internal error.
"""

from __future__ import annotations

import gc
import os
import sys

from bakegen import __version__
from bakegen.errors import UserError

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (it imports re: ~5 ms)
if TYPE_CHECKING:  # annotations only: an unchanged `check` imports neither pathlib, typing nor collections
    import argparse
    import re
    from collections.abc import Sequence
    from typing import Any, NoReturn

EXAMPLES = {
    "render": "example: bakegen render            # write docker-bake.json\n"
    "         bakegen render --check    # exit 1 with a diff when it is stale",
    "check": "example: bakegen check             # in CI: fail the PR when docker-bake.json is stale",
    "validate": "example: bakegen validate --strict  # schema + lints; warnings fail too",
    "explain": "example: bakegen explain api --env GITHUB_ACTIONS=true --env GITHUB_HEAD_REF=feature/x",
    "init": "example: bakegen init --ci github --pre-commit",
    "targets": "example: bakegen targets --json     # for a CI matrix",
    "affected": "example: bakegen affected --base origin/main   # targets a branch changed",
    "matrix": "example: bakegen matrix --base origin/main     # the fan-out's cells for a PR",
    "schema": "example: bakegen schema > bakegen.schema.json",
}


def _parser() -> argparse.ArgumentParser:
    import argparse  # here, not at the top: an unchanged `check` never parses with it

    class _Parser(argparse.ArgumentParser):
        def error(self, message: str) -> None:  # type: ignore[override]
            # argparse prints usage and exits 2; keep the one-line contract.
            raise UserError(f"{message} (see '{self.prog} --help')")

    parser = _Parser(
        prog="bakegen",
        description="Compile docker compose services and a cache policy into docker-bake.json.",
        epilog="example: bakegen render && git add docker-bake.json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"bakegen {__version__}")
    parser.add_argument("-c", "--config", metavar="FILE", dest="global_config", default=None,
                        help="policy file, before the command (default: bakegen.yaml here or in a parent directory)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(
            name, help=help_text, description=help_text, epilog=EXAMPLES[name],
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        if name not in ("schema",):
            where = "in the current directory" if name == "init" else "here or in the nearest parent directory"
            sub.add_argument("-c", "--config", metavar="FILE", default=None,
                             help=f"policy file (default: bakegen.yaml {where})")
        return sub

    render = command("render", "write the bake file(s) named in the policy")
    mode = render.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="write nothing; exit 1 with a diff when stale")
    mode.add_argument("--stdout", action="store_true", help="print the JSON bake file instead of writing")
    command("check", "same as 'render --check'")
    validate = command("validate", "validate the policy against the schema and lint the project")
    validate.add_argument("--strict", action="store_true", help="treat warnings as errors")
    explain = command("explain", "show what buildx will build under an environment")
    explain.add_argument("services", nargs="*", metavar="SERVICE", help="services to show (default: all)")
    explain.add_argument("--env", action="append", default=[], metavar="K=V",
                         help="an environment variable as buildx would see it (repeatable)")
    explain.add_argument("--json", action="store_true", help="machine-readable output")
    init = command("init", "scaffold bakegen.yaml from the compose project here")
    init.add_argument("--force", action="store_true", help="overwrite existing files")
    init.add_argument("--ci", choices=["github"], help="also write a CI workflow")
    init.add_argument("--pre-commit", action="store_true",
                      help="write .pre-commit-config.yaml with bakegen's hook (or print the entry to add)")
    init.add_argument("-f", "--file", action="append", default=[], metavar="FILE", dest="files",
                      help="compose file to scaffold from (repeatable; default: COMPOSE_FILE, else compose's discovery)")
    init.add_argument("--hook-repo", metavar="URL",
                      help="git URL of bakegen for the pre-commit hook (default: where this bakegen was installed from)")
    init.add_argument("--fan-out", action="store_true",
                      help="with --ci github: one job per target and platform (.github/workflows/bakegen-fanout.yml)")
    targets = command("targets", "list targets and groups")
    targets.add_argument("--json", action="store_true", help="machine-readable output")
    affected = command("affected", "list the targets whose build inputs changed between two commits")
    affected.add_argument("--base", required=True, metavar="REF", help="the commit to compare with (e.g. origin/main)")
    affected.add_argument("--head", default="HEAD", metavar="REF", help="the commit to look at (default: HEAD)")
    affected.add_argument("--json", action="store_true", help="machine-readable output, with reasons")
    matrix = command("matrix", "the fan-out workflow's matrix: one cell per target and platform")
    matrix.add_argument("--base", metavar="REF", help="only the targets affected since REF (pull requests)")
    matrix.add_argument("--head", default="HEAD", metavar="REF", help="the commit to read (default: HEAD)")
    matrix.add_argument("--push", action="store_true", help="tagged targets push by digest and are merged")
    matrix.add_argument("--github", action="store_true", help="print name=value lines for $GITHUB_OUTPUT")
    command("schema", "print the policy JSON Schema")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    fast = _fast_path(sys.argv[1:] if argv is None else list(argv))
    if fast is not None:
        return fast
    # The cyclic GC rescans every live object on each collection, which makes loading a
    # large compose file (tens of thousands of YAML nodes) quadratic: 100k services took
    # 11 s instead of 3.5 s. bakegen builds no garbage cycles worth collecting in one run
    # (reference counting frees the rest), so collection is paused for the run.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _main(argv)
    finally:
        if gc_was_enabled:
            gc.enable()


def run() -> NoReturn:
    """The console script and ``python -m bakegen``: ``main()``, then exit without tearing down.

    A full render leaves its whole compose model alive (about 100 000 objects at 1000
    services); the collection and deallocation of interpreter shutdown cost ~80 ms of CPU
    there (a third of the run), for memory the OS takes back at once. So the process flushes
    its output and ends with ``os._exit``, as mypy does. bakegen registers no ``atexit``
    handlers, and every file it writes is complete (renamed into place) before ``main`` returns.
    """
    code = main()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, ValueError):  # a reader that went away; a closed stream
            pass
    os._exit(code)


def _fast_path(argv: list[str]) -> int | None:
    """An unchanged project's `check` / `render` (`--check`, `--stdout`): the header's content
    hash proves the outputs current, so nothing is loaded (see freshness.py). None: run the
    full command, which also handles every other spelling of the arguments."""
    if any(name in os.environ for name in ("GIT_DIR", "GIT_COMMON_DIR", "GIT_WORK_TREE")):
        return None  # git would not find its repository where freshness looks for it
    plain = _render_arguments(argv)
    if plain is None:
        return None
    mode, config = plain
    from bakegen.freshness import find_policy, fresh_json

    content = fresh_json(find_policy() if config is None else config)
    if content is None:
        return None
    if mode == "stdout":
        try:
            sys.stdout.buffer.write(content)
            sys.stdout.flush()
        except BrokenPipeError:
            pass
    return 0


def _render_arguments(argv: list[str]) -> tuple[str, str | None] | None:
    """The usual spellings of `check` / `render`: ``-c FILE`` or ``--config=FILE``, and for
    render ``--check`` or ``--stdout``, in any order → (mode, the -c FILE or None). None for
    anything else (no argument, ``--help``, an abbreviation, a mistake): argparse reads those."""
    if not argv or argv[0] not in ("check", "render"):
        return None
    mode = "check" if argv[0] == "check" else "write"
    config = None
    rest = argv[1:]
    while rest:
        word = rest.pop(0)
        if word in ("-c", "--config") and rest and not rest[0].startswith("-"):
            config = rest.pop(0)
        elif word.startswith("--config=") and len(word) > 9:
            config = word[9:]
        elif word in ("--check", "--stdout") and argv[0] == "render" and mode == "write":
            mode = word[2:]
        else:
            return None
    return mode, config


def _main(argv: Sequence[str] | None) -> int:
    try:
        plain = _render_arguments(sys.argv[1:] if argv is None else list(argv))
        if plain is not None:
            # What argparse would make of these words, without importing it and building the
            # parser (argparse, gettext, locale, shutil: measured ~6 ms of a render).
            mode, config = plain
            from bakegen.commands import render

            return render.run(config or _found_policy(), mode)
        args = _parser().parse_args(argv)
        if args.command is None:
            _parser().print_help()
            commands = ", ".join(EXAMPLES)
            raise UserError(f"no command given; expected one of {commands} (see 'bakegen --help')")
        return _dispatch(args)
    except UserError as error:
        _error_line(f"bakegen: {error}" if error.location is None else str(error))
        return error.exit_code
    except KeyboardInterrupt:
        _error_line("bakegen: interrupted; outputs left untouched")
        return 130
    except BrokenPipeError:
        return 0
    except RecursionError:
        _error_line("bakegen: error: input nested too deeply; expected at most a few hundred levels")
        return 2
    except Exception as error:  # the crash contract: one line, exit 3
        _error_line(
            f"bakegen: internal error: {type(error).__name__}: {error}; please report this as a bug"
            " (rerun with BAKEGEN_DEBUG=1 for a traceback)"
        )
        if os.environ.get("BAKEGEN_DEBUG"):
            raise
        return 3


# Line breaks and other control characters that reach a message from the input (a YAML key
# "a\nb", a file name) would split the one-line error; they are printed escaped instead.
_CONTROL = "[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]"


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char == "\n":
        return "\\n"
    if char == "\r":
        return "\\r"
    return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


def _error_line(text: str) -> None:
    """Print one line on stderr: the contract every error message keeps."""
    import re

    print(re.sub(_CONTROL, _escape, text), file=sys.stderr)


def _config(args: argparse.Namespace) -> str:
    """The policy file: ``COMMAND -c FILE``, else ``-c FILE COMMAND``, else found upward from here.

    As git and compose do, the nearest ``bakegen.yaml`` in this directory or a parent is used;
    ``init`` creates one here.
    """
    from bakegen.policy import DEFAULT_POLICY_FILE

    given = getattr(args, "config", None) or args.global_config
    if given is not None:
        return str(given)
    return _found_policy() if args.command != "init" else DEFAULT_POLICY_FILE


def _found_policy() -> str:
    from bakegen.freshness import find_policy

    return find_policy()


def _compose_choice(args: argparse.Namespace) -> Any:
    """``init -f``, else compose's own ``COMPOSE_FILE`` (and ``COMPOSE_PROJECT_NAME``)."""
    from bakegen.commands.init import ComposeChoice

    files = list(args.files)
    if not files and os.environ.get("COMPOSE_FILE"):
        separator = os.environ.get("COMPOSE_PATH_SEPARATOR") or os.pathsep
        files = [name for name in os.environ["COMPOSE_FILE"].split(separator) if name]
    return ComposeChoice(tuple(files), os.environ.get("COMPOSE_PROJECT_NAME") or None,
                         os.environ.get("COMPOSE_PATH_SEPARATOR") or None)


def _dispatch(args: argparse.Namespace) -> int:
    command = args.command
    if command != "schema":
        args.config = _config(args)
    if command in ("render", "check"):
        from bakegen.commands import render

        mode = "check" if command == "check" or args.check else "stdout" if args.stdout else "write"
        return render.run(args.config, mode)
    if command == "validate":
        from bakegen.commands import validate

        return validate.run(args.config, strict=args.strict)
    if command == "explain":
        from bakegen.commands import explain

        return explain.run(args.config, args.services, args.env, as_json=args.json)
    if command == "init":
        from bakegen.commands import init

        return init.run(args.config, force=args.force, ci=args.ci, pre_commit=args.pre_commit,
                        compose=_compose_choice(args), hook_repo=args.hook_repo,
                        fan_out=args.fan_out)
    if command == "targets":
        from bakegen.commands import targets

        return targets.run(args.config, as_json=args.json)
    if command == "affected":
        from bakegen.commands import affected

        return affected.run(args.config, args.base, args.head, as_json=args.json)
    if command == "matrix":
        from bakegen.commands import matrix

        return matrix.run(args.config, args.base, args.head, push=args.push, github=args.github)
    if command == "schema":
        from bakegen.commands import schema

        return schema.run()
    raise AssertionError(command)
