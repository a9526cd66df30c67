"""Inventory CSV validation throughput and memory, next to a plain ``csv.reader`` pass.

Two generated files of 10^6 rows (``--quick``: 5,000): a clean one and one with 1% bad rows
of every kind. Every measurement runs in a fresh subprocess, which reports its CPU time (the
machine is shared, and CPU time is what a pass costs) and its own peak RSS; the headline runs
alternate with the floor and the best of three is kept. Goal: validate end to end at >= 30%
(aim 40%) of the ``csv.reader`` floor on both files, peak RSS under 150 MB. Figures are
printed, not asserted.

The per-stage breakdown runs the pipeline cut after each stage (split, decode, convert,
duplicate check, report), each cut in its own subprocess over the same file; a stage's cost
is its cut's time minus the previous cut's. ``convert`` is the fast path and the exact
checker's detours; it decodes nothing itself, but its cut includes the decode of the cut
before.
"""

from __future__ import annotations

import csv
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Final

from bench.timing import Sample, options, stage_costs
from tap_core.inventory import parse_inventory, validate_inventory
from tap_core.inventory.csv.batches import broken_batch, records_batch
from tap_core.inventory.csv.checker import RecordChecker
from tap_core.inventory.csv.contract import MAX_RECORD_BYTES, resolve_header
from tap_core.inventory.csv.fast_path import LinesChecker
from tap_core.inventory.csv.key_claims import KeyClaims
from tap_core.inventory.csv.report import ReportBuilder
from tap_core.inventory.csv.splitting import Folded, Lines, Record, split_records

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import BinaryIO

NOW: Final = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
HEADER: Final = "sku,warehouse,name,quantity,unit_price,category,reorder_level,updated_at\n"
CATEGORIES: Final = ("hardware", "garden", "tools", "kitchen", "paint", "Electrical", "toys")
WORDS: Final = ("Blue", "widget", "bolt", "Hammer", "nails", "Émail", "saw", "pack", "large")
STAGES: Final = ("split", "decode", "convert", "duplicate check", "report")
REPEATS: Final = 3


def generate(
    path: Path, rows: int, *, bad_share: float, quote_all: bool = False, seed: int = 7
) -> None:
    """Write a realistic export: 20 warehouses, ~1% of names quoted (they hold a comma),
    UTC timestamps; ``bad_share`` of the rows broken in one of eight ways. ``quote_all``:
    every field quoted and CRLF line ends, as some exporters write."""
    rng = random.Random(seed)
    start = NOW - timedelta(days=60)
    with path.open("wb") as out:
        out.write(HEADER.encode())
        for number in range(rows):
            name = f"{rng.choice(WORDS)} {rng.choice(WORDS)} {rng.randrange(1000)}"
            if rng.random() < 0.01:
                name = f"{name}, {rng.choice(WORDS)}"
            moment = start + timedelta(seconds=rng.randrange(60 * 86_400))
            fields = [
                f"SKU-{number:07d}",
                f"WH-{rng.randrange(20):02d}",
                name,
                str(rng.randrange(5000)),
                f"{rng.randrange(1, 100_000) / 100:.2f}",
                rng.choice(CATEGORIES),
                str(rng.randrange(50)),
                moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
            ]
            if rng.random() < bad_share:
                _break(fields, number, rng)
            if quote_all:
                line = ",".join(f'"{field}"' for field in fields) + "\r\n"
            else:
                quoted = (f'"{field}"' if "," in field else field for field in fields)
                line = ",".join(quoted) + "\n"
            out.write(line.encode("utf-8", "surrogateescape"))


def _break(fields: list[str], number: int, rng: random.Random) -> None:
    kind = rng.randrange(8)
    if kind == 0:
        fields[3] = "12a"
    elif kind == 1:
        fields[4] = "1.23456"
    elif kind == 2:
        fields[2] = ""
    elif kind == 3:
        fields[0] = f"SKU-{max(number - 1000, 0):07d}"  # a duplicate key
        fields[1] = "WH-00"
    elif kind == 4:
        fields[7] = "2027-01-01T00:00:00Z"  # after the upload time
    elif kind == 5:
        fields.pop()  # wrong field count
    elif kind == 6:
        fields[7] = "2026-02-30T10:00:00Z"
    else:
        fields[2] = "Caf\udce9"  # a byte that is not UTF-8


def run(kind: str, path: str) -> dict[str, float]:
    """One measurement, in this process: CPU seconds, wall seconds, rows, peak RSS (MB)."""
    work: dict[str, Callable[[BinaryIO], int]] = {
        "floor": _floor,
        "validate": lambda f: validate_inventory(f, NOW).rows_total,
        "parse": lambda f: sum(1 for _ in parse_inventory(f, NOW)),
        **{stage: _cut(stage) for stage in STAGES},
    }
    with Path(path).open("rb") as stream:
        cpu, wall = time.process_time(), time.perf_counter()
        rows = work[kind](stream)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"cpu": cpu, "wall": wall, "rows": rows, "peak_mb": peak}


def _floor(stream: BinaryIO) -> int:
    import io  # noqa: PLC0415 - only the floor wraps the stream in text

    text = io.TextIOWrapper(stream, encoding="utf-8", errors="surrogateescape", newline="")
    return sum(1 for _ in csv.reader(text)) - 1  # the header


def _cut(stage: str) -> Callable[[BinaryIO], int]:
    """The validation pipeline cut after ``stage``, resumed after the header as a resumed
    parse would be (cut after ``report``, it is the whole of ``validate_inventory``); returns
    the number of records counted, or of segments when cut before the report."""
    keep = STAGES.index(stage)

    def cut(stream: BinaryIO) -> int:
        header = stream.readline()
        columns = resolve_header(header.decode().rstrip("\r\n").split(",")).mapping
        checker = RecordChecker(columns, NOW)
        lines = LinesChecker(checker, items=False)
        claims, builder, seen = KeyClaims(), ReportBuilder(), 0
        for segment in split_records(stream, offset=len(header), row=2, fold=_always):
            seen += 1
            if keep == 0:
                continue
            if keep == 1:
                if isinstance(segment, Lines | Folded):
                    segment.data.decode("utf-8", "surrogateescape")
                elif isinstance(segment, Record):
                    [field.decode("utf-8", "surrogateescape") for field in segment.fields]
                continue
            if isinstance(segment, Lines | Folded):
                batches = list(lines.check(segment))
            elif isinstance(segment, Record):
                batches = [records_batch(checker, [segment])]
            else:
                batches = [broken_batch(segment)]
            for batch in batches:
                if keep >= 3:
                    claims.check(batch)
                if keep >= 4:
                    builder.add_batch(batch)
        return builder.report().rows_total if keep >= 4 else seen

    return cut


def _always() -> bool:
    """Fold records with line breaks in quotes, as a parse past its header does."""
    return True


def _measure(kind: str, path: Path) -> dict[str, float]:
    result = subprocess.run(  # noqa: S603 - our own interpreter and module, fixed arguments
        [sys.executable, "-m", "bench.inventory", kind, str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    figures: dict[str, float] = json.loads(result.stdout)
    return figures


def _best(kind: str, path: Path, runs: int) -> dict[str, float]:
    return min((_measure(kind, path) for _ in range(runs)), key=lambda figures: figures["cpu"])


def _line(label: str, figures: dict[str, float], floor: float) -> str:
    rate = figures["rows"] / figures["cpu"]
    return (
        f"  {label:<32} {figures['cpu']:6.2f} s CPU ({figures['wall']:5.2f} s wall) "
        f"{rate:>11,.0f} rows/s {100 * rate / floor:5.1f}% of floor   "
        f"peak RSS {figures['peak_mb']:5.1f} MB"
    )


def _bench_file(title: str, path: Path, repeats: int, *, stages: bool = True) -> None:
    size = path.stat().st_size / 1e6
    print(f"\n{title} ({size:.1f} MB):")
    floors, validates = [], []
    for _ in range(repeats):  # alternate, so both see the same load
        floors.append(_measure("floor", path))
        validates.append(_measure("validate", path))
    floor = min(floors, key=lambda figures: figures["cpu"])
    validate = min(validates, key=lambda figures: figures["cpu"])
    floor_rate = floor["rows"] / floor["cpu"]
    print(_line("csv.reader pass (the floor)", floor, floor_rate))
    print(_line("validate_inventory (end to end)", validate, floor_rate))
    print(_line("parse_inventory (items + events)", _measure("parse", path), floor_rate))
    if not stages:
        return
    runs = 1 if repeats == 1 else max(repeats, 3)
    print(
        "  stages of validate: the pipeline cut after each stage, each cut in its own run "
        f"(median of {runs}); a stage's cost = its cut - the previous cut, unless that is "
        "within the cuts' noise:"
    )
    cuts = [
        (stage, Sample(tuple(_measure(stage, path)["cpu"] for _ in range(runs))))
        for stage in STAGES
    ]
    whole = cuts[-1][1].median
    for stage, cost in stage_costs(cuts):
        if cost is None:
            print(f"    {stage:<16} within noise")
            continue
        print(
            f"    {stage:<16} {cost:6.2f} s  {1e9 * cost / validate['rows']:6.0f} ns/row "
            f"{100 * cost / whole:5.1f}% of the whole"
        )


ROW_KINDS: Final = (
    "plain",
    'inch mark (5" nail, unquoted)',
    "bad value",
    "bad value, each its own",
    "bad date",
    "duplicate key",
    "quoted line break",
    "space after every comma",
    "every field quoted, CRLF",
)
RATIO_RUNS: Final = 5


def _kind_file(kind: str, rows: int) -> bytes:
    """``rows`` records all of one ``kind`` (see ROW_KINDS)."""
    out = [HEADER]
    for number in range(rows):
        sku, name, quantity, moment = f"SKU-{number:07d}", "Blue widget 12", "12", "2026-10-01"
        if kind.startswith("inch"):
            name = '5" nail'
        elif kind == "bad value":
            quantity = "12a"
        elif kind == "bad value, each its own":  # nothing learnt from one bad text helps
            quantity = f"{number}a"
        elif kind == "bad date":
            moment = "2026-02-30T10:00:00Z"
        elif kind == "duplicate key":
            sku = f"SKU-{number // 2:07d}"
        line = f"{sku},WH-01,{name},{quantity},12.50,tools,5,{moment}"
        if kind == "quoted line break":  # a record of two lines, read quote-aware
            line = line.replace("tools", '"tools\nand more"')
        if kind.startswith("space"):
            line = line.replace(",", ", ")
        elif kind.startswith("every field"):
            line = ",".join(f'"{field}"' for field in line.split(",")) + "\r"
        out.append(line + "\n")
    return "".join(out).encode()


def _median_cpu(work: Callable[[BinaryIO], object], data: bytes) -> float:
    import io  # noqa: PLC0415

    times = []
    for _ in range(RATIO_RUNS):
        start = time.process_time()
        work(io.BytesIO(data))
        times.append(time.process_time() - start)
    return statistics.median(times)


def _key_bytes(data: bytes) -> float:
    """Bytes the duplicate check keeps per distinct key (traced allocations left alive)."""
    import io  # noqa: PLC0415

    stream = io.BytesIO(data)
    header = stream.readline()
    columns = resolve_header(header.decode().rstrip("\r\n").split(",")).mapping
    checker = RecordChecker(columns, NOW)
    lines = LinesChecker(checker, items=False)
    tracemalloc.start()
    claims = KeyClaims()
    before = tracemalloc.get_traced_memory()[0]
    for segment in split_records(stream, offset=len(header), row=2, fold=_always):
        batches = (
            list(lines.check(segment))
            if isinstance(segment, Lines | Folded)
            else [records_batch(checker, [segment])]
            if isinstance(segment, Record)
            else [broken_batch(segment)]
        )
        for batch in batches:
            claims.check(batch)
        del batches
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return (after - before) / len(claims) if claims else float("nan")


def ratios(*, quick: bool) -> None:
    """Each kind of row against a plain valid row in the same run: CPU time, median of
    several runs, for validation and for parsing; and the share of a csv.reader pass."""
    rows = 5_000 if quick else 100_000
    print(
        f"\nCost per kind of row, {rows:,} rows of one kind per file: CPU time, median of "
        f"{RATIO_RUNS} runs in this process, as a ratio to the plain file in the same run:"
    )
    base: tuple[float, float] | None = None
    for kind in ROW_KINDS:
        data = _kind_file(kind, rows)
        validate = _median_cpu(lambda f: validate_inventory(f, NOW), data)
        parse = _median_cpu(lambda f: sum(1 for _ in parse_inventory(f, NOW)), data)
        floor = _median_cpu(_floor, data)
        base = base or (validate, parse)
        print(
            f"  {kind:<32} validate {validate / base[0]:5.2f}x  parse {parse / base[1]:5.2f}x"
            f"   validate at {100 * floor / validate:5.1f}% of csv.reader"
            f"   {_key_bytes(data):5.0f} B/key"
        )
    # Empty names (one byte a column, its comma): up to the longest header that is legal.
    longest = MAX_RECORD_BYTES - len(HEADER.rstrip("\n")) + 8
    for columns in (30_000, 60_000, longest):
        _wide_header(columns)


def _wide_header(columns: int) -> None:
    """Build the checks of a header of ``columns`` columns, 8 named, the rest ignored."""
    import io  # noqa: PLC0415

    header = HEADER.rstrip("\n") + "," * (columns - 8)
    data = f"{header}\nA,W,n,1,2,c,3,2026-01-01{',' * (columns - 8)}\n".encode()
    start = time.process_time()
    report = validate_inventory(io.BytesIO(data), NOW)
    spent = time.process_time() - start
    print(
        f"  a header of {columns:,} columns ({len(header):,} bytes) and one record: "
        f"{spent:.3f} s CPU ({report.rows_valid} valid, file errors: {len(report.file_errors)})"
    )


def main(argv: Sequence[str]) -> None:
    quick = options(__doc__, argv).quick
    rows = 5_000 if quick else 1_000_000
    repeats = 1 if quick else REPEATS
    print(
        f"Inventory CSV: validate {rows:,} rows vs a plain csv.reader pass; CPU time of a "
        f"fresh subprocess per run, best of {repeats} alternating runs; rows/s = rows / CPU s"
    )
    with tempfile.TemporaryDirectory(prefix="tap-bench-") as directory:
        files = (
            ("clean file", 0.0, False),
            ("1% bad rows", 0.01, False),
            ("also: every field quoted, CRLF, clean", 0.0, True),
        )
        for title, bad_share, quote_all in files:
            path = Path(directory) / f"inventory-{bad_share}-{quote_all}.csv"
            generate(path, rows, bad_share=bad_share, quote_all=quote_all)
            _bench_file(
                f"{title}, {rows:,} rows",
                path,
                repeats,
                stages=not quote_all and not (quick and bad_share),
            )
            path.unlink()
    ratios(quick=quick)


if __name__ == "__main__":
    print(json.dumps(run(sys.argv[1], sys.argv[2])))
