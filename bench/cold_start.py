"""Cold start: the import time of each function module, as a ratio to an in-run baseline.

Each figure is the median of several fresh interpreters (``python -c "import ..."``, an empty
environment, so no setting is read and no client built). The baseline imports what any
function on these libraries would: ``boto3`` and the Powertools pieces tap's functions use
(Logger, Metrics, Tracer, batch, parser, event handler), built as a function module builds
them (a Tracer imports the X-Ray SDK when built). The issue's goal: at most 1.15x.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

from tap_aws.resources import FUNCTIONS

BASELINE = (
    "import boto3\n"
    "from aws_lambda_powertools import Logger, Metrics, Tracer\n"
    "from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor\n"
    "from aws_lambda_powertools.utilities.parser import parse\n"
    "from aws_lambda_powertools.event_handler import APIGatewayHttpResolver\n"
    "Logger(service='bench'), Metrics(namespace='bench'), Tracer(service='bench')\n"
    "SqsFifoPartialProcessor(skip_group_on_error=True), APIGatewayHttpResolver()\n"
)
GOAL = 1.15


def _seconds(code: str, runs: int) -> float:
    """The median wall time of ``runs`` fresh interpreters running ``code``, less an empty one."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], env={}, check=True)  # noqa: S603
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(*, quick: bool = False) -> None:
    runs = 3 if quick else 9
    empty = _seconds("pass", runs)
    baseline = _seconds(BASELINE, runs) - empty
    print(f"cold start: import time over {runs} interpreters (median, interpreter start removed)")
    print(f"  baseline (boto3 + Powertools pieces): {baseline:.3f} s")
    for spec in FUNCTIONS:
        module = spec.handler.rpartition(".")[0]
        seconds = _seconds(f"import {module}", runs) - empty
        ratio = seconds / baseline
        verdict = "ok" if ratio <= GOAL else f"over the {GOAL}x goal"
        print(f"  {module}: {seconds:.3f} s, {ratio:.2f}x baseline ({verdict})")
