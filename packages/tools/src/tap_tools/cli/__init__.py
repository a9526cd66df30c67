"""The ``tap`` command line.

Each subcommand is a module of this package listed in `COMMANDS`: it exposes
``register(commands)``, which adds its parser and sets ``run``; it imports only ``argparse``
and the standard library at module scope and everything else inside its run functions, so
``tap inventory validate`` loads neither the demo nor the leaderboard core, and ``tap --help``
loads no pydantic at all. Adding a command is adding a module and its name here.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from typing import TYPE_CHECKING, Final, NoReturn

if TYPE_CHECKING:
    from collections.abc import Sequence

COMMANDS: Final = (
    "tap_tools.cli.local",
    "tap_tools.cli.demo",
    "tap_tools.cli.inventory",
    "tap_tools.cli.infra",
    "tap_tools.cli.dlq",
)
"""The subcommand modules, in the order ``tap --help`` lists them."""

PIPE_CLOSED: Final = 141
"""The exit status when the reader closes the pipe early: 128 + SIGPIPE, what a shell reports
for a process SIGPIPE ends (the default for a C program such as ``cat``)."""
PIPE_CLOSED_LINE: Final = (
    f"  {PIPE_CLOSED}  the reader closed the pipe early (tap ... | head): the rest is not printed"
)
"""The exit status line every help page that lists exit statuses carries."""

DISTRIBUTION: Final = "tap-tools"
"""The installed distribution whose version ``tap --version`` prints."""

EPILOG: Final = f"""\
examples:
  tap local demo
  tap local up --outputs outputs.json
  tap demo
  tap inventory validate inventory.csv
  tap infra plan
  tap dlq list --queue scores --outputs outputs.json

exit status:
  0  success
  1  the input had invalid records (or the demo found a message without an ending), or an
     AWS error (tap dlq)
  2  usage error (an unknown command or option, a bad value), or a file that cannot be read
     or has an unusable header
{PIPE_CLOSED_LINE}

Run 'tap COMMAND --help' for what a command does, its options and its exit statuses."""


class _Parser(argparse.ArgumentParser):
    """An argument parser that names an unknown option as such.

    argparse checks a missing required argument (``COMMAND``, ``ACTION``) before it reports the
    arguments it did not recognize, so ``tap --nosuch`` would say a COMMAND is required. This
    parser remembers what it was given and, in that case, reports the unknown options instead.
    Subparsers are made of the same class (``add_subparsers`` uses the parent's).
    """

    _given: tuple[str, ...] = ()

    def parse_known_args(  # type: ignore[override]  # typeshed's overloads, one used here
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        self._given = tuple(sys.argv[1:] if args is None else args)
        return super().parse_known_args(args, namespace)

    def error(self, message: str) -> NoReturn:
        if message.startswith("the following arguments are required"):
            unknown = [
                word
                for word in self._given
                if word.startswith("-")
                and word != "--"
                and not any(  # argparse takes an unambiguous prefix of an option
                    known.startswith(word.split("=", 1)[0]) for known in self._option_string_actions
                )
            ]
            if unknown:
                message = f"unrecognized arguments: {' '.join(unknown)}"
        super().error(message)


class _Version(argparse.Action):
    """``--version``: look the version up only when asked (importlib.metadata is not free)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **_: object) -> None:
        super().__init__(option_strings, dest, nargs=0, help="print tap's version and exit")

    def __call__(  # argparse's signature; only the parser is used
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,  # noqa: ARG002
        values: object,  # noqa: ARG002
        option_string: str | None = None,  # noqa: ARG002
    ) -> None:
        from importlib.metadata import version  # noqa: PLC0415 - only when asked

        print(f"tap {version(DISTRIBUTION)}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    """The ``tap`` argument parser with every subcommand of `COMMANDS` registered."""
    parser = _Parser(
        prog="tap",
        description="tap: leaderboard and inventory pipelines.\n"
        "Run the whole system on this machine (tap local), validate inventory CSV files, run\n"
        "both pipelines in memory (tap demo), and list or redrive the dead-letter queues.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-V", "--version", action=_Version)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(name).register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``tap`` with ``argv`` (default: the process arguments); return the exit status.

    A reader that closes the pipe early (``tap inventory validate big.csv | head``) ends the
    run quietly, as the Python docs' note on SIGPIPE shows: the rest of the output goes to
    ``os.devnull`` so the interpreter's final flush cannot raise again, and the status is
    `PIPE_CLOSED` (the note's 1 would read as "invalid records"), as every help page lists.
    """
    parser = build_parser()
    # A command that hands its arguments to another parser (``tap infra plan``) sets
    # ``passthrough``; for every other command an unknown argument is a usage error.
    args, extra = parser.parse_known_args(argv)
    if getattr(args, "passthrough", False):
        args.options = extra
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        status: int = args.run(args)
        sys.stdout.flush()
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return PIPE_CLOSED
    return status
