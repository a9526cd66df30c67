"""What parsing an inventory CSV yields: valid rows, row errors, file errors and checkpoints.

`ValidRow` is a named tuple (one is made per valid record, so it must be cheap); the
others are pydantic models, so a report or a checkpoint serialises to JSON as it is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tap_core.inventory.csv.contract import (
    COLUMNS,
    REQUIRED,
    Column,
    FileErrorCode,
    RowErrorCode,
)

if TYPE_CHECKING:
    from tap_core.inventory.item import InventoryItem


class ValidRow(NamedTuple):
    """A valid record: its item, its ``row`` (the physical line where it starts, from 1) and
    its byte ``offset`` in the file."""

    item: InventoryItem
    row: int
    offset: int


class RowError(BaseModel):
    """One problem with one record. A record with several problems yields one per problem.

    ``field`` is the column for ``missing_value`` and ``invalid_value``, else None. ``offset``
    (where the record starts, in bytes) locates the record for a resume; it is not part of
    the report's JSON, which the contract fixes as ``row``, ``field``, ``code``, ``message``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    row: int = Field(ge=1, description="the physical line where the record starts, from 1")
    field: Column | None = Field(description="the column, for missing_value and invalid_value")
    code: RowErrorCode
    message: str = Field(description="what was wrong and where, and what is allowed")
    offset: int = Field(default=0, ge=0, exclude=True, description="the record's byte offset")


class FileError(BaseModel):
    """A problem with the file as a whole: no record was read."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: FileErrorCode
    message: str


class Checkpoint(BaseModel):
    """Where a later parse can continue: the next record's byte ``offset`` and ``row``, and the
    header's column mapping (for each field position, its column or None when ignored).

    Give it as ``resume=`` with a stream already positioned at ``offset``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    offset: int = Field(ge=0)
    row: int = Field(ge=1)
    columns: tuple[Column | None, ...]

    @model_validator(mode="after")
    def _a_valid_header(self) -> Self:
        named = [column for column in self.columns if column is not None]
        if len(named) != len(set(named)):
            raise ValueError(f"columns names a column twice: {self.columns}")
        missing = [column for column in COLUMNS if column in REQUIRED and column not in named]
        if missing:
            raise ValueError(f"columns lacks the required {', '.join(missing)}")
        return self
