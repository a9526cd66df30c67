"""How an import ended: every valid row counted as applied, unchanged or stale.

:class:`ImportTally` counts :class:`ImportDecision`\\ s while a store applies an upload, in
constant memory (stale rows beyond the first :data:`STALE_ROWS_MAX` are only counted), and
gives the :class:`ImportResult`. Every store uses it, so every store reports alike.
"""

from __future__ import annotations

from datetime import datetime  # noqa: TC003 - pydantic resolves annotations at runtime
from typing import TYPE_CHECKING, Final, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tap_core.inventory.item import InventoryItem

if TYPE_CHECKING:
    from tap_core.inventory.decisions import ImportDecision
    from tap_core.inventory.port import LocatedItem

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


def item_and_row(entry: InventoryItem | LocatedItem) -> tuple[InventoryItem, int | None]:
    """The item of an entry given to ``InventoryStore.apply``, and its row when it has one."""
    if isinstance(entry, InventoryItem):
        return entry, None
    return entry.item, entry.row


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
        """The counts so far as an :class:`ImportResult`."""
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
