"""How every bench measures: CPU time, the median of several runs, ratios to an in-run baseline.

The machine is shared, so wall time measures the neighbours as much as the code: CPU time
(``time.process_time``, or the rusage of a child process) is what a pass costs. One run is one
sample; the median of several is the figure, and the spread (max / min) is printed beside it so
a reader sees how far to trust it. A figure is a ratio to a baseline measured in the same run
(a plain ``csv.reader`` pass, ``json.loads``, a bare ``SortedList``), never an absolute time.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence


def options(description: str | None, argv: Sequence[str]) -> argparse.Namespace:
    """Parse a bench module's arguments: every bench takes ``--quick`` (a few seconds)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="small sizes, few runs: a smoke run")
    return parser.parse_args(argv)


@dataclass(frozen=True)
class Sample:
    """The CPU seconds of several runs of the same work."""

    runs: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.runs)

    @property
    def spread(self) -> float:
        """max / min of the runs: 1.0 means every run cost the same."""
        return max(self.runs) / min(self.runs) if min(self.runs) > 0 else float("inf")


def cpu(work: Callable[[], object], repeats: int) -> Sample:
    """``work`` run ``repeats`` times in this process, each run's CPU time."""
    runs = []
    for _ in range(repeats):
        start = time.process_time()
        work()
        runs.append(time.process_time() - start)
    return Sample(tuple(runs))


def child_cpu(command: Sequence[str]) -> float:
    """The CPU seconds (user + system) a fresh child process running ``command`` took."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)  # noqa: S603 - bench's own
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def interleaved(commands: Mapping[str, Sequence[str]], repeats: int) -> dict[str, Sample]:
    """Each command run ``repeats`` times as a fresh child, the commands taking turns, so a
    busy moment on the machine falls on all of them alike."""
    runs: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(repeats):
        for name, command in commands.items():
            runs[name].append(child_cpu(command))
    return {name: Sample(tuple(times)) for name, times in runs.items()}


def stage_costs(cuts: Sequence[tuple[str, Sample]]) -> list[tuple[str, float | None]]:
    """The cost of each stage of a pipeline measured as cuts (the pipeline run up to and
    including the stage): the difference of successive medians. A difference smaller than the
    noise of the two cuts (the spread of their runs around the median) is not a cost but
    noise: it is given as ``None`` (print "within noise"), never as a negative number."""
    costs: list[tuple[str, float | None]] = []
    previous: Sample | None = None
    for stage, sample in cuts:
        if previous is None:
            costs.append((stage, sample.median))
        else:
            cost = sample.median - previous.median
            noise = _half_range(sample) + _half_range(previous)
            costs.append((stage, cost if cost > noise else None))
        previous = sample
    return costs


def _half_range(sample: Sample) -> float:
    return (max(sample.runs) - min(sample.runs)) / 2
