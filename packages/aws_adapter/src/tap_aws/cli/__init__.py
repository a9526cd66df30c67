"""The ``tap`` command line.

Subcommands import what they need when they run: the core-only ones (``demo``, ``inventory``)
import nothing outside ``tap_core`` and the standard library, so they start fast and work with
only the core's dependencies.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from tap_aws.cli import demo, inventory

if TYPE_CHECKING:
    from collections.abc import Sequence


def build_parser() -> argparse.ArgumentParser:
    """The ``tap`` argument parser with every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="tap", description="Leaderboard and inventory pipelines: tools and local runs."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo.register(commands)
    inventory.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``tap`` with ``argv`` (default: the process arguments); return the exit status."""
    args = build_parser().parse_args(argv)
    status: int = args.run(args)
    return status
