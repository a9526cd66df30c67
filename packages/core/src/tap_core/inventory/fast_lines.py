"""The fast path: checking plain lines (no quotes) a batch at a time, column by column.

One regular expression, built from the header, matches a line whose every value is valid as
written (no padding to trim, no leading zeros past the limits, ...); ``findall`` runs it over
a whole batch of lines and captures the values the caller needs, without a match object per
line. ``updated_at`` is checked by its shape and converted a column at a time with
``datetime.fromisoformat``; quantities and prices (when items are wanted) with ``int`` and
``Decimal``. A line the expression rejects, or whose date is not real or too late, takes a
detour through the exact :class:`~tap_core.inventory.values.RecordChecker`, which gives every
error its message or accepts a value the expression was too strict for. So the fast path
never decides that a record is invalid, and accepts only what the checker accepts.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from heapq import merge
from itertools import compress, repeat
from operator import add
from typing import TYPE_CHECKING, Any, Final

from tap_core.inventory.batches import Batch, LineOffsets, broken_error, empty_values
from tap_core.inventory.csv_contract import COLUMNS, DEFAULT_CATEGORY, MAX_RECORD_BYTES
from tap_core.inventory.records import Broken
from tap_core.inventory.values import (
    DIGITS_AS_NINES,
    KEY_RE,
    UPDATED_AT_PATTERN,
    UPDATED_AT_SHAPES,
    instant,
)

if TYPE_CHECKING:
    from collections.abc import Collection, Iterator, Sequence

    from tap_core.inventory.csv_contract import Column, Columns
    from tap_core.inventory.events import RowError
    from tap_core.inventory.records import Lines
    from tap_core.inventory.values import RecordChecker

BATCH_CHARS: Final = 32_768
"""Characters checked per batch (about 400 lines): large enough that the per-batch overhead
vanishes, small enough that a batch with a bad line loses little by its detour."""

_NOT_TEXT = r"\ud800-\udfff"  # surrogates: bytes that were not UTF-8 (see values.py)
# Each column's fragment: one group, matching only values that need no trimming and that the
# exact checker accepts as they are, and the most characters it matches. Python's re is slow
# on optional groups and counted repeats, so these stay flat; updated_at is only captured
# here, and checked by its shape.
_FRAGMENTS: Final[dict[Column, tuple[str, int]]] = {
    "sku": (f"({KEY_RE}+)", 64),
    "warehouse": (f"({KEY_RE}+)", 64),
    "name": (rf"((?![ \t])[^,\x00-\x1f\x7f-\x9f{_NOT_TEXT}]{{1,200}}+(?<![ \t]))", 200),
    "quantity": (r"([0-9]{1,9}+|1000000000)", 10),
    "unit_price": (r"([0-9]{1,9}+(?:\.[0-9]{1,4}+)?+|1000000000(?:\.0{1,4}+)?+)", 15),
    "category": (rf"((?![ \t])[^,\r{_NOT_TEXT}]{{0,64}}+(?<![ \t]))", 64),
    "reorder_level": (r"([0-9]{0,9}+|1000000000)", 10),
    "updated_at": (r"([0-9T:. Z+-]{0,32}+)", 32),
}
_MAX_IGNORED_CHARS: Final = 1024
_UTF8_MAX: Final = 4  # bytes per character
_fromisoformat = datetime.fromisoformat
_astimezone = datetime.astimezone


def fast_pattern(columns: Columns, captured: Collection[Column]) -> tuple[str, dict[Column, int]]:
    """The expression for a line of ``columns`` whose values are all valid as written,
    capturing the ``captured`` columns, and the group index of each.

    Every line it matches is at most 65,536 bytes: ignored columns match a bounded length.
    """
    known_bytes = sum(_FRAGMENTS[column][1] * _UTF8_MAX for column in columns if column)
    ignored = columns.count(None)
    room = MAX_RECORD_BYTES - known_bytes - len(columns) - 1  # commas and a CR
    ignored_chars = min(_MAX_IGNORED_CHARS, max(room, 0) // (_UTF8_MAX * max(ignored, 1)))
    parts: list[str] = []
    groups: dict[Column, int] = {}
    for column in columns:
        if column is None:
            parts.append(f"[^,{_NOT_TEXT}]{{0,{ignored_chars}}}+")
        elif column in captured:
            parts.append(_FRAGMENTS[column][0])
            groups[column] = len(groups)
        else:
            parts.append("(?:" + _FRAGMENTS[column][0][1:])
    return ",".join(parts) + r"\r?", groups


class LinesChecker:
    """Checks :class:`Lines` segments with the fast path, deferring to ``checker``.

    With ``items`` false (a validation that builds no items) only sku, warehouse and
    updated_at are captured, the expression alone proving the other values valid; the
    batches' other columns then hold None.
    """

    def __init__(self, checker: RecordChecker, *, items: bool = True) -> None:
        self._checker = checker
        self._items = items
        self._uploaded_at = checker.uploaded_at
        self._limit = checker.limit
        wanted = COLUMNS if items else ("sku", "warehouse", "updated_at")
        body, groups = fast_pattern(checker.columns, wanted)
        # One match per line: the fast expression, or any line (all groups empty, and a
        # matched sku is never empty).
        self._findall = re.compile(rf"^(?:{body}|[^\n]*)$", re.MULTILINE).findall
        self._groups = groups

    def check(self, lines: Lines) -> Iterator[Batch]:
        """The batches of one segment, in row order."""
        text = lines.data.decode("utf-8", "surrogateescape")
        locator = LineOffsets(lines, text)
        last = len(text) - 1  # the LF ending the last line
        pos, row, index = 0, lines.row, 0
        while pos <= last:
            end = text.find("\n", pos + BATCH_CHARS)
            if end < 0:
                end = last
            batch, count = self._batch(text, pos, end, first_row=row, first=index, locator=locator)
            yield batch
            pos, row, index = end + 1, row + count, index + count

    def _batch(
        self, text: str, pos: int, end: int, *, first_row: int, first: int, locator: LineOffsets
    ) -> tuple[Batch, int]:
        """Check the lines of ``text[pos:end]``; also return how many there were."""
        captured = self._findall(text, pos, end)
        count = len(captured)
        columns = list(zip(*captured, strict=True))
        slow: list[int] = []
        fast: list[int] | range = range(count)
        if "" in columns[0]:  # lines the expression did not take (group 0 is sku or warehouse)
            taken = list(map(bool, columns[0]))
            slow = [index for index, ok in enumerate(taken) if not ok]
            fast = list(compress(fast, taken))
            columns = [tuple(compress(column, taken)) for column in columns]
        values, detours = self._convert(columns, len(fast))
        if detours:
            values, fast, slow = _move(values, list(fast), detours, slow)
        if slow:
            rows = [first_row + index for index in fast]
            positions: Sequence[int] = [first + index for index in fast]
        else:
            rows = list(range(first_row, first_row + count))
            positions = range(first, first + count)
        batch = Batch(
            records=len(fast),
            invalid=0,
            rows=rows,
            positions=positions,
            values=values,
            locator=locator,
            errors=[],
            keyed=[],
        )
        if slow:
            lines = text[pos:end].split("\n")
            self._check_slow(batch, lines, sorted(slow), first, first_row)
        return batch, count

    def _convert(
        self, captured: list[tuple[Any, ...]], count: int
    ) -> tuple[list[Sequence[Any]], set[int]]:
        """Item-ordered columns from the captured ones, and the indexes of rows to detour
        (an ``updated_at`` of another form, not a real time, or past the limit)."""
        if not count:
            return empty_values(), set()
        groups = self._groups

        def column(name: Column) -> Any:
            index = groups.get(name)
            return [None] * count if index is None else captured[index]

        quantity, price = column("quantity"), column("unit_price")
        category, reorder = column("category"), column("reorder_level")
        if self._items:
            quantity = list(map(int, quantity))
            price = list(map(Decimal, price))
            if "category" not in groups:
                category = [DEFAULT_CATEGORY] * count
            elif "" in category:
                category = [value or DEFAULT_CATEGORY for value in category]
            if "reorder_level" not in groups:
                reorder = [0] * count
            elif "" in reorder:
                reorder = [int(value) if value else 0 for value in reorder]
            else:
                reorder = list(map(int, reorder))
        detours: set[int] = set()
        if "updated_at" not in groups:
            moments: Sequence[datetime] = [self._uploaded_at] * count
        else:
            moments = self._instants(column("updated_at"), detours)
            if self._limit < max(moments):
                detours.update(j for j, moment in enumerate(moments) if moment > self._limit)
        values = [column("sku"), column("warehouse"), column("name"), quantity, price]
        return [*values, category, reorder, moments], detours

    def _instants(self, texts: tuple[str, ...], detours: set[int]) -> list[datetime]:
        """``updated_at`` per row, whole columns at once when every value has one form (a
        bare date, a naive time, a UTC time or one with an offset); else row by row. A row
        of another form or that is not a real time goes to ``detours`` (its moment is then
        a placeholder)."""
        shapes = "\n".join(texts).encode("ascii").translate(DIGITS_AS_NINES).split(b"\n")
        kinds = {UPDATED_AT_SHAPES.get(shape, shape or None) for shape in set(shapes)}
        if len(kinds) == 1:
            kind = kinds.pop()
            try:
                if kind == "utc":
                    return list(map(_fromisoformat, texts))
                if kind == "naive":
                    return list(map(_fromisoformat, map(add, texts, repeat("+00:00"))))
                if kind == "date":
                    return list(map(_fromisoformat, map(add, texts, repeat("T00:00+00:00"))))
                if kind == "offset":
                    return list(map(_astimezone, map(_fromisoformat, texts), repeat(UTC)))
                if kind is None:  # every value empty
                    return [self._uploaded_at] * len(texts)
            except (ValueError, OverflowError):
                pass  # some date is not real: row by row finds which
        result = []
        for index, text in enumerate(texts):
            if not text:
                result.append(self._uploaded_at)
                continue
            match = UPDATED_AT_PATTERN.fullmatch(text)
            try:
                if match is None:
                    raise ValueError(text)
                result.append(instant(match["main"], match["zone"], match["date"]))
            except (ValueError, OverflowError):
                result.append(self._uploaded_at)
                detours.add(index)
        return result

    def _check_slow(
        self, batch: Batch, lines: list[str], slow: list[int], first: int, first_row: int
    ) -> None:
        """Check the detoured lines exactly and merge them into ``batch`` in row order."""
        checker, locator = self._checker, batch.locator
        accepted: list[tuple[int, int, tuple[Any, ...]]] = []
        errors: list[RowError] = batch.errors
        for index in slow:
            row, position = first_row + index, first + index
            line = lines[index].removesuffix("\r")
            if (
                len(line) > MAX_RECORD_BYTES // _UTF8_MAX
                and len(line.encode("utf-8", "surrogateescape")) > MAX_RECORD_BYTES
            ):
                batch.records += 1
                batch.invalid += 1
                errors.append(
                    broken_error(Broken("row_too_long", row, locator.one(position), False))
                )
                continue
            outcome = checker.check(line.split(","), row, locator.one(position))
            if outcome is None:  # blank
                continue
            batch.records += 1
            values, record_errors, key = outcome
            if values is not None:
                accepted.append((row, position, values))
                continue
            batch.invalid += 1
            errors.extend(record_errors)
            if key is not None:
                batch.keyed.append((row, record_errors[0].offset, *key))
        if accepted:
            fast = zip(batch.rows, batch.positions, zip(*batch.values, strict=True), strict=True)
            merged = list(merge(fast, accepted))
            batch.rows = [row for row, _, _ in merged]
            batch.positions = [position for _, position, _ in merged]
            batch.values = [list(column) for column in zip(*(v for _, _, v in merged), strict=True)]


def _move(
    values: list[Sequence[Any]], fast: list[int], out: set[int], slow: list[int]
) -> tuple[list[Sequence[Any]], list[int], list[int]]:
    """Take the rows at indexes ``out`` of the fast rows and send their lines to the checker."""
    keep = [j not in out for j in range(len(fast))]
    moved = [index for j, index in enumerate(fast) if j in out]
    return (
        [list(compress(column, keep)) for column in values],
        list(compress(fast, keep)),
        slow + moved,
    )
