"""Cold start: the import time of each function module, as a ratio to an in-run baseline.

Each figure is the CPU time of a fresh interpreter importing one function module, the median
of several interleaved runs (:func:`bench.timing.interleaved`). The baseline imports what any
function on these libraries would: ``boto3`` and the Powertools pieces tap's functions use
(Logger, Metrics, Tracer, batch, parser, event handler), built as a function module builds
them (a Tracer imports the X-Ray SDK when built). Goal (issue 8): each <= 1.15x the baseline.
A function module imports no boto3 itself: its first invocation does, when it builds clients.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Final

from bench.timing import interleaved, options
from tap_aws.resources import FUNCTIONS

if TYPE_CHECKING:
    from collections.abc import Sequence

GOAL: Final = 1.15
BASELINE: Final = "boto3 + Powertools pieces"
BASELINE_CODE: Final = (
    "import boto3\n"
    "from aws_lambda_powertools import Logger, Metrics, Tracer\n"
    "from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor\n"
    "from aws_lambda_powertools.utilities.parser import parse\n"
    "from aws_lambda_powertools.event_handler import APIGatewayHttpResolver\n"
    "Logger(service='bench'), Metrics(namespace='bench'), Tracer(service='bench')\n"
    "SqsFifoPartialProcessor(skip_group_on_error=True), APIGatewayHttpResolver()\n"
)


def main(argv: Sequence[str]) -> None:
    quick = options(__doc__, argv).quick
    repeats = 3 if quick else 9
    modules = [spec.handler.rpartition(".")[0] for spec in FUNCTIONS]
    commands = {
        BASELINE: [sys.executable, "-c", BASELINE_CODE],
        **{module: [sys.executable, "-c", f"import {module}"] for module in modules},
    }
    samples = interleaved(commands, repeats)
    base = samples[BASELINE].median
    print(
        f"cold start: CPU time of a fresh interpreter, median of {repeats} interleaved runs; "
        f"ratio to {BASELINE} ({1000 * base:.0f} ms here); goal <= {GOAL}x"
    )
    for name, sample in samples.items():
        ratio = sample.median / base
        verdict = "" if name == BASELINE else ("  meets the goal" if ratio <= GOAL else "  OVER")
        print(
            f"  {name:<40} {1000 * sample.median:7.0f} ms {ratio:6.2f}x  "
            f"(spread {sample.spread:4.2f}){verdict}"
        )
