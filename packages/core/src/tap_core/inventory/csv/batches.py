"""A `Batch`: the outcome of checking some consecutive records, column by column.

Valid records are kept as columns (one sequence per `InventoryItem` field) so the fast
path can convert and the duplicate check can fingerprint a whole batch with C-level ``map``
calls; items are built only when a caller asks for them.
"""

from __future__ import annotations

from bisect import bisect_left
from functools import partial
from itertools import accumulate, compress
from operator import add
from typing import TYPE_CHECKING, Any, Final, Protocol, TypeAlias, TypeVar, cast

from tap_core.inventory.csv import messages

if TYPE_CHECKING:
    from collections.abc import Sequence

    from tap_core.inventory.csv.checker import RecordChecker
    from tap_core.inventory.csv.events import RowError
    from tap_core.inventory.csv.splitting import Broken, Record

T = TypeVar("T")
Values: TypeAlias = "list[Sequence[Any] | None]"
"""A batch's value columns, in item field order (None: a column not needed)."""
FIELDS: Final = 8
"""Columns of a batch's values: the `InventoryItem` fields, in order."""


class Locator(Protocol):
    """Byte offsets of the records of a batch, by position (a line index, or 0)."""

    def one(self, position: int, /) -> int: ...

    def many(self, positions: Sequence[int], /) -> list[int]: ...


class Batch:
    """Checked records in row order, which keeps its counts and order itself.

    ``records`` counts the records (blank ones excluded), ``invalid`` those with errors.
    ``rows``, ``positions`` and each of ``values`` (the item fields, as columns; None for a
    column a validation without items does not need) describe the valid records; ``errors``
    lists every error by row (a record's own in column order) but the ``unreported`` ones,
    only counted (a report keeps no more); ``keyed`` lists (row, offset,
    sku, warehouse) of invalid records whose key is valid, which the duplicate check still
    looks at. All are read-only: records are added and changed through the methods.
    """

    __slots__ = (
        "_errors",
        "_invalid",
        "_keyed",
        "_positions",
        "_records",
        "_rows",
        "_unreported",
        "_unsorted",
        "_values",
        "locator",
    )

    def __init__(
        self, *, rows: list[int], positions: Sequence[int], values: Values, locator: Locator
    ) -> None:
        """A batch of valid records only: their rows, positions and value columns."""
        self._records = len(rows)
        self._invalid = 0
        self._rows = rows
        self._positions = positions
        self._values = values
        self.locator = locator
        self._errors: list[RowError] = []
        self._keyed: list[tuple[int, int, str, str]] = []
        self._unreported = 0
        self._unsorted = False

    @classmethod
    def without_valid(cls, locator: Locator) -> Batch:
        """An empty batch, for records that are added invalid."""
        return cls(rows=[], positions=(), values=empty_values(), locator=locator)

    @property
    def records(self) -> int:
        return self._records

    @property
    def invalid(self) -> int:
        return self._invalid

    @property
    def rows(self) -> Sequence[int]:
        return self._rows

    @property
    def positions(self) -> Sequence[int]:
        return self._positions

    @property
    def values(self) -> Sequence[Sequence[Any] | None]:
        return self._values

    @property
    def errors(self) -> Sequence[RowError]:
        if self._unsorted:
            self._errors.sort(key=error_row)  # stable: a record's own order is kept
            self._unsorted = False
        return self._errors

    @property
    def unreported(self) -> int:
        """Errors counted but not built (not in ``errors``): a report keeps no more."""
        return self._unreported

    @property
    def keyed(self) -> Sequence[tuple[int, int, str, str]]:
        return self._keyed

    def keys(self) -> tuple[Sequence[str], Sequence[str]]:
        """The valid records' skus and warehouses (always present)."""
        return cast("tuple[Sequence[str], Sequence[str]]", (self._values[0], self._values[1]))

    def offsets(self) -> list[int]:
        """The valid records' byte offsets, aligned with ``rows``."""
        return self.locator.many(self._positions)

    def add_invalid(self, errors: Sequence[RowError], key: tuple[str, str] | None = None) -> None:
        """Count one more record, invalid with ``errors`` (at least one, its own, of one row);
        ``key``, when valid, is still looked at by the duplicate check."""
        first = errors[0]
        self._records += 1
        self._invalid += 1
        self._add_errors(errors)
        if key is not None:
            self._keyed.append((first.row, first.offset, *key))

    def add_unreported(
        self, records: int, errors: int, keyed: Sequence[tuple[int, int, str, str]]
    ) -> None:
        """Count ``records`` more records, invalid, with ``errors`` errors in all that are
        counted but not built; ``keyed``: (row, offset, sku, warehouse) of those whose key
        is valid, which the duplicate check still looks at (as for `add_invalid`)."""
        self._records += records
        self._invalid += records
        self._unreported += errors
        self._keyed.extend(keyed)

    def add_errors(self, errors: Sequence[RowError]) -> None:
        """More errors of records already counted invalid (``duplicate_key``)."""
        self._add_errors(errors)

    def _add_errors(self, errors: Sequence[RowError]) -> None:
        if self._errors and errors and errors[0].row < self._errors[-1].row:
            self._unsorted = True
        self._errors.extend(errors)

    def add_valid(self, accepted: Sequence[tuple[int, int, Sequence[Any]]]) -> None:
        """Count more valid records, each (row, position, values), inserting each at its
        place (they are few: lines the fast path detoured and the checker accepted)."""
        rows, positions = list(self._rows), list(self._positions)
        columns: list[list[Any] | None] = [
            None if column is None else list(column) for column in self._values
        ]
        for row, position, values in accepted:
            at = bisect_left(rows, row)
            rows.insert(at, row)
            positions.insert(at, position)
            for column, value in zip(columns, values, strict=True):
                if column is not None:
                    column.insert(at, value)
        self._records += len(accepted)
        self._rows, self._positions, self._values = rows, positions, list(columns)

    def drop(self, errors: dict[int, RowError], *, keyed: bool = False) -> None:
        """Make the valid records at the given indexes invalid, each with its error; with
        ``keyed`` their keys (valid) stay for the duplicate check to look at."""
        indexes = sorted(errors)
        self._remove(indexes, [errors[i].offset for i in indexes] if keyed else None)
        self._errors.extend(errors[i] for i in indexes)
        self._unsorted = True

    def drop_unreported(self, indexes: Sequence[int]) -> None:
        """`drop` with ``keyed``, each record with one error counted but not built
        (``unreported``)."""
        indexes = sorted(indexes)
        self._remove(indexes, self.locator.many([self._positions[i] for i in indexes]))
        self._unreported += len(indexes)

    def _remove(self, indexes: list[int], offsets: list[int] | None) -> None:
        """Make the valid records at ``indexes`` (ascending) invalid; with ``offsets`` (theirs)
        their keys stay for the duplicate check."""
        if offsets is not None:
            skus, warehouses = self.keys()
            self._keyed.extend(
                (self._rows[i], offset, skus[i], warehouses[i])
                for i, offset in zip(indexes, offsets, strict=True)
            )
        present = [column for column in self._values if column is not None]
        rows, positions, *kept = without_each(
            [self._rows, self._positions, *present], indexes, len(self._rows)
        )
        columns = iter(kept)
        self._rows, self._positions = rows, positions
        self._values = [None if column is None else next(columns) for column in self._values]
        self._invalid += len(indexes)


def without(items: Sequence[T], indexes: Sequence[int]) -> list[T]:
    """``items`` but those at ``indexes`` (ascending): deleted one by one when they are few
    (the usual case: a bad row or two in a batch), else filtered at once."""
    return without_each([items], indexes, len(items))[0]


def without_each(
    sequences: Sequence[Sequence[T]], indexes: Sequence[int], length: int
) -> list[list[T]]:
    """Each of ``sequences`` (all of ``length`` items) but the items at ``indexes``
    (ascending), as `without` gives them; many indexes are marked once for all."""
    if len(indexes) > _FEW:
        keep = [True] * length
        for index in indexes:
            keep[index] = False
        return [list(compress(items, keep)) for items in sequences]
    result = []
    for items in sequences:
        kept = list(items)
        for index in reversed(indexes):
            del kept[index]
        result.append(kept)
    return result


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
    """The locator of a batch of lines: line index -> byte offset. The first offset asked
    (an error) is counted by one scan; later ones, or many at once (items), come from a table
    built once. A clean validation asks for none."""

    __slots__ = ("_asked", "_data", "_offset", "_table")

    def __init__(self, data: bytes, offset: int) -> None:
        self._data = data
        self._offset = offset
        self._table: list[int] | None = None
        self._asked = False

    def _build(self) -> list[int]:
        # Line k starts after the k lines before it and their k LFs.
        pieces = self._data.split(b"\n")
        starts = accumulate(map(len, pieces), initial=self._offset)
        self._table = list(map(add, starts, range(len(pieces))))
        return self._table

    def one(self, position: int, /) -> int:
        if self._table is not None:
            return self._table[position]
        if self._asked:  # a second error: the table costs less than more scans
            return self._build()[position]
        self._asked = True
        data = self._data  # the line starts where the rest after ``position`` LFs does
        return self._offset + len(data) - len(data.split(b"\n", position)[-1])

    def many(self, positions: Sequence[int], /) -> list[int]:
        return list(map((self._table or self._build()).__getitem__, positions))


def empty_values() -> Values:
    return [() for _ in range(FIELDS)]


class RecordOffsets:
    """The locator of a batch of records: record index -> its byte offset."""

    __slots__ = ("_offsets",)

    def __init__(self, offsets: list[int]) -> None:
        self._offsets = offsets

    def one(self, position: int, /) -> int:
        return self._offsets[position]

    def many(self, positions: Sequence[int], /) -> list[int]:
        return list(map(self._offsets.__getitem__, positions))


def records_batch(checker: RecordChecker, records: Sequence[Record]) -> Batch:
    """Check consecutive quote-aware `Record` s as one batch (so the duplicate check
    and the report take them at once, not one by one)."""
    rows: list[int] = []
    positions: list[int] = []
    columns: list[list[Any]] = [[] for _ in range(FIELDS)]
    invalid: list[tuple[list[RowError], tuple[str, str] | None]] = []
    check = checker.check
    for position, record in enumerate(records):
        fields = [field.decode("utf-8", "surrogateescape") for field in record.fields]
        outcome = check(fields, record.row, partial(int, record.offset))
        if outcome is None:  # blank
            continue
        values, errors, key = outcome
        if values is None:
            invalid.append((errors, key))
            continue
        rows.append(record.row)
        positions.append(position)
        for column, value in zip(columns, values, strict=True):
            column.append(value)
    locator = RecordOffsets([record.offset for record in records])
    batch = Batch(rows=rows, positions=positions, values=list(columns), locator=locator)
    for errors, key in invalid:
        batch.add_invalid(errors, key)
    return batch


def broken_batch(broken: Broken) -> Batch:
    """The one-error batch of a record that could not be read."""
    batch = Batch.without_valid(FixedOffset(broken.offset))
    batch.add_invalid([broken_error(broken)])
    return batch


def broken_error(broken: Broken) -> RowError:
    """The ``row_too_long`` or ``invalid_quoting`` error of a `Broken` record."""
    return messages.broken_error(
        broken.row, broken.offset, broken.code, quoted=broken.quoted, resumes=broken.resumes
    )
