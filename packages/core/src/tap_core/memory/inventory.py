"""``InMemoryInventoryStore``: the ``InventoryStore`` port on a dict.

Each row costs one dict lookup and the pure :func:`decide`; the store keeps one
:class:`StockRecord` per (``sku``, ``warehouse``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tap_core.inventory.decisions import decide
from tap_core.inventory.tally import ImportTally, item_and_row

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from datetime import datetime

    from tap_core.inventory.item import InventoryItem
    from tap_core.inventory.port import ImportResult, LocatedItem
    from tap_core.inventory.stock import StockRecord


class InMemoryInventoryStore:
    """The ``InventoryStore`` port held in memory."""

    def __init__(self) -> None:
        self._records: dict[tuple[str, str], StockRecord] = {}

    def apply(
        self,
        items: Iterable[InventoryItem | LocatedItem],
        uploaded_at: datetime,
        source: str | None = None,
    ) -> ImportResult:
        records = self._records
        tally = ImportTally(uploaded_at, source)
        for entry in items:
            item, row = item_and_row(entry)
            key = item.key
            decision = decide(records.get(key), item, uploaded_at, source=source, row=row)
            if decision.status == "applied":
                records[key] = decision.incoming
            tally.count(decision)
        return tally.result()

    def get(self, sku: str, warehouse: str) -> StockRecord | None:
        return self._records.get((sku, warehouse))

    def items(self) -> Iterator[InventoryItem]:
        # A snapshot of the references, so an apply while the caller iterates cannot break
        # the iteration (a DynamoDB scan tolerates concurrent writes too).
        for record in list(self._records.values()):
            yield record.item

    def __len__(self) -> int:
        """How many records are stored."""
        return len(self._records)
