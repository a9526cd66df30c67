"""Properties of the inventory CSV parser: round trip, exact errors, resume, totality.

Files are written by ``csv_strategies`` with random quoting, padding, column order, header
case, BOM, line ends and blank lines; what the parser must find is known from the drawing.
"""

from __future__ import annotations

import io
import re
from functools import partial
from itertools import accumulate
from typing import TYPE_CHECKING

from hypothesis import assume, given
from hypothesis import strategies as st

from tap_core.inventory import (
    COLUMNS,
    Checkpoint,
    Column,
    ReportBuilder,
    RowError,
    ValidRow,
    parse_inventory,
    validate_inventory,
)
from tap_core.inventory.csv import fast_path
from tap_core.inventory.csv.checker import RecordChecker
from tap_core.inventory.csv.contract import BOM
from tap_core.inventory.csv.fast_path import LinesChecker
from tap_core.inventory.csv.splitting import Lines, split_quoted_line
from tests.unit.inventory.csv_strategies import (
    BAD_VALUES,
    NOW,
    PADDING,
    FileSpec,
    corrupted_files,
    items_for,
    renders,
    valid_files,
)

if TYPE_CHECKING:
    import pytest

    from tap_core.inventory.csv.batches import Batch

READ_SIZES = st.sampled_from([1, 2, 3, 5, 8, 64, 1 << 20])
"""How many bytes the stream hands over per read, however many are asked for."""
HEADER = b"sku,warehouse,name,quantity,unit_price,category,reorder_level,updated_at\n"
TOKENS = st.sampled_from(
    [
        b",",
        b'"',
        b'""',
        b"\n",
        b"\r\n",
        b"\r",
        b" ",
        b"\t",
        b"a",
        b"A-1",
        b"1",
        b"1.5",
        b"\xff",
        b"\xc3\xa9",
        b"\xc3",
        BOM,
        b"sku",
        b"SKU",
        b"warehouse",
        b"name",
        b"quantity",
        b"unit_price",
        b"category",
        b"2025-01-01T00:00Z",
        b"0" * 12,
    ]
)
CSV_LIKE = st.tuples(st.sampled_from([b"", HEADER]), st.lists(TOKENS, max_size=60)).map(
    lambda parts: parts[0] + b"".join(parts[1])
)
ANY_BYTES = st.one_of(st.binary(max_size=300), CSV_LIKE)


class Trickle:
    """A stream that hands over at most ``most`` bytes per read."""

    def __init__(self, data: bytes, most: int) -> None:
        self._stream = io.BytesIO(data)
        self._most = most

    def read(self, size: int, /) -> bytes:
        return self._stream.read(min(size, self._most))


def _outcomes(events: list[ValidRow | RowError]) -> list[tuple[object, ...]]:
    return [
        ("valid", event.row, event.item)
        if isinstance(event, ValidRow)
        else (event.row, event.field, event.code)
        for event in events
    ]


def _expected(spec: FileSpec, rows: list[int]) -> list[tuple[object, ...]]:
    expected: list[tuple[object, ...]] = []
    for record, row in zip(spec.records, rows, strict=True):
        if record.item is not None:
            expected.append(("valid", row, record.item))
        expected.extend((row, column, code) for column, code in record.errors)
    return expected


@given(spec=valid_files(), data=st.data(), most=READ_SIZES)
def test_written_items_parse_back_equal_at_their_rows_and_offsets(
    spec: FileSpec, data: st.DataObject, most: int
) -> None:
    """Every item written parses back equal, with the row and offset it was written at."""
    # Given a file written with random quoting, padding, order, case, BOM and line ends
    rendered = data.draw(renders(spec))
    # When it is parsed, read a few bytes at a time
    events = list(parse_inventory(Trickle(rendered.data, most), NOW))
    # Then its items come back in order, each where it was written
    assert events == [
        ValidRow(record.item, row, offset)  # type: ignore[arg-type] # valid files: items
        for record, row, offset in zip(spec.records, rendered.rows, rendered.offsets, strict=True)
    ]


@given(spec=corrupted_files(), data=st.data())
def test_corrupted_records_give_exactly_the_expected_errors(
    spec: FileSpec, data: st.DataObject
) -> None:
    """Each corrupted record gives exactly its errors at its row; the others still parse."""
    # Given a file where some records were corrupted in known ways
    rendered = data.draw(renders(spec))
    # When it is parsed
    events = list(parse_inventory(rendered.stream(), NOW))
    # Then every record ends as drawn: its item, or its errors in column order
    assert _outcomes(events) == _expected(spec, rendered.rows)


@given(spec=corrupted_files(), data=st.data())
def test_a_duplicate_names_the_row_that_claimed_its_key(
    spec: FileSpec, data: st.DataObject
) -> None:
    """A duplicate_key error names the row of the first valid record with that key."""
    # Given a file with duplicated keys
    rendered = data.draw(renders(spec))
    claimers = {
        row: rendered.rows[record.duplicate_of]
        for record, row in zip(spec.records, rendered.rows, strict=True)
        if record.duplicate_of is not None
    }
    # When it is parsed
    duplicates = [
        event
        for event in parse_inventory(rendered.stream(), NOW)
        if isinstance(event, RowError) and event.code == "duplicate_key"
    ]
    # Then each duplicate's message names the claiming row
    assert sorted(event.row for event in duplicates) == sorted(claimers)
    for event in duplicates:
        assert f"already used by row {claimers[event.row]};" in event.message


@given(spec=corrupted_files(duplicates=False), data=st.data(), most=READ_SIZES)
def test_resuming_at_any_checkpoint_yields_the_rest_of_one_pass(
    spec: FileSpec, data: st.DataObject, most: int
) -> None:
    """A parse resumed at any event's checkpoint yields exactly the events one pass yields
    from that record on."""
    # Given one pass over a file and a checkpoint at one of its events (through JSON)
    rendered = data.draw(renders(spec))
    parser = parse_inventory(rendered.stream(), NOW)
    events = list(parser)
    assume(events)
    at = data.draw(st.integers(0, len(events) - 1))
    checkpoint = Checkpoint.model_validate_json(parser.checkpoint(events[at]).model_dump_json())
    first = next(i for i, event in enumerate(events) if event.offset == checkpoint.offset)
    # When a new parse resumes there on a stream already positioned at the offset
    stream = Trickle(rendered.data[checkpoint.offset :], most)
    resumed = list(parse_inventory(stream, NOW, resume=checkpoint))
    # Then it yields the rest of the pass
    assert resumed == events[first:]


@given(data=ANY_BYTES)
def test_any_bytes_give_a_report(data: bytes) -> None:
    """Any bytes give a report, never an exception, counting each record once."""
    # Given arbitrary bytes
    # When they are validated
    report = validate_inventory(io.BytesIO(data), NOW)
    # Then the report is consistent (the model checks rows_total = valid + invalid)
    assert len({error.row for error in report.errors}) <= report.rows_invalid
    assert not (report.file_errors and report.rows_total)


@given(data=ANY_BYTES)
def test_validation_reports_what_the_events_report(data: bytes) -> None:
    """validate_inventory (no items built) reports exactly what the parse events add up to."""
    # Given arbitrary bytes, parsed into events and counted by a ReportBuilder
    parser = parse_inventory(io.BytesIO(data), NOW)
    builder = ReportBuilder(parser.file_errors, parser.warnings)
    for event in parser:
        builder.add(event)
    # When the same bytes are validated
    report = validate_inventory(io.BytesIO(data), NOW)
    # Then both reports are equal
    assert report == builder.report()


@given(spec=corrupted_files(), data=st.data())
def test_validating_a_written_file_reports_what_its_events_report(
    spec: FileSpec, data: st.DataObject
) -> None:
    """validate_inventory (values proved, not converted) reports what the parse events
    (items built) add up to, for files with every kind of quoting and error."""
    # Given a written file, parsed into events and counted by a ReportBuilder
    rendered = data.draw(renders(spec))
    parser = parse_inventory(rendered.stream(), NOW)
    builder = ReportBuilder(parser.file_errors, parser.warnings)
    for event in parser:
        builder.add(event)
    # When the same file is validated
    report = validate_inventory(rendered.stream(), NOW)
    # Then both reports are equal
    assert report == builder.report()


@given(data=ANY_BYTES, most=READ_SIZES)
def test_how_the_stream_is_read_does_not_matter(data: bytes, most: int) -> None:
    """The events do not depend on how many bytes each read returns."""
    # Given arbitrary bytes read whole, and read a few bytes at a time
    whole = list(parse_inventory(io.BytesIO(data), NOW))
    # When they are parsed a few bytes at a time
    trickled = list(parse_inventory(Trickle(data, most), NOW))
    # Then the events are the same
    assert trickled == whole


COLUMNS_IN_ORDER: tuple[Column | None, ...] = (*COLUMNS, None)
TRICKY_CELLS = {
    column: st.one_of(
        st.sampled_from(values), PADDING, st.sampled_from(values).map(lambda v: " " + v)
    )
    for column, values in BAD_VALUES.items()
}


@st.composite
def tricky_lines(draw: st.DrawFn) -> str:
    """A line, valid or nearly so: padded values, leading zeros, bad values, quoted values
    good or bad (holding commas, but no quotes: a line of the kind a Lines segment holds)."""
    record = draw(items_for(list(COLUMNS_IN_ORDER)))
    cells = []
    for column, written in zip(COLUMNS_IN_ORDER, record.cells, strict=True):
        cell = written.replace(",", ";").replace('"', "'").replace("\n", "").replace("\r", "")
        roll = draw(st.integers(0, 5))
        if column is not None and roll == 0:
            cell = draw(TRICKY_CELLS[column]).replace(",", ";")
            if draw(st.booleans()):
                cell = f'"{cell}"'
        elif roll == 1:
            cell = draw(PADDING) + cell + draw(PADDING)
        elif roll == 2 and column in {"quantity", "reorder_level", "unit_price"}:
            cell = "0" * draw(st.integers(1, 12)) + cell
        elif roll == 3:  # quoted, so it may hold a comma
            cell = draw(PADDING) + '"' + cell.replace(";", ",") + '"' + draw(PADDING)
        cells.append(cell)
    return ",".join(cells) + draw(st.sampled_from(["\n", "\r\n"]))


@st.composite
def lines_with_one_tricky_cell(draw: st.DrawFn) -> str:
    """A plain valid line but one cell, bad, padded or not, quoted or not."""
    record = draw(items_for(list(COLUMNS_IN_ORDER)))
    cells = [
        written.replace(",", ";").replace('"', "'").replace("\n", "").replace("\r", "")
        for written in record.cells
    ]
    column = draw(st.sampled_from(COLUMNS))
    cell = draw(TRICKY_CELLS[column]).replace(",", ";")
    if draw(st.booleans()):
        cell = f'"{cell}"'
    cells[COLUMNS_IN_ORDER.index(column)] = cell
    return ",".join(cells) + draw(st.sampled_from(["\n", "\r\n"]))


def _by_row(batches: list[Batch]) -> dict[int, object]:
    outcome: dict[int, object] = {}
    errors: dict[int, list[RowError]] = {}
    for batch in batches:
        for index, row in enumerate(batch.rows):
            outcome[row] = tuple(column[index] for column in batch.values if column is not None)
        for error in batch.errors:
            errors.setdefault(error.row, []).append(error)
    return outcome | errors


def _assert_as_the_exact_checker_decides(lines: list[str]) -> None:
    checker = RecordChecker(COLUMNS_IN_ORDER, NOW)
    data = "".join(lines).encode()
    # When the fast path checks them as one segment
    batches = list(LinesChecker(checker).check(Lines(data, 1, 0)))
    # Then each row ends as the exact checker decides it
    offsets = list(accumulate((len(line.encode()) for line in lines[:-1]), initial=0))
    expected: dict[int, object] = {}
    for row, (written, offset) in enumerate(zip(lines, offsets, strict=True), start=1):
        line = written.removesuffix("\n").removesuffix("\r")
        fields = split_quoted_line(line) if '"' in line else line.split(",")
        outcome = checker.check(fields, row, partial(int, offset))
        if outcome is not None:
            values, errors, _ = outcome
            expected[row] = values if values is not None else errors
    assert _by_row(batches) == expected


def _assert_counted_as_the_exact_checker_decides(lines: list[str]) -> None:
    """As :func:`_assert_as_the_exact_checker_decides`, once the report keeps no more errors
    (the checker builds no messages): the same valid rows and values, the same invalid
    records and number of errors, and the same invalid records left to the duplicate check
    (row, offset, key)."""
    checker = RecordChecker(COLUMNS_IN_ORDER, NOW)
    data = "".join(lines).encode("utf-8", "surrogateescape")
    counting = RecordChecker(COLUMNS_IN_ORDER, NOW)
    counting.messages = False
    # When the fast path checks them as one segment, building no messages
    batches = list(LinesChecker(counting).check(Lines(data, 1, 0)))
    # Then the valid rows, the invalid records, their errors and keys are the exact ones
    sizes = (len(line.encode("utf-8", "surrogateescape")) for line in lines[:-1])
    offsets = list(accumulate(sizes, initial=0))
    valid: dict[int, object] = {}
    invalid, errors = 0, 0
    keyed: set[tuple[int, int, str, str]] = set()
    for row, (written, offset) in enumerate(zip(lines, offsets, strict=True), start=1):
        line = written.removesuffix("\n").removesuffix("\r")
        fields = split_quoted_line(line) if '"' in line else line.split(",")
        outcome = checker.check(fields, row, partial(int, offset))
        if outcome is None:
            continue
        values, found, key = outcome
        if values is not None:
            valid[row] = values
            continue
        invalid, errors = invalid + 1, errors + len(found)
        if key is not None:
            keyed.add((row, offset, *key))
    accepted = {
        row: tuple(column[index] for column in batch.values if column is not None)
        for batch in batches
        for index, row in enumerate(batch.rows)
    }
    assert accepted == valid
    assert sum(batch.invalid for batch in batches) == invalid
    assert sum(len(batch.errors) + batch.unreported for batch in batches) == errors
    assert {entry for batch in batches for entry in batch.keyed} == keyed


@given(lines=st.lists(tricky_lines(), min_size=1, max_size=20))
def test_fast_path_counts_every_line_as_the_exact_checker_does(lines: list[str]) -> None:
    """Past the errors a report keeps, the fast path counts what the exact checker finds."""
    # Given plain lines, valid or nearly so, and the exact checker
    _assert_counted_as_the_exact_checker_decides(lines)


def test_fast_path_counts_bad_lines_of_every_kind_as_the_exact_checker_does() -> None:
    """Runs of detoured lines, several batches long, each a bad value, a bad key, an empty
    required value, a padded or no real date, too many fields, bytes that are not UTF-8, a
    quote, a blank line, a date of each form that is no real time: counted as the exact
    checker finds them, with the keys of the invalid records whose key is valid."""
    # Given lines of each kind, one kind a row in turn, among valid lines
    plain = "A-{0},north,Widget {0},{1},2.50,tools,3,2026-10-01T10:00:00Z,note\n"
    kinds = [
        plain.replace(",{1},", ",{1}a,"),  # a bad quantity: its key is valid
        plain.replace("A-{0},", " A-{0}\t,").replace(",{1},", ",{1}a,"),  # key valid trimmed
        plain.replace(",north,", ",      north ,").replace(",{1},", ",{1}a,"),  # padded more
        plain.replace("A-{0},", "A {0},"),  # a bad sku: no key
        plain.replace(",north,", ",,"),  # a missing warehouse: no key
        plain.replace(",2.50,", ", 2.5x ,"),  # a bad price, padded
        plain.replace("T10:", "T25:").replace(",{1},", ",{1}a,"),  # two bad values
        plain.replace("2026-10-01T10:00:00Z", " 2026-10-01 ").replace(",{1},", ",-{1},"),
        plain.replace(",note", ",note,more"),  # too many fields
        plain.replace("Widget", "Caf\udce9"),  # not UTF-8
        plain.replace("Widget", '5" Widget').replace(",{1},", ",{1}a,"),  # a quote
        plain.replace(",{1},", ",{1}0000000000,"),  # too large: the check says why
        plain.replace(",tools,", ",,").replace(",3,", ",,"),  # empty optional values
        ",,,,\n",
        plain,
        *(
            plain.replace("2026-10-01T10:00:00Z", moment)  # dates of every form, not real
            for moment in (
                "2026-02-30T10:00:00Z",
                "2026-02-30 10:00",
                "2026-02-29",
                "2026-10-01T24:00:00.5+01:00",
                "9999-12-31T23:30:00-01:00",  # past year 9999 in UTC
                "2026-10-01T10:00:00+24:00",
                " 2026-02-30 ",  # of no form, padded
                "2026-10-01T10:00:00Z ",  # of no form, valid once trimmed
                "2026-11-24T12:06:00Z",  # too late
            )
        ),
        plain,
        plain,
    ]
    lines = [kinds[number % len(kinds)].format(number, number % 90) for number in range(3_000)]
    # When the fast path counts them, Then as the exact checker finds them
    _assert_counted_as_the_exact_checker_decides(lines)


def test_fast_path_counts_runs_of_mostly_unreal_dates_as_the_exact_checker_does() -> None:
    """Chunks of dates that mostly are no real time, a real one among them: each read as the
    exact checker reads it, whether errors get their messages or are counted."""
    # Given runs of three dates that are no real time and one real one
    plain = "A-{0},north,Widget,3,2.50,tools,3,{1},note\n"
    moments = ["2026-02-30T10:00:00Z", "2026-02-31T10:00:00Z", "2026-04-31T10:00:00Z"]
    lines = [
        plain.format(number, [*moments, "2026-02-28T10:00:00Z"][number % 4])
        for number in range(2_000)
    ]
    # When the fast path checks them, then each ends as the exact checker decides
    _assert_as_the_exact_checker_decides(lines)
    _assert_counted_as_the_exact_checker_decides(lines)


@given(lines=st.lists(tricky_lines(), min_size=1, max_size=20))
def test_fast_path_decides_every_line_as_the_exact_checker_does(lines: list[str]) -> None:
    """The fast path accepts a line with the same values as the exact checker, or gives
    the checker's errors; it never disagrees."""
    # Given plain lines, valid or nearly so, and the exact checker
    _assert_as_the_exact_checker_decides(lines)


@given(lines=st.lists(lines_with_one_tricky_cell(), min_size=1, max_size=20))
def test_fast_path_decides_a_line_with_one_bad_cell_as_the_exact_checker_does(
    lines: list[str],
) -> None:
    """A plain line but one bad value, quoted or not, never slips through the strict
    expression: the fast path decides it as the exact checker does."""
    # Given plain valid lines but one bad cell each, and the exact checker
    _assert_as_the_exact_checker_decides(lines)


def test_fast_path_gives_every_error_of_a_line_with_an_empty_value_and_a_bad_one() -> None:
    """A detoured line whose values are missing and bad at once gets all its errors from the
    diagnosis (a missing value is not lost behind the bad one), as the exact checker."""
    # Given plain lines each with an empty value and a bad one, among valid lines
    plain = "A-{0},north,Widget {0},{1},2.50,tools,3,2026-10-01T10:00:00Z,note\n"
    lines = [
        plain.format(1, 5),
        "A-2,north,,12a,2.50,tools,3,2026-10-01T10:00:00Z,note\n",
        "A-3,,Widget,5,2.5x,tools,3,2026-10-01T10:00:00Z,note\n",
        "A-4,north,Widget,,2.50,tools,x,2026-10-01T10:00:00Z,note\n",
        " ,north,Widget,5,2.50,tools,3,2026-13-01T10:00:00Z,note\n",
        plain.format(5, 6),
    ]
    # When the fast path checks them, then each ends as the exact checker decides
    _assert_as_the_exact_checker_decides(lines)


def test_fast_path_decides_as_the_exact_checker_across_its_modes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Runs of bad, padded, quoted, fully quoted and plain lines, each a few batches long,
    switch the fast path between its strict, quoted, loose and strict-only modes (kept two
    batches here); every line still ends as the exact checker decides it."""
    monkeypatch.setattr(fast_path, "_LOOSE_BATCHES", 2)
    # Given runs of lines of one kind each, some mixed with their neighbours' kind
    plain = "A-{0},north,Widget {0},{1},2.50,tools,3,2026-10-01T10:00:00Z,note\n"
    kinds = [
        plain.replace(",{1},", ",{1}a,"),  # a bad quantity: neither expression takes it
        plain.replace(",", ", "),  # padded: the loose expression takes it
        plain.replace("Widget {0}", '"Widget, {0}"'),  # quoted
        plain.replace(",2.50,", ",0002.50,"),  # leading zeros: exact only, valid
        plain.replace("T10:", "T25:"),  # not a real time
        ",".join(f'"{cell}"' for cell in plain.removesuffix("\n").split(",")) + "\r\n",
        plain,
    ]
    lines = []
    for run, kind in enumerate(kinds * 2):
        for number in range(run * 2000, run * 2000 + 2000):
            mixed = kinds[(run + 1) % len(kinds)] if number % 7 == 0 else kind
            lines.append(mixed.format(number, number % 90))
    # When the fast path checks them, then Then
    _assert_as_the_exact_checker_decides(lines)


def _takes(body: str, groups: dict[Column, int], text: str) -> list[tuple[str, ...] | None]:
    """Per line of ``text``: the captured values (see ``captures``) when ``body`` takes it,
    ``updated_at`` trimmed (only its shape is checked after, spaces included)."""
    found = re.compile(rf"^(?:{body}|([^\n]*))$", re.MULTILINE).findall(text)
    indexes = fast_path.captures(groups)
    moment = groups.get("updated_at")
    return [
        tuple(match[i].strip(" \t") if i == moment else match[i] for i in indexes)
        if match[groups["sku"]]
        else None
        for match in found
    ]


@given(
    lines=st.lists(tricky_lines(), min_size=1, max_size=20),
    captured=st.sampled_from([COLUMNS, ("sku", "warehouse", "updated_at")]),
)
def test_the_strict_and_quoted_expressions_take_loose_lines_only_with_their_captures(
    lines: list[str], captured: tuple[Column, ...]
) -> None:
    """Each line the strict expression takes, and each line of every field quoted that the
    quoted one takes, the loose one takes with the same captures (so both are as exact as
    the loose one, which the checker's agreement tests above hold to the contract)."""
    # Given tricky lines as written, the same with every field quoted, and with the name and
    # the category quoted (of those holding no quote)
    unquoted = [line.rstrip("\r\n").split(",") for line in lines if '"' not in line]
    quoted = [",".join(f'"{cell}"' for cell in cells) + "\n" for cells in unquoted]
    texts_quoted = [
        ",".join(f'"{cell}"' if at in {2, 5} else cell for at, cell in enumerate(cells)) + "\n"
        for cells in unquoted
    ]
    columns = COLUMNS_IN_ORDER
    loose = fast_path.fast_pattern(columns, captured, loose=True)
    for written, form in ((lines, {}), (texts_quoted, {}), (quoted, {"quoted": True})):
        text = "".join(written).removesuffix("\n")
        # When the expression and the loose one capture them
        taken = _takes(*fast_path.fast_pattern(columns, captured, **form), text)
        by_loose = _takes(*loose, text)
        # Then every line the expression takes, the loose one takes alike
        assert [
            (found, by_loose[index]) for index, found in enumerate(taken) if found is not None
        ] == [(found, found) for found in taken if found is not None]
