"""The validation report of one inventory CSV, and the builder that counts it as rows stream by.

The report's JSON (``report.model_dump_json()``) is what ``tap inventory validate --json``
prints: ``rows_total``, ``rows_valid``, ``rows_invalid``, ``file_errors``, ``errors`` (the first
1,000), ``errors_truncated`` and ``warnings``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tap_core.inventory.csv.contract import MAX_REPORTED_ERRORS
from tap_core.inventory.csv.events import FileError, RowError, ValidRow

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from tap_core.inventory.csv.batches import Batch


class InventoryReport(BaseModel):
    """What validating a file found. ``rows_total`` counts records (blank ones are skipped) and
    equals ``rows_valid + rows_invalid``; a file error means no record was read."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rows_total: int = Field(ge=0)
    rows_valid: int = Field(ge=0)
    rows_invalid: int = Field(ge=0)
    file_errors: list[FileError] = Field(default_factory=list)
    errors: list[RowError] = Field(
        default_factory=list, max_length=MAX_REPORTED_ERRORS, description="the first 1,000"
    )
    errors_truncated: int = Field(default=0, ge=0, description="row errors left out of errors")
    warnings: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.rows_total != self.rows_valid + self.rows_invalid:
            raise ValueError(
                f"rows_total ({self.rows_total}) must equal rows_valid + rows_invalid "
                f"({self.rows_valid} + {self.rows_invalid})"
            )
        if self.file_errors and (self.rows_total or self.errors or self.errors_truncated):
            raise ValueError("a report with file errors has no rows and no row errors")
        if self.errors_truncated and len(self.errors) < MAX_REPORTED_ERRORS:
            raise ValueError("errors are truncated only beyond the first 1,000")
        return self

    @property
    def exit_status(self) -> int:
        """0 when every record is valid, 1 when some are invalid, 2 on a file error."""
        if self.file_errors:
            return 2
        return 1 if self.rows_invalid else 0


class ReportBuilder:
    """Counts valid rows and row errors into an `InventoryReport`, in constant memory.

    Feed it every event of a parse, in order (`add`); a record's errors come together,
    so each record is counted once however many errors it has.
    """

    __slots__ = (
        "_errors",
        "_file_errors",
        "_invalid",
        "_last_row",
        "_truncated",
        "_valid",
        "_warnings",
    )

    def __init__(self, file_errors: Iterable[FileError] = (), warnings: Iterable[str] = ()) -> None:
        self._file_errors = list(file_errors)
        self._warnings = list(warnings)
        self._valid = 0
        self._invalid = 0
        self._errors: list[RowError] = []
        self._truncated = 0
        self._last_row = 0

    def add(self, event: ValidRow | RowError) -> None:
        """Count one event of `tap_core.inventory.csv.parser.parse_inventory`."""
        if isinstance(event, ValidRow):
            self._valid += 1
            return
        if event.row != self._last_row:
            self._invalid += 1
            self._last_row = event.row
        self._keep([event])

    def add_batch(self, batch: Batch) -> None:
        """Count a whole checked batch (the parser's own fast route)."""
        self._valid += len(batch.rows)
        self._invalid += batch.invalid
        if batch.errors:
            self._keep(batch.errors)
        if batch.unreported:
            if not self.full():
                raise ValueError("errors were counted unbuilt before the report was full")
            self._truncated += batch.unreported

    def full(self) -> bool:
        """Whether the report keeps no more errors (later ones are only counted)."""
        return len(self._errors) >= MAX_REPORTED_ERRORS

    def _keep(self, errors: Sequence[RowError]) -> None:
        room = MAX_REPORTED_ERRORS - len(self._errors)
        if room > 0:
            self._errors.extend(errors[:room])
        self._truncated += max(0, len(errors) - max(room, 0))

    def report(self) -> InventoryReport:
        """The counts so far."""
        return InventoryReport(
            rows_total=self._valid + self._invalid,
            rows_valid=self._valid,
            rows_invalid=self._invalid,
            file_errors=self._file_errors,
            errors=self._errors,
            errors_truncated=self._truncated,
            warnings=self._warnings,
        )
