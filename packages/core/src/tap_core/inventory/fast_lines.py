"""The fast path: checking the one-line records of a :class:`Lines` segment a batch at a time.

One regular expression, built from the header, matches a line whose every value is valid as
written (no padding to trim, no leading zeros past the limits, a name or category quoted at
most, without inner quotes); ``findall`` runs it over
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
from bisect import bisect_left
from datetime import UTC, datetime
from decimal import Decimal
from functools import partial
from itertools import compress, repeat
from operator import add
from typing import TYPE_CHECKING, Any, Final

from tap_core.inventory.batches import (
    Batch,
    LineOffsets,
    broken_error,
    empty_values,
    error_row,
    without,
)
from tap_core.inventory.csv_contract import (
    COLUMNS,
    DEFAULT_CATEGORY,
    MAX_RECORD_BYTES,
    TRIMMED,
)
from tap_core.inventory.records import Broken, split_quoted_line
from tap_core.inventory.values import (
    DIGITS_AS_NINES,
    KEY_RE,
    UPDATED_AT_SHAPES,
    Invalid,
    value_error,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Iterator, Sequence

    from tap_core.inventory.csv_contract import Column, Columns
    from tap_core.inventory.events import RowError
    from tap_core.inventory.records import Lines
    from tap_core.inventory.values import RecordChecker

BATCH_BYTES: Final = 32_768
"""Bytes checked per batch (about 400 lines): large enough that the per-batch overhead
vanishes, small enough that a batch with a bad line loses little by its detour."""

# Never in an unquoted value the expression takes: a line end (a batch is many lines), a
# quote (a quoted field detours) or a surrogate (bytes that were not UTF-8: see values.py).
_NOT_TEXT = r'\n"\ud800-\udfff'
_NAME = r"(?![ \t])[^%s\x00-\x1f\x7f-\x9f\ud800-\udfff]{1,200}+(?<![ \t])"
_CATEGORY = r"(?![ \t])[^%s\r\n\ud800-\udfff]{0,64}+(?<![ \t])"
# Each column's fragment, matching only values that need no trimming and that the exact
# checker accepts as they are, and the most characters it matches. Python's re is slow on
# optional groups and counted repeats, so these stay flat; updated_at is only captured here,
# and checked by its shape. A name or category may be quoted (with no quote inside): two
# groups, quoted and plain, one of them empty.
_FRAGMENTS: Final[dict[Column, tuple[str, int]]] = {
    "sku": (f"({KEY_RE}+)", 64),
    "warehouse": (f"({KEY_RE}+)", 64),
    "name": ('"(' + _NAME % '"' + ')"|(' + _NAME % ',"' + ")", 202),
    "quantity": (r"([0-9]{1,9}+|1000000000)", 10),
    "unit_price": (r"([0-9]{1,9}+(?:\.[0-9]{1,4}+)?+|1000000000(?:\.0{1,4}+)?+)", 15),
    "category": ('"(' + _CATEGORY % '"' + ')"|(' + _CATEGORY % ',"' + ")", 66),
    "reorder_level": (r"([0-9]{0,9}+|1000000000)", 10),
    "updated_at": (r"([0-9T:. Z+-]{0,32}+)", 32),
}
_QUOTABLE: Final = frozenset({"name", "category"})
_ESCAPED_QUOTE: Final = re.compile(r'""(?:(?<=[^,\n]"")|(?=[^,\r\n]))')  # "" found fast
"""A doubled quote inside a quoted field (an empty quoted field, ``,"",``, is not one)."""
_CAPTURING: Final = re.compile(r"\((?!\?)")
_MAX_IGNORED_CHARS: Final = 1024
_UTF8_MAX: Final = 4  # bytes per character
_fromisoformat = datetime.fromisoformat
_astimezone = datetime.astimezone
_CHUNK: Final = 32
_CONVERTERS: Final[dict[str | None, Callable[[Sequence[str]], list[datetime]]]] = {
    "utc": lambda texts: list(map(_fromisoformat, texts)),
    "naive": lambda texts: list(map(_fromisoformat, map(add, texts, repeat("+00:00")))),
    "date": lambda texts: list(map(_fromisoformat, map(add, texts, repeat("T00:00+00:00")))),
    "offset": lambda texts: list(map(_astimezone, map(_fromisoformat, texts), repeat(UTC))),
}
"""How each form of ``updated_at`` converts a column of texts to aware UTC moments."""
_KINDS: Final[dict[bytes, str]] = {**UPDATED_AT_SHAPES, b"": "empty"}


def fast_pattern(columns: Columns, captured: Collection[Column]) -> tuple[str, dict[Column, int]]:
    """The expression for a line of ``columns`` whose values are all valid as written,
    capturing the ``captured`` columns, and the first group index of each (name and
    category have two: quoted, plain).

    Every line it matches is at most 65,536 bytes (ignored columns match a bounded length)
    and holds no quote.
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
            groups[column] = sum(2 if c in _QUOTABLE else 1 for c in groups)
            parts.append(f"(?:{_FRAGMENTS[column][0]})")
        else:
            parts.append(f"(?:{_CAPTURING.sub('(?:', _FRAGMENTS[column][0])})")
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
        # One match per line: the fast expression, or any line, captured whole in the last
        # group (the others empty; a matched sku never is).
        self._findall = re.compile(rf"^(?:{body}|([^\n]*))$", re.MULTILINE).findall
        self._groups = groups

    def check(self, lines: Lines) -> Iterator[Batch]:
        """The batches of one segment, in row order."""
        data, row = lines.data, lines.row
        pos, last = 0, len(data) - 1  # the LF ending the last line
        while pos <= last:
            end = data.find(b"\n", pos + BATCH_BYTES)
            if end < 0:
                end = last
            batch, count = self._batch(data[pos:end], lines.offset + pos, row)
            yield batch
            pos, row = end + 1, row + count

    def _batch(self, data: bytes, offset: int, first_row: int) -> tuple[Batch, int]:
        """Check the lines of ``data`` (LF-separated, the last LF left out), the first at
        ``offset`` and ``first_row``; also return how many lines there were."""
        captured = self._findall(data.decode("utf-8", "surrogateescape"))
        count = len(captured)
        columns: list[Sequence[Any]] = list(zip(*captured, strict=True))
        raw: Sequence[str] = columns[-1]  # the lines the expression did not take, else ""
        slow = _empty_at(columns[self._groups["sku"]])  # a taken sku is never empty
        if slow and self._unquoted(captured, raw, slow):  # some lines were only quoted
            columns = list(zip(*captured, strict=True))
            raw = columns[-1]
            slow = _empty_at(columns[self._groups["sku"]])
        columns.pop()
        fast: Sequence[int] = range(count)
        if slow:
            fast = without(fast, slow)
            columns = [without(column, slow) for column in columns]
        values, late = self._convert(columns, len(fast))
        batch = Batch(
            records=len(fast),
            invalid=0,
            rows=list(map(add, fast, repeat(first_row))),
            positions=fast,
            values=values,
            locator=LineOffsets(data, offset),
            errors=[],
            keyed=[],
        )
        if late:
            self._reject_times(batch, late)
        if slow:
            self._check_slow(batch, raw, sorted(slow), first_row)
        return batch, count

    def _unquoted(self, captured: list[Any], raw: Sequence[str], slow: list[int]) -> bool:
        """Try the lines not taken that hold quotes again without their quotes; replace the
        captures of those now taken. Whether any was.

        A line here is one record whose quoted fields close on it (the splitter checked).
        Without a doubled quote inside a field, dropping every quote keeps each value, but
        for spaces outside quotes (trimmed anyway) and commas inside them (which add fields,
        so the expression rejects the line again, and the exact checker reads it as it is).
        """
        again = [index for index in slow if '"' in raw[index]]
        if not again:
            return False
        lines = "\n".join(raw[index] for index in again)
        if _ESCAPED_QUOTE.search(lines) is not None:  # keep those lines for the checker
            again = [index for index in again if _ESCAPED_QUOTE.search(raw[index]) is None]
            if not again:
                return False
            lines = "\n".join(raw[index] for index in again)
        sku = self._groups["sku"]
        taken = False
        for index, retried in zip(again, self._findall(lines.replace('"', "")), strict=True):
            if retried[sku]:
                captured[index] = retried
                taken = True
        return taken

    def _convert(
        self, captured: list[Sequence[Any]], count: int
    ) -> tuple[list[Sequence[Any] | None], dict[int, tuple[str, str]]]:
        """Item-ordered columns from the captured ones, and the rows whose ``updated_at``
        is invalid (by index: the text and why), though the rest of their line is valid."""
        if not count:
            return empty_values(), {}
        groups = self._groups

        def column(name: Column) -> Any:
            index = groups.get(name)
            return None if index is None else captured[index]

        quantity, price = column("quantity"), column("unit_price")
        name, category, reorder = column("name"), column("category"), column("reorder_level")
        if self._items:
            name = list(map(max, name, captured[groups["name"] + 1]))  # quoted or plain
            if "category" in groups:
                category = list(map(max, category, captured[groups["category"] + 1]))
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
        invalid: dict[int, tuple[str, str]] = {}
        if "updated_at" not in groups:
            moments: Sequence[datetime] = [self._uploaded_at] * count
        else:
            texts = column("updated_at")
            moments = self._instants(texts, invalid)
            if self._limit < max(moments):
                for index in compress(range(count), map(self._limit.__lt__, moments)):
                    moments[index] = self._exact_time(texts[index], index, invalid)
        values = [column("sku"), column("warehouse"), name, quantity, price]
        return [*values, category, reorder, moments], invalid

    def _instants(
        self, texts: tuple[str, ...], invalid: dict[int, tuple[str, str]]
    ) -> list[datetime]:
        """``updated_at`` per row, a column at a time for each form present (a bare date, a
        naive time, a UTC time, one with an offset, empty). A text of no form, or not a real
        time, is checked exactly: it may be valid once trimmed; else it goes to ``invalid``.
        """
        shapes = "\n".join(texts).encode("ascii").translate(DIGITS_AS_NINES)
        first = shapes[: shapes.find(b"\n")] if len(texts) > 1 else shapes
        if first in _KINDS and shapes == b"\n".join(repeat(first, len(texts))):  # one form
            kinds: list[str | None] = [_KINDS[first]]
            groups: list[Sequence[int]] = [range(len(texts))]
        else:
            per_row = list(map(_KINDS.get, shapes.split(b"\n")))
            kinds = list(set(per_row))
            groups = [[i for i, kind in enumerate(per_row) if kind == k] for k in kinds]
        result: list[datetime] = [self._uploaded_at] * len(texts)
        for kind, indexes in zip(kinds, groups, strict=True):
            failed: set[int] = set()
            subset = texts if len(kinds) == 1 else tuple(texts[index] for index in indexes)
            for index, moment in zip(indexes, self._moments(kind, subset, failed), strict=True):
                result[index] = moment
            for position in failed:
                index = indexes[position]
                result[index] = self._exact_time(texts[index], index, invalid)
        return result

    def _exact_time(self, text: str, index: int, invalid: dict[int, tuple[str, str]]) -> datetime:
        """The exact checker's reading of one ``updated_at``; a placeholder when invalid."""
        try:
            return self._checker.updated_at(text)
        except Invalid as why:
            # The text as the message shows it (trimmed), and not the exception: kept, it
            # would hold this frame in a reference cycle.
            invalid[index] = (text.strip(TRIMMED), why.detail)
            return self._uploaded_at

    def _moments(
        self, kind: str | None, texts: tuple[str, ...], failed: set[int]
    ) -> list[datetime]:
        """The moments of ``texts``, all of one ``kind``, converted with one ``map``; when
        some text is not a real time, chunk by chunk, and a failing chunk row by row (the
        index of each failure goes to ``failed``, its moment is a placeholder)."""
        convert = _CONVERTERS.get(kind) if kind != "empty" else None
        if convert is None:
            if kind != "empty":
                failed.update(range(len(texts)))  # no form: the exact checker decides
            return [self._uploaded_at] * len(texts)
        try:
            return convert(texts)
        except (ValueError, OverflowError):
            pass
        result: list[datetime] = []
        for start in range(0, len(texts), _CHUNK):
            chunk = texts[start : start + _CHUNK]
            try:
                result += convert(chunk)
            except (ValueError, OverflowError):
                for index, text in enumerate(chunk, start):
                    try:
                        result += convert((text,))
                    except (ValueError, OverflowError):
                        failed.add(index)
                        result.append(self._uploaded_at)
        return result

    def _reject_times(self, batch: Batch, invalid: dict[int, tuple[str, str]]) -> None:
        """Make the rows with an invalid ``updated_at`` invalid, with their one error."""
        skus, warehouses = batch.keys()
        errors = {}
        for index, (text, why) in invalid.items():
            row, offset = batch.rows[index], batch.locator.one(batch.positions[index])
            errors[index] = value_error(row, offset, "updated_at", text, why)
            batch.keyed.append((row, offset, skus[index], warehouses[index]))
        batch.drop(errors)

    def _check_slow(
        self, batch: Batch, lines: Sequence[str], slow: list[int], first_row: int
    ) -> None:
        """Check the detoured lines exactly and merge them into ``batch`` in row order."""
        checker, locator = self._checker, batch.locator
        accepted: list[tuple[int, int, tuple[Any, ...]]] = []
        errors: list[RowError] = batch.errors
        sort = bool(errors)  # errors of rejected times, to merge in row order
        for index in slow:
            row, line = first_row + index, lines[index].removesuffix("\r")
            if (
                len(line) > MAX_RECORD_BYTES // _UTF8_MAX
                and len(line.encode("utf-8", "surrogateescape")) > MAX_RECORD_BYTES
            ):
                batch.records += 1
                batch.invalid += 1
                too_long = Broken("row_too_long", row, locator.one(index), quoted=False)
                errors.append(broken_error(too_long))
                continue
            fields = split_quoted_line(line) if '"' in line else line.split(",")
            outcome = checker.check(fields, row, partial(locator.one, index))
            if outcome is None:  # blank
                continue
            batch.records += 1
            values, record_errors, key = outcome
            if values is not None:
                accepted.append((row, index, values))
                continue
            batch.invalid += 1
            errors.extend(record_errors)
            if key is not None:
                batch.keyed.append((row, record_errors[0].offset, *key))
        if sort:
            errors.sort(key=error_row)
        if accepted:  # few: insert each at its place
            rows, positions = list(batch.rows), list(batch.positions)
            columns = [None if column is None else list(column) for column in batch.values]
            for row, index, values in accepted:
                at = bisect_left(rows, row)
                rows.insert(at, row)
                positions.insert(at, index)
                for column, value in zip(columns, values, strict=True):
                    if column is not None:
                        column.insert(at, value)
            batch.rows, batch.positions = rows, positions
            batch.values = list(columns)


def _empty_at(texts: Sequence[str]) -> list[int]:
    """The indexes of the empty strings in ``texts`` (found by C-level searches)."""
    found: list[int] = []
    index = -1
    try:
        while True:
            index = texts.index("", index + 1)
            found.append(index)
    except ValueError:
        return found
