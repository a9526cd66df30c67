"""The ``InventoryStore`` port: what every inventory store does, and how it answers.

Adapters (``tap_core.memory.InMemoryInventoryStore``, ``tap_aws``'s DynamoDB one) implement this
Protocol structurally, decide every row with :func:`tap_core.inventory.decisions.decide`, count
endings with :class:`tap_core.inventory.imports.ImportTally`, and so answer identically.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from datetime import datetime

    from tap_core.inventory.imports import ImportResult
    from tap_core.inventory.item import InventoryItem
    from tap_core.inventory.stock import StockRecord


class LocatedItem(Protocol):
    """A valid item with the row of the file it came from (the parser's ``ValidRow`` is one)."""

    @property
    def item(self) -> InventoryItem: ...

    @property
    def row(self) -> int: ...


class InventoryStore(Protocol):
    """Stock records by (``sku``, ``warehouse``), where the last writer by ``updated_at`` wins."""

    def apply(
        self,
        items: Iterable[InventoryItem | LocatedItem],
        uploaded_at: datetime,
        source: str | None = None,
    ) -> ImportResult:
        """Apply one upload's valid items (read once, streamed); count how each row ended.

        Each entry is an item, or an item with its row (kept on the record and named in the
        report of stale rows). ``uploaded_at`` (aware) is the upload's time, ``source`` its
        object key. Every entry ends applied, unchanged or stale; applying the same upload
        again changes nothing, and any set of uploads applied in any order leaves the same
        records.
        """
        ...

    def get(self, sku: str, warehouse: str) -> StockRecord | None:
        """The record of one SKU in one warehouse (keys compared exactly), or None."""
        ...

    def items(self) -> Iterator[InventoryItem]:
        """Every stored item once, in no particular order, streamed (for the daily summary)."""
        ...
