"""A :class:`Batch`: the outcome of checking some consecutive records, column by column.

Valid records are kept as columns (one sequence per :class:`InventoryItem` field) so the fast
path can convert and the duplicate check can fingerprint a whole batch with C-level ``map``
calls; items are built only when a caller asks for them.
"""

from __future__ import annotations

from functools import partial
from itertools import accumulate, compress
from operator import add
from typing import TYPE_CHECKING, Any, Final, Protocol, TypeVar, cast

from tap_core.inventory.csv import messages

if TYPE_CHECKING:
    from collections.abc import Sequence

    from tap_core.inventory.csv.checker import RecordChecker
    from tap_core.inventory.csv.events import RowError
    from tap_core.inventory.csv.splitting import Broken, Record

T = TypeVar("T")
FIELDS: Final = 8
"""Columns of a batch's values: the :class:`InventoryItem` fields, in order."""


class Locator(Protocol):
    """Byte offsets of the records of a batch, by position (a line index, or 0)."""

    def one(self, position: int, /) -> int: ...

    def many(self, positions: Sequence[int], /) -> list[int]: ...


class Batch:
    """Checked records in row order.

    ``records`` counts the records (blank ones excluded), ``invalid`` those with errors.
    ``rows``, ``positions`` and each of ``values`` (the item fields, as columns; None for a
    column a validation without items does not need) describe the valid records; ``errors``
    lists every error by row (a record's own in column order);
    ``keyed`` lists (row, offset, sku, warehouse) of invalid records whose key is valid, which
    the duplicate check still looks at.
    """

    __slots__ = (
        "errors",
        "invalid",
        "keyed",
        "locator",
        "positions",
        "records",
        "rows",
        "values",
    )

    def __init__(
        self,
        *,
        records: int,
        invalid: int,
        rows: list[int],
        positions: Sequence[int],
        values: list[Sequence[Any] | None],
        locator: Locator,
        errors: list[RowError],
        keyed: list[tuple[int, int, str, str]],
    ) -> None:
        self.records = records
        self.invalid = invalid
        self.rows = rows
        self.positions = positions
        self.values = values
        self.locator = locator
        self.errors = errors
        self.keyed = keyed

    def keys(self) -> tuple[Sequence[str], Sequence[str]]:
        """The valid records' skus and warehouses (always present)."""
        return cast("tuple[Sequence[str], Sequence[str]]", (self.values[0], self.values[1]))

    def offsets(self) -> list[int]:
        """The valid records' byte offsets, aligned with ``rows``."""
        return self.locator.many(self.positions)

    def drop(self, errors: dict[int, RowError]) -> None:
        """Make the valid records at the given indexes invalid, each with its error."""
        indexes = sorted(errors)
        self.rows = without(self.rows, indexes)
        self.positions = without(self.positions, indexes)
        self.values = [
            None if column is None else without(column, indexes) for column in self.values
        ]
        self.invalid += len(errors)
        self.errors.extend(errors.values())
        self.errors.sort(key=error_row)


def without(items: Sequence[T], indexes: Sequence[int]) -> list[T]:
    """``items`` but those at ``indexes`` (ascending): deleted one by one when they are few
    (the usual case: a bad row or two in a batch), else filtered at once."""
    if len(indexes) > _FEW:
        keep = [True] * len(items)
        for index in indexes:
            keep[index] = False
        return list(compress(items, keep))
    kept = list(items)
    for index in reversed(indexes):
        del kept[index]
    return kept


_FEW: Final = 16


def error_row(error: RowError) -> int:
    """The sort key of errors: their row (a stable sort keeps a record's own order)."""
    return error.row


class FixedOffset:
    """The locator of a one-record batch."""

    __slots__ = ("offset",)

    def __init__(self, offset: int) -> None:
        self.offset = offset

    def one(self, _position: int, /) -> int:
        return self.offset

    def many(self, positions: Sequence[int], /) -> list[int]:
        return [self.offset] * len(positions)


class LineOffsets:
    """The locator of a batch of lines: line index -> byte offset. One offset is counted
    when asked (for an error); many at once come from a table built on first use (for
    items). A clean validation asks for none."""

    __slots__ = ("_data", "_offset", "_table")

    def __init__(self, data: bytes, offset: int) -> None:
        self._data = data
        self._offset = offset
        self._table: list[int] | None = None

    def _build(self) -> list[int]:
        # Line k starts after the k lines before it and their k LFs.
        pieces = self._data.split(b"\n")
        starts = accumulate(map(len, pieces), initial=self._offset)
        self._table = list(map(add, starts, range(len(pieces))))
        return self._table

    def one(self, position: int, /) -> int:
        if self._table is not None:
            return self._table[position]
        data = self._data  # the line starts where the rest after ``position`` LFs does
        return self._offset + len(data) - len(data.split(b"\n", position)[-1])

    def many(self, positions: Sequence[int], /) -> list[int]:
        return list(map((self._table or self._build()).__getitem__, positions))


def empty_values() -> list[Sequence[Any] | None]:
    return [() for _ in range(FIELDS)]


def record_batch(checker: RecordChecker, record: Record) -> Batch:
    """Check one quote-aware :class:`Record`."""
    fields = [field.decode("utf-8", "surrogateescape") for field in record.fields]
    outcome = checker.check(fields, record.row, partial(int, record.offset))
    locator = FixedOffset(record.offset)
    if outcome is None:  # blank
        return _without_valid(locator, records=0)
    values, errors, key = outcome
    if values is not None:
        return Batch(
            records=1,
            invalid=0,
            rows=[record.row],
            positions=[0],
            values=[[value] for value in values],
            locator=locator,
            errors=[],
            keyed=[],
        )
    keyed = [] if key is None else [(record.row, record.offset, *key)]
    return _without_valid(locator, records=1, errors=errors, keyed=keyed)


def broken_batch(broken: Broken) -> Batch:
    """The one-error batch of a record that could not be read."""
    return _without_valid(FixedOffset(broken.offset), records=1, errors=[broken_error(broken)])


def _without_valid(
    locator: Locator,
    *,
    records: int,
    errors: list[RowError] | None = None,
    keyed: list[tuple[int, int, str, str]] | None = None,
) -> Batch:
    """A batch of ``records`` records (0 or 1), none of them valid."""
    return Batch(
        records=records,
        invalid=records,
        rows=[],
        positions=(),
        values=empty_values(),
        locator=locator,
        errors=errors or [],
        keyed=keyed or [],
    )


def broken_error(broken: Broken) -> RowError:
    """The ``row_too_long`` or ``invalid_quoting`` error of a :class:`Broken` record."""
    return messages.broken_error(
        broken.row, broken.offset, broken.code, quoted=broken.quoted, resumes=broken.resumes
    )
