"""``InMemoryInventoryStore``: the ``InventoryStore`` port on a dict.

Each row costs one dict lookup and the pure `decide`; the store keeps one
`StockRecord` per (``sku``, ``warehouse``). It is also the ``ImportLedger`` and the
``SummaryArchive``, as the DynamoDB store keeps both in its table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tap_core.inventory.decisions import decide
from tap_core.inventory.imports import parse_import_id
from tap_core.inventory.tally import ImportTally, provenance

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from datetime import date, datetime

    from tap_core.inventory.imports import ImportRecord
    from tap_core.inventory.item import InventoryItem
    from tap_core.inventory.port import ImportResult, LocatedItem
    from tap_core.inventory.stock import StockRecord
    from tap_core.inventory.summary import InventorySummary


class InMemoryInventoryStore:
    """The ``InventoryStore`` port held in memory."""

    def __init__(self) -> None:
        self._records: dict[tuple[str, str], StockRecord] = {}
        self._by_sku: dict[str, set[str]] = {}
        self._imports: dict[str, ImportRecord] = {}
        self._summaries: dict[date, InventorySummary] = {}

    def apply(
        self,
        items: Iterable[InventoryItem | LocatedItem],
        uploaded_at: datetime,
        source: str | None = None,
    ) -> ImportResult:
        records = self._records
        tally = ImportTally(uploaded_at, source)
        for entry in items:
            item, row, imported = provenance(entry)
            key = item.key
            decision = decide(
                records.get(key), item, uploaded_at, source=source, row=row, import_id=imported
            )
            if decision.record is not None:
                records[key] = decision.record
                self._by_sku.setdefault(item.sku, set()).add(item.warehouse)
            tally.count(decision)
        return tally.result()

    def get(self, sku: str, warehouse: str) -> StockRecord | None:
        return self._records.get((sku, warehouse))

    def stock_of(self, sku: str) -> list[StockRecord]:
        records = self._records
        return [records[sku, warehouse] for warehouse in sorted(self._by_sku.get(sku, ()))]

    def items(self) -> Iterator[InventoryItem]:
        # A snapshot of the references, so an apply while the caller iterates cannot break
        # the iteration (a DynamoDB scan tolerates concurrent writes too).
        for record in list(self._records.values()):
            yield record.item

    # --- the ImportLedger ---

    def import_record(self, import_id: str) -> ImportRecord | None:
        parse_import_id(import_id)  # a malformed id is a ValueError, as in every store
        return self._imports.get(import_id)

    def save_import(self, record: ImportRecord, *, replacing: int | None) -> bool:
        held = self._imports.get(record.import_id)
        if replacing is None:
            allowed = held is None
        else:
            allowed = (
                held is not None
                and held.status == "started"
                and held.part == replacing
                and record.may_replace(held)
            )
        if allowed:
            self._imports[record.import_id] = record
        return allowed

    # --- the SummaryArchive ---

    def keep_summary(self, day: date, summary: InventorySummary) -> None:
        self._summaries[day] = summary

    def summary(self, day: date | None) -> InventorySummary | None:
        if day is None:
            day = max(self._summaries, default=None)
            if day is None:
                return None
        return self._summaries.get(day)

    def __len__(self) -> int:
        """How many records are stored."""
        return len(self._records)
