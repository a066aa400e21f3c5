"""cli._render_arguments reads the usual `render` / `check` spellings without argparse: for
each spelling it accepts it must mean what argparse makes of it, and every other spelling
must be left to argparse (its help, abbreviations and errors)."""

from __future__ import annotations

import pytest

from bakegen import cli
from bakegen.errors import UserError

ACCEPTED = [
    ["render"],
    ["check"],
    ["render", "--check"],
    ["render", "--stdout"],
    ["render", "-c", "p.yaml"],
    ["render", "--config", "p.yaml", "--stdout"],
    ["render", "--check", "--config=dir/p.yaml"],
    ["check", "-c", "p.yaml"],
    ["check", "--config=p.yaml"],
    ["render", "-c", "a.yaml", "-c", "b.yaml"],  # the last one wins, as in argparse
    ["render", "-c", ""],  # empty: the policy is looked for, as argparse's '' does
    ["render", "-c", "check"],
]
LEFT_TO_ARGPARSE = [
    [],
    ["validate"],
    ["-c", "p.yaml", "render"],
    ["render", "--help"],
    ["render", "--check", "--stdout"],
    ["render", "--stdout", "--stdout"],
    ["render", "--chec"],
    ["render", "--conf", "p.yaml"],
    ["render", "-cp.yaml"],
    ["render", "-c"],
    ["render", "-c", "-x"],
    ["render", "--config="],
    ["render", "extra"],
    ["check", "--check"],
    ["check", "--stdout"],
]


def _argparse_meaning(argv: list[str]) -> tuple[str, str | None]:
    args = cli._parser().parse_args(argv)
    mode = "check" if args.command == "check" or args.check else "stdout" if args.stdout else "write"
    return mode, args.config


@pytest.mark.parametrize("argv", ACCEPTED, ids=" ".join)
def test_accepted_spellings_mean_what_argparse_reads(argv: list[str]) -> None:
    assert cli._render_arguments(argv) == _argparse_meaning(argv)


@pytest.mark.parametrize("argv", LEFT_TO_ARGPARSE, ids=" ".join)
def test_other_spellings_are_left_to_argparse(argv: list[str]) -> None:
    assert cli._render_arguments(argv) is None


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["render", "--check", "--stdout"], "argument --stdout: not allowed with argument --check"),
        (["check", "--check"], "unrecognized arguments: --check"),
        (["render", "-c"], "argument -c/--config: expected one argument"),
    ],
)
def test_argparse_still_reports_the_mistakes(argv: list[str], message: str) -> None:
    with pytest.raises(UserError, match=message):
        cli._parser().parse_args(argv)
