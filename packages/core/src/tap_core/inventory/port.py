"""The ``InventoryStore`` port: what every inventory store does, and how it answers.

Adapters (``tap_core.memory.InMemoryInventoryStore``, ``tap_aws``'s DynamoDB one) implement this
Protocol structurally, decide every row with `tap_core.inventory.decisions.decide`, count
endings with `tap_core.inventory.tally.ImportTally`, and so answer identically. The
types it returns live here beside it (as ``tap_core.leaderboard.port`` does), so nothing this
module needs imports back into it.
"""

from __future__ import annotations

from datetime import datetime  # noqa: TC003 - pydantic resolves annotations at runtime
from typing import TYPE_CHECKING, Final, NamedTuple, Protocol, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from datetime import date

    from tap_core.inventory.imports import ImportRecord
    from tap_core.inventory.item import InventoryItem
    from tap_core.inventory.stock import StockRecord
    from tap_core.inventory.summary import InventorySummary

STALE_ROWS_MAX: Final = 1000
"""How many stale rows an import result lists; the rest are counted in ``stale_rows_truncated``."""


class StaleRow(BaseModel):
    """A valid row that changed nothing because the store holds a winning record."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    sku: str
    warehouse: str
    row: int | None = Field(default=None, description="its row in the file, when known")
    reason: str


class ImportResult(BaseModel):
    """The endings of one upload's valid rows: ``rows`` = ``applied + unchanged + stale``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str | None = None
    uploaded_at: datetime
    rows: int = Field(default=0, ge=0)
    applied: int = Field(default=0, ge=0)
    unchanged: int = Field(default=0, ge=0)
    stale: int = Field(default=0, ge=0)
    stale_rows: list[StaleRow] = Field(default_factory=list, max_length=STALE_ROWS_MAX)
    stale_rows_truncated: int = Field(default=0, ge=0)

    @model_validator(mode="after")
    def _every_row_has_one_ending(self) -> Self:
        if self.rows != self.applied + self.unchanged + self.stale:
            raise ValueError(
                f"rows ({self.rows}) must equal applied + unchanged + stale "
                f"({self.applied} + {self.unchanged} + {self.stale})"
            )
        if len(self.stale_rows) + self.stale_rows_truncated != self.stale:
            raise ValueError(
                f"stale_rows ({len(self.stale_rows)}) + stale_rows_truncated "
                f"({self.stale_rows_truncated}) must equal stale ({self.stale})"
            )
        return self


class LocatedItem(Protocol):
    """A valid item with the row of the file it came from (the parser's ``ValidRow`` is one)."""

    @property
    def item(self) -> InventoryItem: ...

    @property
    def row(self) -> int: ...


class ImportedRow(NamedTuple):
    """A valid item with its row and the import that reads it: what an import hands to
    ``InventoryStore.apply``, so the store keeps ``import_id`` as provenance and knows the rows
    this import already wrote (``tap_core.inventory.decisions``: ``own_write``)."""

    item: InventoryItem
    row: int
    import_id: str


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
        report of stale rows), or an `ImportedRow`, whose import id is kept too: a row whose
        record that import already wrote from that row counts ``applied`` again, unwritten.
        ``uploaded_at`` (aware) is the upload's time, ``source`` its object key. Every entry
        ends applied, unchanged or stale; applying the same upload again changes nothing, and
        any set of uploads applied in any order leaves the same records.
        """
        ...

    def get(self, sku: str, warehouse: str) -> StockRecord | None:
        """The record of one SKU in one warehouse (keys compared exactly), or None."""
        ...

    def stock_of(self, sku: str) -> list[StockRecord]:
        """The records of one SKU in every warehouse, in warehouse order (keys compared
        exactly); empty when the SKU is stored nowhere."""
        ...

    def items(self) -> Iterator[InventoryItem]:
        """Every stored item once, in no particular order, streamed (for the daily summary)."""
        ...


class ImportLedger(Protocol):
    """The records of imports (`tap_core.inventory.ImportRecord`), by import id.

    Saving is guarded by the part the caller worked on, so of two deliveries of one event
    only one records its part, and a part already passed is never recorded again.
    """

    def import_record(self, import_id: str) -> ImportRecord | None:
        """The record of one import (read consistently), or None when it never began;
        ValueError naming ``import_id`` when it is not one (see ``parse_import_id``)."""
        ...

    def save_import(self, record: ImportRecord, *, replacing: int | None) -> bool:
        """Store ``record`` if the stored one is still ``started`` at part ``replacing`` and
        ``record`` may replace it under the lease rule (``ImportRecord.may_replace``), or, for
        None, if there is none; False, and nothing written, otherwise."""
        ...


class SummaryArchive(Protocol):
    """The daily inventory summaries, one per UTC date."""

    def keep_summary(self, day: date, summary: InventorySummary) -> None:
        """Keep ``summary`` as ``day``'s (replacing one kept before for that day)."""
        ...

    def summary(self, day: date | None) -> InventorySummary | None:
        """``day``'s summary, or for None the one of the latest day kept; None when none."""
        ...
