"""DynamoInventoryStore on moto: requests, items read and estimated capacity per import.

Three imports of N rows (10^3 and 10^4; ``--quick``: 10^3): new keys, the same file again, and a
file whose rows are all newer. Requests and items are counted through botocore's hooks;
capacity units are estimated from item sizes (``tap_tools.capacity``), since moto does not
report them. Beside each, the naive design: one conditional PutItem per row (every row a
request, and a failed condition still costs its write units). Deterministic counts, not timings.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from bench.timing import options
from tap_aws.adapters.inventory import DynamoInventoryStore, to_item
from tap_core.inventory import InventoryItem, StockRecord
from tap_tools.capacity import item_size, read_units, write_units
from tap_tools.testing import AwsClients, MotoServer, RequestCounter, journal_transactions

if TYPE_CHECKING:
    from collections.abc import Sequence

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def _rows(count: int, updated_at: datetime) -> list[InventoryItem]:
    return [
        InventoryItem(
            sku=f"SKU-{n:07d}",
            warehouse=f"warehouse-{n % 7}",
            name=f"Stock item number {n}",
            quantity=n % 500,
            unit_price=Decimal("12.95"),
            category="hardware",
            reorder_level=10,
            updated_at=updated_at,
        )
        for n in range(count)
    ]


def _size(item: InventoryItem, uploaded_at: datetime) -> int:
    return item_size(to_item(StockRecord(item, uploaded_at, "inbound/some-upload.csv", 1)))


def main(argv: Sequence[str]) -> None:
    quick = options(__doc__, argv).quick
    journal_transactions()
    server = MotoServer()
    server.start()
    try:
        client = AwsClients(server.endpoint).dynamodb()
        print("DynamoInventoryStore: one import of N valid rows")
        print(
            f"{'N':>6} {'import':<10} {'requests':>8} {'items read':>10} {'RCU':>8} {'WCU':>8}"
            f" | {'naive requests':>14} {'naive WCU':>9}"
        )
        for size in (1_000,) if quick else (1_000, 10_000):
            store = DynamoInventoryStore(f"tap-inventory-bench-{size}", client)
            store.ensure_table()
            counter = RequestCounter.attach(client)
            old, new = _rows(size, NOW - timedelta(days=1)), _rows(size, NOW)
            bytes_per_item = _size(new[0], NOW)
            for label, rows in (("new keys", old), ("re-import", old), ("all newer", new)):
                counter.reset()
                result = store.apply(rows, NOW, "inbound/some-upload.csv")
                reads = size * read_units(bytes_per_item)
                writes = result.applied * write_units(bytes_per_item, transactional=True)
                naive_writes = size * write_units(bytes_per_item)
                print(
                    f"{size:>6} {label:<10} {counter.total_requests:>8} "
                    f"{counter.items_returned:>10} {reads:>8.0f} {writes:>8} | "
                    f"{size:>14} {naive_writes:>9}"
                )
        print(f"item size ~{bytes_per_item} bytes; RCU eventually consistent, WCU transactional")
    finally:
        server.stop()
