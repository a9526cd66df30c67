"""``tap demo``: the main job on one machine, with the core alone.

The work is in `tap_tools.cli.demo_leaderboards` and `tap_tools.cli.demo_inventory`,
imported when the command runs.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Final

from tap_tools.cli import PIPE_CLOSED_LINE

if TYPE_CHECKING:
    from collections.abc import Callable

DEMO_HELP: Final = f"""\
Run both pipelines on this machine, in memory, on generated input:

  leaderboards  score submissions (some invalid, some re-sent, as at-least-once delivery
                does) are validated and applied; then the endings of every message, the top 5
                of each board, a player's rank and neighbours, and why messages were rejected.
  inventory     three CSV uploads (one with bad rows, one a day later, one re-sent) are parsed
                and applied, every record given one ending; then the daily stock summary.

Nothing touches AWS. The same --seed gives the same input.

examples:
  tap demo
  tap demo --submissions 100000 --players 5000 --seed 1

exit status:
  0  every message and every record got exactly one ending
  1  some did not (a bug: the output says ERROR)
  2  usage error
{PIPE_CLOSED_LINE}"""


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "demo",
        help="run both pipelines in memory on generated input and print what happened",
        description=DEMO_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--submissions",
        type=count(minimum=0),
        default=5000,
        metavar="N",
        help="score submissions to generate (default 5000)",
    )
    parser.add_argument(
        "--players",
        type=count(minimum=1),
        default=400,
        metavar="N",
        help="distinct players they come from, at least 1 (default 400)",
    )
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.set_defaults(run=run)


def count(*, minimum: int) -> Callable[[str], int]:
    """An argument type: a whole number at least ``minimum``, else a usage error."""

    def parse(text: str) -> int:
        try:
            number = int(text)
        except ValueError:
            number = minimum - 1
        if number < minimum:
            from tap_core.errors import show  # noqa: PLC0415 - only on a usage error

            raise argparse.ArgumentTypeError(f"{show(text)} is not a whole number >= {minimum}")
        return number

    return parse


def run(args: argparse.Namespace) -> int:
    from tap_tools.cli.demo_leaderboards import run_demo  # noqa: PLC0415 - see the module doc

    return run_demo(args.submissions, args.players, args.seed)
