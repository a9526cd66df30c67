"""What one part of an import in parts costs as the file grows: time, bytes read, memory per key.

Files of 10^5, 10^6 and 5 x 10^6 rows (``--quick``: 10^4 and 10^5), each ~40 bytes a row.
For each, an import is set where its last parts begin (the record at part 1, its checkpoint
``PARTS`` parts of ``PART_ROWS`` rows before the end, the key claims of every earlier row
stored as the part before would have stored them) and its last parts run through
``tap_core.app.imports.import_part`` on the in-memory ports, each with a short simulated time
budget (``PART_ROWS`` rows). Per part: CPU time (median), the bytes read from the file (counted
by ``InMemoryObjects``) and the bytes of key claims read; and the peak of traced memory per
distinct key over a part. The baseline, in the same run: what each part did before it read at
its checkpoint, a parse from byte 0 up to the checkpoint (the rows skipped), timed at the two
smaller sizes (at 5 x 10^6 it is ~40 s of parse and ~600 MB of claims: left out). Ratios: each
size's part time to the smallest size's, and the re-read's to the part's. Printed, not asserted.
"""

from __future__ import annotations

import io
import json
import statistics
import time
import tracemalloc
from array import array
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Final

from bench.timing import options
from tap_core.app.imports import (
    RESUME_MARGIN_MILLIS,
    Continuation,
    ImportJob,
    Upload,
    import_part,
)
from tap_core.app.ports import ImportDependencies
from tap_core.inventory import ImportRecord, parse_inventory
from tap_core.inventory.csv.contract import resolve_header
from tap_core.inventory.csv.events import Checkpoint
from tap_core.inventory.csv.key_claims import fingerprints, snapshot
from tap_core.memory import (
    InMemoryDeadLetters,
    InMemoryEvents,
    InMemoryInventoryStore,
    InMemoryObjects,
    InMemoryReports,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

NOW: Final = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
HEADER: Final = "sku,warehouse,name,quantity,unit_price,category,reorder_level\n"
PART_ROWS: Final = 2_000
"""The rows a part's simulated time budget lets it apply."""
PARTS: Final = 3
"""The last parts run at each size."""
BASELINE_MAX_ROWS: Final = 1_000_000


def _line(number: int) -> str:
    return f"SKU-{number:07d},WH-{number % 20:02d},Thing {number % 1000},5,1.50,tools,3\n"


def generate(rows: int) -> bytes:
    """A clean file of ``rows`` rows, each key distinct, built in slices."""
    out = io.BytesIO()
    out.write(HEADER.encode())
    for start in range(0, rows, 100_000):
        out.write("".join(map(_line, range(start, min(rows, start + 100_000)))).encode())
    return out.getvalue()


def offset_of(data: bytes, row: int) -> int:
    """The byte offset of physical row ``row`` (the header is row 1)."""
    offset = 0
    for _ in range(row - 1):
        offset = data.index(b"\n", offset) + 1
    return offset


def claims_before(row: int) -> bytes:
    """The key claims of rows 2 .. ``row - 1`` as a part before would have stored them."""
    prints, rows = array("Q"), array("I")
    last = row - 2  # records before the row: numbers 0 .. last - 1
    for start in range(0, last, 100_000):
        numbers = range(start, min(last, start + 100_000))
        skus = [f"SKU-{n:07d}" for n in numbers]
        warehouses = [f"WH-{n % 20:02d}" for n in numbers]
        prints.extend(fingerprints(skus, warehouses))
        rows.extend(n + 2 for n in numbers)
    return snapshot(prints, rows)


@dataclass
class Rows:
    """Remaining time: ample for ``rows`` looks (about one a row), then low."""

    rows: int

    def __call__(self) -> int:
        self.rows -= 1
        return 60_000 if self.rows >= 0 else RESUME_MARGIN_MILLIS - 1


@dataclass(frozen=True)
class Part:
    cpu: float
    file_bytes: int
    claim_bytes: int
    peak_per_key: float


def last_parts(data: bytes, rows: int, *, traced: bool) -> list[Part]:
    """Set an import at its last ``PARTS`` parts and run them; what each cost (its peak of
    traced memory only when ``traced``, which slows allocation: its time is not kept)."""
    objects, reports = InMemoryObjects(), InMemoryReports()
    store, events = InMemoryInventoryStore(), InMemoryEvents()
    ports = ImportDependencies(store, objects, InMemoryDeadLetters(), events, reports, lambda: NOW)
    version = objects.put("bench", "inbound/big.csv", data)
    upload = Upload(
        bucket="bench",
        key="inbound/big.csv",
        version_id=None,
        etag=version.etag,
        size=version.size,
        uploaded_at=NOW,
    )
    row = rows + 2 - PARTS * PART_ROWS
    columns = resolve_header(HEADER.rstrip("\n").split(",")).mapping
    if columns is None:
        raise RuntimeError("the bench's header does not resolve")
    checkpoint = Checkpoint(offset=offset_of(data, row), row=row, columns=columns)
    record = ImportRecord.begin("bench", upload.key, upload.version, NOW, NOW).next_part(checkpoint)
    if not store.save_import(record, replacing=None):
        raise RuntimeError("the import record was not saved")
    reports.put_import_keys(upload.import_id, row, claims_before(row))
    job = ImportJob(upload, 1, checkpoint)
    parts = []
    for _ in range(PARTS):
        keys = len(reports.keys[upload.import_id, job.checkpoint.row])  # type: ignore[union-attr]
        if traced:
            tracemalloc.start()
        start = time.process_time()
        outcome = import_part(ports, job, Rows(PART_ROWS))
        spent = time.process_time() - start
        peak = tracemalloc.get_traced_memory()[1] if traced else 0
        tracemalloc.stop()
        distinct = (keys - 8) // 12 + outcome.applied
        parts.append(Part(spent, objects.read_bytes[-1], keys, peak / distinct))
        if outcome.status != "continued":
            break
        _, detail = events.sent[-1]
        job = ImportJob.continued(Continuation.model_validate_json(json.dumps(detail)))
    return parts


def reread(data: bytes, rows: int) -> float:
    """CPU seconds of what a part did before it read at its checkpoint: parse from byte 0 and
    skip the rows before the checkpoint of the first of the last parts."""
    row = rows + 2 - PARTS * PART_ROWS
    start = time.process_time()
    for event in parse_inventory(io.BytesIO(data), NOW):
        if event.row >= row:
            break
    return time.process_time() - start


def main(argv: Sequence[str]) -> None:
    quick = options(__doc__, argv).quick
    sizes = (10_000, 100_000) if quick else (100_000, 1_000_000, 5_000_000)
    print(
        f"Import in parts: the last {PARTS} parts of {PART_ROWS:,} rows at each size (CPU time "
        "median; bytes read from the file and of key claims, per part; peak traced memory over a "
        "part per distinct key), the re-read each part did before as the baseline:"
    )
    base: float | None = None
    for rows in sizes:
        data = generate(rows)
        parts = last_parts(data, rows, traced=False)
        peak = max(part.peak_per_key for part in last_parts(data, rows, traced=True))
        cpu = statistics.median(part.cpu for part in parts)
        base = base or cpu
        old = reread(data, rows) if rows <= BASELINE_MAX_ROWS else None
        versus = f"re-read from byte 0 {old:6.3f} s ({old / cpu:5.1f}x a part)" if old else ""
        print(
            f"  {rows:>9,} rows ({len(data) / 1e6:6.1f} MB): part {cpu:6.3f} s "
            f"({cpu / base:4.2f}x the smallest), file bytes read "
            f"{max(part.file_bytes for part in parts) / 1e6:5.2f} MB, key claims read "
            f"{max(part.claim_bytes for part in parts) / 1e6:6.2f} MB, "
            f"{peak:5.0f} B/key peak  {versus}"
        )
        del data


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
