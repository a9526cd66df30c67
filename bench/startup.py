"""Start-up: what importing each core package costs, as a ratio to ``import pydantic``.

Every Lambda cold start pays its imports. Each figure is the CPU time of a fresh interpreter
that imports one thing and exits, the median of several runs, the commands taking turns;
the ratio is to a fresh interpreter running ``import pydantic`` in the same run. Goal: each
core package <= 1.5x ``import pydantic``. The "first use" lines show what a caller pays once
it touches a name that needs pydantic models (a parse, a board): the package import is cheap
because the packages load their modules on first use, not because the models are free. The
line for one one-field pydantic model shows how much of a first use is pydantic's own first
model (which imports the rest of pydantic), whatever the models are.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Final

from bench.timing import interleaved, options

if TYPE_CHECKING:
    from collections.abc import Sequence

GOAL: Final = 1.5
BASELINE: Final = "import pydantic"
FIRST_MODEL: Final = "pydantic and one one-field model"
"""What any pydantic user pays once: ``import pydantic`` is lazy, and the first model class
imports and builds the rest of pydantic (most of a "first use" figure below)."""
PACKAGES: Final = ("tap_core.inventory", "tap_core.leaderboard", "tap_core.memory")
CSV: Final = "sku,warehouse,name,quantity,unit_price\nA-1,north,Hammer,3,12.50\n"


def _python(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def _imports() -> list[str]:
    return [f"import {name}" for name in PACKAGES]


def main(argv: Sequence[str]) -> None:
    quick = options(__doc__, argv).quick
    repeats = 3 if quick else 15
    with tempfile.TemporaryDirectory(prefix="tap-bench-") as directory:
        csv_path = Path(directory) / "one-row.csv"
        csv_path.write_text(CSV, encoding="utf-8")
        commands = {
            "an empty interpreter": _python("pass"),
            BASELINE: _python(BASELINE),
            FIRST_MODEL: _python("from pydantic import BaseModel\nclass M(BaseModel):\n    x: int"),
            **{line: _python(line) for line in _imports()},
            "first use: validate a one-row CSV": _python(
                "import io, datetime as d\n"
                "from tap_core.inventory import validate_inventory\n"
                f"validate_inventory(io.BytesIO({CSV.encode()!r}), d.datetime.now(d.UTC))"
            ),
            "first use: a board, one submission": _python(
                "import datetime as d\n"
                "from tap_core.leaderboard import LeaderboardSpec, ScoreSubmission\n"
                "from tap_core.memory import InMemoryLeaderboards\n"
                "now = d.datetime.now(d.UTC)\n"
                "b = InMemoryLeaderboards([LeaderboardSpec(id='a')], clock=lambda: now)\n"
                "b.submit(ScoreSubmission(submission_id='s', leaderboard_id='a',"
                " player_id='p', score=1, achieved_at=now))"
            ),
            "tap --help": [sys.executable, "-m", "tap_tools.cli", "--help"],
            "tap inventory validate (one row)": [
                *(sys.executable, "-m", "tap_tools.cli", "inventory", "validate", str(csv_path)),
            ],
        }
        if quick:  # the goal's own figures only
            commands = {name: commands[name] for name in (BASELINE, *_imports())}
        samples = interleaved(commands, repeats)
    base = samples[BASELINE].median
    print(
        f"start-up: CPU time of a fresh interpreter, median of {repeats} interleaved runs; "
        f"ratio to {BASELINE!r} ({1000 * base:.0f} ms here); goal for the packages <= {GOAL}x"
    )
    for name, sample in samples.items():
        ratio = sample.median / base
        verdict = ""
        if name.removeprefix("import ") in PACKAGES:
            verdict = "  meets the goal" if ratio <= GOAL else "  OVER THE GOAL"
        print(
            f"  {name:<40} {1000 * sample.median:7.0f} ms {ratio:6.2f}x  "
            f"(spread {sample.spread:4.2f}){verdict}"
        )
