"""``python -m bench [--quick] [SUITE ...]``: run the named benchmarks (default: all).

Each suite is a module ``bench.<name>`` exposing ``main(argv: Sequence[str]) -> None``; it
parses its own ``argv`` with :func:`bench.timing.options` (so ``--quick`` is understood by
every suite) and measures as :mod:`bench.timing` describes. ``--quick`` is passed through:
small sizes and few runs, so the whole set finishes in seconds, for CI. Any other option
(``--json``) goes to the suites named, which refuse what they do not know.
"""

from __future__ import annotations

import argparse
import importlib
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Sequence

SUITES: Final = (
    "startup",
    "cold_start",
    "leaderboard",
    "inventory",
    "import_resume",
    "inventory_dynamo",
    "dynamo_leaderboard",
    "local_stack",
    "leaderboard_scale",
)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description="tap's benchmarks: figures, not pass/fail tests."
    )
    parser.add_argument("suites", nargs="*", metavar="SUITE", help=f"any of {', '.join(SUITES)}")
    parser.add_argument("--quick", action="store_true", help="small sizes, few runs, for CI")
    args, rest = parser.parse_known_args(argv)
    unknown = [name for name in args.suites if name not in SUITES]
    if unknown:
        parser.error(f"unknown suite {unknown[0]!r}; choose from {', '.join(SUITES)}")
    for name in args.suites or SUITES:
        importlib.import_module(f"bench.{name}").main([*(["--quick"] if args.quick else []), *rest])


if __name__ == "__main__":
    main()
