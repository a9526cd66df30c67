"""The inventory half of ``tap demo``: CSV uploads through the core, every row to an ending.

Two generated uploads (the second a day later, changing some rows and re-sending others) and
a stale export are imported by the use case the ``inventory_import`` function runs
(`tap_core.app.imports.import_part`, over in-memory ports): valid rows go to the
store, bad rows to the dead letters with their row, column and reason, and each import ends
with its report. Then the daily summary, written as ``inventory_summary`` writes it.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta
from typing import TYPE_CHECKING

from tap_core.app import (
    ImportDependencies,
    ImportJob,
    SummaryDependencies,
    Upload,
    import_part,
    write_summary,
)
from tap_core.inventory import format_money
from tap_core.memory import (
    InMemoryDeadLetters,
    InMemoryEvents,
    InMemoryInventoryStore,
    InMemoryObjects,
    InMemoryReports,
)

if TYPE_CHECKING:
    from datetime import datetime

HEADER = "SKU,Warehouse,Name,Quantity,Unit_Price,Category,Reorder_Level,Updated_At"
WAREHOUSES = ("ams-1", "fra-2", "dub-1")
CATEGORIES = ("tools", "garden", "kitchen", "lighting")


def generate_rows(count: int, day: datetime, rng: random.Random, *, bad: bool) -> list[str]:
    """``count`` CSV records (no header) updated around ``day``; with ``bad``, some invalid."""
    lines = []
    for number in range(count):
        sku = f"SKU-{number:05d}"
        quantity = rng.choice([0, rng.randrange(1, 40), rng.randrange(40, 900)])
        price = f"{rng.randrange(1, 300)}.{rng.randrange(100):02d}"
        name = rng.choice(["Hammer", "Rake", '"Pan, 28 cm"', "Lamp", "Hose"])
        updated = (day - timedelta(minutes=rng.randrange(600))).strftime("%Y-%m-%dT%H:%M:%SZ")
        fields = [sku, rng.choice(WAREHOUSES), name, str(quantity), price]
        fields += [rng.choice(CATEGORIES), str(rng.choice([0, 10, 25])), updated]
        if bad and number % 37 == 5:
            fields[3] = "-4"  # not a count
        elif bad and number % 53 == 7:
            fields[4] = "12,5"  # a decimal comma splits the record: wrong field count
        lines.append(",".join(fields))
    if bad:
        lines.append(lines[10])  # the same key twice in one file
        lines.append("SKU-x,ams-1,Drill,3,9.99,tools,0,2999-01-01")  # updated_at in the future
    return lines


BUCKET = "demo-inventory"
NO_DEADLINE = 10**9
"""The remaining time the demo's imports see: always enough, so each is one part."""


def _upload(
    ports: ImportDependencies,
    objects: InMemoryObjects,
    lines: list[str],
    uploaded_at: datetime,
    *,
    source: str,
    examples: dict[str, str],
) -> Counter[str]:
    """Import one upload; count every record's ending.

    ``examples`` collects the first message of each row error code seen (from the report).
    """
    body = ("\ufeff" + HEADER + "\r\n" + "\r\n".join(lines) + "\r\n").encode()
    version = objects.put(BUCKET, source, body)
    upload = Upload(
        bucket=BUCKET,
        key=source,
        version_id=version.version_id,
        etag=version.etag,
        size=version.size,
        uploaded_at=uploaded_at,
    )
    outcome = import_part(ports, ImportJob.first(upload), lambda: NO_DEADLINE)
    report = ports.inventory.import_record(outcome.import_id)
    for error in [] if report is None else report.row_errors:
        examples.setdefault(error.code, error.message)
    return Counter(
        {
            "applied": outcome.applied,
            "unchanged": outcome.unchanged,
            "stale": outcome.stale,
            "dead-lettered": outcome.rejected,
        }
    )


def run_inventory(now: datetime, seed: int) -> int:
    rng = random.Random(seed)
    store = InMemoryInventoryStore()
    objects = InMemoryObjects()
    reports = InMemoryReports()
    ports = ImportDependencies(
        store, objects, InMemoryDeadLetters(), InMemoryEvents(), reports, lambda: now
    )
    yesterday = now - timedelta(days=1)
    first = generate_rows(300, yesterday, rng, bad=True)
    uploads = [
        ("inbound/erp-monday.csv", first, yesterday),
        ("inbound/erp-tuesday.csv", generate_rows(300, now, rng, bad=False), now),
        ("inbound/erp-monday-again.csv", first, yesterday),  # a re-sent S3 event
    ]
    print("\nInventory: CSV uploads, each record to one ending")
    status = 0
    examples: dict[str, str] = {}
    for source, lines, uploaded_at in uploads:
        endings = _upload(ports, objects, lines, uploaded_at, source=source, examples=examples)
        counts = ", ".join(f"{name} {count}" for name, count in sorted(endings.items()))
        print(f"  {source:<30} {len(lines):>4} records: {counts}")
        if endings.total() != len(lines):
            print("ERROR: some records have no ending")
            status = 1
    print("  Why rows were dead-lettered (one example per code):")
    for code, message in sorted(examples.items()):
        print(f"    {code}: {message}")
    summary = write_summary(SummaryDependencies(store, reports), now).summary
    print(
        f"\nDaily summary {now.date().isoformat()}: {summary.items} items, {summary.units} units, "
        f"value {format_money(summary.value)}; {summary.out_of_stock} out of stock, "
        f"{summary.low_stock_total} low"
    )
    for name, totals in summary.by_warehouse.items():
        value = format_money(totals.value)
        print(f"  {name:<8} {totals.items:>4} items {totals.units:>7} units  {value:>12}")
    return status
