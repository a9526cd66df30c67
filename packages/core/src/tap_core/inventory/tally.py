"""Counting an import's endings: every valid row counted as applied, unchanged or stale.

`ImportTally` counts `ImportDecision`\\ s while a store applies an upload, in
constant memory (stale rows beyond the first `STALE_ROWS_MAX` are only counted), and
gives the port's `ImportResult`. Every store uses it, so every store reports alike.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tap_core.inventory.item import InventoryItem
from tap_core.inventory.port import STALE_ROWS_MAX, ImportedRow, ImportResult, StaleRow

if TYPE_CHECKING:
    from datetime import datetime

    from tap_core.inventory.decisions import ImportDecision
    from tap_core.inventory.port import LocatedItem


def provenance(
    entry: InventoryItem | LocatedItem,
) -> tuple[InventoryItem, int | None, str | None]:
    """The item of an entry given to ``InventoryStore.apply``, its row and the import that
    reads it (an `ImportedRow`'s), each when it has one."""
    if isinstance(entry, InventoryItem):
        return entry, None, None
    if isinstance(entry, ImportedRow):
        return entry.item, entry.row, entry.import_id
    return entry.item, entry.row, None


class ImportTally:
    """Counts the decisions of one upload as a store applies them."""

    __slots__ = ("_stale_rows", "applied", "source", "stale", "unchanged", "uploaded_at")

    def __init__(self, uploaded_at: datetime, source: str | None = None) -> None:
        self.uploaded_at = uploaded_at
        self.source = source
        self.applied = 0
        self.unchanged = 0
        self.stale = 0
        self._stale_rows: list[StaleRow] = []

    def count(self, decision: ImportDecision) -> None:
        """Count one row's ending."""
        status = decision.status
        if status == "applied":
            self.applied += 1
        elif status == "unchanged":
            self.unchanged += 1
        else:
            self.stale += 1
            if len(self._stale_rows) < STALE_ROWS_MAX:
                incoming = decision.incoming
                self._stale_rows.append(
                    StaleRow(
                        sku=incoming.item.sku,
                        warehouse=incoming.item.warehouse,
                        row=incoming.row,
                        reason=decision.reason,
                    )
                )

    def result(self) -> ImportResult:
        """The counts so far as an `ImportResult`."""
        return ImportResult(
            source=self.source,
            uploaded_at=self.uploaded_at,
            rows=self.applied + self.unchanged + self.stale,
            applied=self.applied,
            unchanged=self.unchanged,
            stale=self.stale,
            stale_rows=self._stale_rows.copy(),
            stale_rows_truncated=self.stale - len(self._stale_rows),
        )
