"""Parsing an inventory CSV from a binary stream: events for an import, a report for a check.

`parse_inventory` reads the header at once (file errors and warnings are then known)
and yields `ValidRow` and `RowError` events in file order as it is iterated;
`validate_inventory` runs the same checks and returns the `InventoryReport`
without building items. Both read the stream with ``read(n)`` only, in bounded memory apart
from one fingerprint per distinct key.
"""

from __future__ import annotations

from bisect import bisect_left
from functools import partial
from itertools import chain
from typing import TYPE_CHECKING, Any, cast

from tap_core.inventory.csv import messages
from tap_core.inventory.csv.batches import Batch, broken_batch, records_batch
from tap_core.inventory.csv.checker import RecordChecker
from tap_core.inventory.csv.contract import (
    COLUMNS,
    MAX_RECORD_BYTES,
    REQUIRED,
    Columns,
    is_blank,
    resolve_header,
)
from tap_core.inventory.csv.events import Checkpoint, FileError, RowError, ValidRow
from tap_core.inventory.csv.fast_path import BATCH_BYTES, LinesChecker
from tap_core.inventory.csv.key_claims import KeyClaims
from tap_core.inventory.csv.report import InventoryReport, ReportBuilder
from tap_core.inventory.csv.splitting import (
    CHUNK_SIZE,
    Broken,
    Folded,
    Lines,
    Readable,
    Record,
    split_quoted_line,
    split_records,
)
from tap_core.inventory.item import InventoryItem

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Sequence
    from datetime import datetime

    from tap_core.inventory.csv.splitting import Segment

_valid_row = cast("Callable[[Iterable[Any]], ValidRow]", partial(tuple.__new__, ValidRow))


class InventoryParser:
    """One parse of one stream; iterate it once for its events.

    ``columns`` is the header's mapping (None after a file error), ``file_errors`` and
    ``warnings`` are known from construction on. ``claims`` holds the keys claimed so far
    (given, those of the rows before ``resume``, restored from an earlier part; see
    `KeyClaims.snapshot`). ``chunk_size`` is how many bytes each ``read`` asks for.
    """

    def __init__(
        self,
        stream: Readable,
        uploaded_at: datetime,
        *,
        resume: Checkpoint | None = None,
        claims: KeyClaims | None = None,
        chunk_size: int = CHUNK_SIZE,
    ) -> None:
        if uploaded_at.tzinfo is None or uploaded_at.utcoffset() is None:
            raise ValueError(f"uploaded_at must be timezone-aware, got {uploaded_at!r}")
        self.uploaded_at = uploaded_at
        self.file_errors: tuple[FileError, ...] = ()
        self.warnings: tuple[str, ...] = ()
        self._started = False
        self.claims = KeyClaims() if claims is None else claims
        self._header_read = resume is not None
        self.columns: Columns | None
        if resume is None:
            segments = split_records(stream, chunk_size=chunk_size, fold=self._folds)
            self.columns, self._segments = self._read_header(segments)
            self._header_read = True
        else:
            self.columns = resume.columns
            self._segments = split_records(
                stream,
                offset=resume.offset,
                row=resume.row,
                chunk_size=chunk_size,
                fold=self._folds,
            )

    def _folds(self) -> bool:
        """Whether records with line breaks in quotes may come folded: once past the header
        (which is read from `Record` s and `Lines`)."""
        return self._header_read

    def __iter__(self) -> Iterator[ValidRow | RowError]:
        """Valid rows and row errors in file order (a record's errors in column order)."""
        for batch in self._batches():
            if not batch.rows:
                yield from batch.errors
                continue
            items = map(InventoryItem, *cast("list[Sequence[Any]]", batch.values))
            events: list[ValidRow | RowError] = list(
                map(_valid_row, zip(items, batch.rows, batch.offsets(), strict=True))
            )
            for error in reversed(batch.errors):  # few: each at its place, in row order
                events.insert(bisect_left(batch.rows, error.row), error)
            yield from events

    def checkpoint(self, event: ValidRow | RowError) -> Checkpoint:
        """Where to resume so that ``event``'s record is the next one read."""
        if self.columns is None:
            raise ValueError("a file with file errors has no records to resume at")
        return Checkpoint(offset=event.offset, row=event.row, columns=self.columns)

    def report(self) -> InventoryReport:
        """Check every record (instead of iterating the events) and report; valid values are
        proved, not converted, and no item is built."""
        builder = ReportBuilder(self.file_errors, self.warnings)
        for batch in self._batches(items=False, full=builder.full):
            builder.add_batch(batch)
        return builder.report()

    def _batches(
        self, *, items: bool = True, full: Callable[[], bool] | None = None
    ) -> Iterator[Batch]:
        """The checked records batch by batch, duplicates checked. With ``items`` false
        (the route of `validate_inventory`) valid values are proved, not converted;
        once ``full()`` (asked before each batch is built) errors are built without their
        messages, which the report would drop."""
        if self._started:
            raise RuntimeError("a parse is read once; parse the stream again to reread it")
        self._started = True
        if self.columns is None:
            return
        checker = RecordChecker(self.columns, self.uploaded_at)
        lines_checker = LinesChecker(checker, items=items)
        claims = self.claims

        def quieten() -> None:
            if full is not None and checker.messages and full():
                checker.messages = claims.messages = False

        records: list[Record] = []  # consecutive quote-aware records, checked together
        size = 0
        for segment in chain(self._segments, (None,)):
            if isinstance(segment, Record):
                records.append(segment)
                size += sum(map(len, segment.fields))
                if size < BATCH_BYTES:
                    continue
            if records:
                quieten()
                batch = records_batch(checker, records)
                records, size = [], 0
                claims.check(batch)
                yield batch
            if segment is None or isinstance(segment, Record):
                continue
            quieten()
            if isinstance(segment, Lines | Folded):
                for batch in lines_checker.check(segment):
                    claims.check(batch)
                    yield batch
                    quieten()
                continue
            batch = broken_batch(segment)
            claims.check(batch)
            yield batch

    def _read_header(self, segments: Iterator[Segment]) -> tuple[Columns | None, Iterator[Segment]]:
        """Find the header (the first non-blank record) and resolve it; the rest follows."""
        for segment in segments:
            if isinstance(segment, Broken):
                self._fail(messages.header_unreadable(segment.row, segment.code))
                return None, segments
            if isinstance(segment, Record):
                names = self._header_names(segment.fields, segment.row)
                if names is None:
                    return None, segments
                if not is_blank(names):
                    return self._resolve(names, segment.row), segments
                continue
            if isinstance(segment, Folded):  # pragma: no cover - not before the header
                raise AssertionError(segment)
            data, start, row = segment.data, 0, segment.row
            while start < len(data):
                end = data.index(b"\n", start)
                line = data[start:end].removesuffix(b"\r")
                if len(line) > MAX_RECORD_BYTES:
                    self._fail(messages.header_unreadable(row, "row_too_long"))
                    return None, segments
                names = self._header_names([line], row)
                if names is not None:
                    (text,) = names
                    names = split_quoted_line(text) if '"' in text else text.split(",")
                if names is None:
                    return None, segments
                start, row = end + 1, row + 1
                if is_blank(names):
                    continue
                rest = Lines(data[start:], row, segment.offset + start)
                remaining = chain((rest,), segments) if start < len(data) else segments
                return self._resolve(names, row - 1), remaining
        self._fail(messages.no_header())
        return None, segments

    def _header_names(self, fields: list[bytes], row: int) -> list[str] | None:
        """The fields decoded, or None (a file error) when they are not UTF-8."""
        try:
            return [field.decode("utf-8") for field in fields]
        except UnicodeDecodeError:
            self._fail(messages.header_encoding(row))
            return None

    def _resolve(self, names: list[str], row: int) -> Columns | None:
        header = resolve_header(names)
        if header.unknown:
            absent = [c for c in COLUMNS if c not in REQUIRED and c not in header.mapping]
            self.warnings = (messages.unknown_columns(header.unknown, absent),)
        if header.duplicated or header.missing:
            self.file_errors = tuple(messages.header_errors(row, header.duplicated, header.missing))
            return None
        return header.mapping

    def _fail(self, error: FileError) -> None:
        self.file_errors = (error,)


def parse_inventory(
    stream: Readable,
    uploaded_at: datetime,
    *,
    resume: Checkpoint | None = None,
    claims: KeyClaims | None = None,
) -> InventoryParser:
    """Start parsing ``stream``, a file uploaded at ``uploaded_at`` (aware).

    The header is read now; iterate the result for `ValidRow` and `RowError`
    events in file order. With ``resume`` (a `Checkpoint`), ``stream`` must already be
    positioned at its offset; the header is not read again, and duplicates are detected
    within the resumed part, and against ``claims`` (the keys of the rows before it, see
    `KeyClaims.snapshot`) when given.
    """
    return InventoryParser(stream, uploaded_at, resume=resume, claims=claims)


def validate_inventory(
    stream: Readable, uploaded_at: datetime, *, resume: Checkpoint | None = None
) -> InventoryReport:
    """Check every record of ``stream`` and report, as `parse_inventory` would."""
    return InventoryParser(stream, uploaded_at, resume=resume).report()
