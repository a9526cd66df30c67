"""Counted costs of the CSV routes, and the order of what they batch together."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from itertools import accumulate
from typing import TYPE_CHECKING, Any

from tap_core.inventory import COLUMNS, Column, RowError, parse_inventory, validate_inventory
from tap_core.inventory.csv import fast_path, splitting
from tap_core.inventory.csv.checker import RecordChecker, Rejected
from tap_core.inventory.csv.contract import MAX_REPORTED_ERRORS
from tap_core.inventory.csv.fast_path import BATCH_BYTES, diagnostic_pattern, fast_pattern
from tap_core.inventory.csv.messages import duplicate_key, value_error
from tap_core.inventory.csv.report import ReportBuilder

if TYPE_CHECKING:
    from collections.abc import Callable

    import pytest

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
HEADER = "sku,warehouse,name,quantity,unit_price,category,reorder_level,updated_at\n"
BAD_ROWS = 3_000


def _many_errors() -> bytes:
    """A file of 3,000 bad records of every kind the checkers build messages for, among
    valid ones, some read quote-aware."""
    lines = [HEADER]
    for number in range(BAD_ROWS):
        sku, name, quantity, moment = f"S-{number}", "Widget", "3", "2026-10-01"
        kind = number % 6
        if kind == 0:
            quantity = "3a"
        elif kind == 1:
            moment = "2026-02-30T10:00:00Z"
        elif kind == 2:
            sku = f"V-{number - 1}"  # the key of a valid row before
        elif kind == 3:
            name = '5" nail'  # read quote-aware, and a missing price below
        elif kind == 4:
            name = '"two\nlines"'
            quantity = "-1"
        line = f"{sku},north,{name},{quantity},{'' if kind == 3 else '1.5'},tools,2,{moment}"
        lines.append(line + "\n")
        lines.append(f"V-{number},north,Valid,1,2.5,tools,0,2026-10-01\n")
    return "".join(lines).encode()


def _events_report(data: bytes) -> ReportBuilder:
    parser = parse_inventory(io.BytesIO(data), NOW)
    builder = ReportBuilder(parser.file_errors, parser.warnings)
    for event in parser:
        builder.add(event)
    return builder


def test_validation_past_the_kept_errors_counts_them_exactly() -> None:
    # Given a file with more errors than a report keeps
    data = _many_errors()
    # When it is validated, and also parsed into events (every error with its message)
    report = validate_inventory(io.BytesIO(data), NOW)
    expected = _events_report(data).report()
    # Then both reports are equal: the same counts, the same first 1,000 errors (rows,
    # codes and messages), the same number left out
    assert report == expected
    assert len(report.errors) == MAX_REPORTED_ERRORS
    assert report.errors_truncated > 0
    assert report.rows_invalid == BAD_ROWS - BAD_ROWS // 6  # kind 5 rows are valid


def test_validation_builds_no_message_for_errors_past_the_kept_ones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given a file with 3 times more errors than a report keeps, and the message builders
    # counted
    built = {"value": 0, "duplicate": 0}

    def counted_value_error(*args: object) -> object:
        built["value"] += 1
        return value_error(*args)  # type: ignore[arg-type]

    def counted_duplicate_key(*args: object) -> object:
        built["duplicate"] += 1
        return duplicate_key(*args)  # type: ignore[arg-type]

    monkeypatch.setattr("tap_core.inventory.csv.checker.value_error", counted_value_error)
    monkeypatch.setattr("tap_core.inventory.csv.key_claims.duplicate_key", counted_duplicate_key)
    data = _many_errors()
    # When it is validated
    report = validate_inventory(io.BytesIO(data), NOW)
    # Then messages were built for the kept errors and at most one batch more (a batch is
    # checked before the report knows it is full), not for all of them
    one_batch = BATCH_BYTES // len(HEADER) * 2  # more records than a batch holds
    assert report.errors_truncated > 2 * MAX_REPORTED_ERRORS - one_batch
    assert MAX_REPORTED_ERRORS <= sum(built.values()) <= MAX_REPORTED_ERRORS + one_batch


def test_quote_aware_records_checked_together_come_out_in_file_order() -> None:
    # Given a run of multi-line quoted records (checked as one batch), some invalid, one a
    # duplicate of an earlier one, between plain lines
    lines = [HEADER, "P-0,north,Plain,1,2.5,tools,0,\n"]
    for number in range(300):
        quantity = "x" if number % 5 == 1 else "1"
        sku = "Q-3" if number == 200 else f"Q-{number}"
        lines.append(f'{sku},north,"Saw",{quantity},2.5,"two\nlines",0,\n')
    lines.append("P-1,north,Plain,1,2.5,tools,0,\n")
    data = "".join(lines).encode()
    # When it is parsed
    events = list(parse_inventory(io.BytesIO(data), NOW))
    # Then the events come in file order: one per record (two rows each), the bad ones and
    # the duplicate at their rows, with the byte offset of their record
    rows = [event.row for event in events]
    assert rows == [2, *range(3, 3 + 2 * 300, 2), 3 + 2 * 300]
    kinds = {event.row: getattr(event, "code", "valid") for event in events}
    assert kinds[3 + 2 * 1] == "invalid_value"
    assert kinds[3 + 2 * 200] == "duplicate_key"
    assert sum(kind == "invalid_value" for kind in kinds.values()) == 60
    offsets = list(accumulate(len(line.encode()) for line in lines[:-1]))[1:]
    assert [event.offset for event in events[1:]] == offsets
    # And the validation counts the same
    report = validate_inventory(io.BytesIO(data), NOW)
    assert (report.rows_total, report.rows_invalid) == (302, 61)


def test_records_with_line_breaks_in_quotes_are_checked_by_the_fast_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given 1,000 valid records whose category, quoted, holds a line break, and the exact
    # routes counted: the quote-aware reading and the exact checker
    calls = {"read_record": 0, "check": 0}
    read_record, check = splitting.read_record, RecordChecker.check

    def counted_read(*args: Any, **kwargs: Any) -> Any:
        calls["read_record"] += 1
        return read_record(*args, **kwargs)

    def counted_check(*args: Any, **kwargs: Any) -> Any:
        calls["check"] += 1
        return check(*args, **kwargs)

    monkeypatch.setattr(splitting, "read_record", counted_read)
    monkeypatch.setattr(RecordChecker, "check", counted_check)
    rows = [f'Q-{number},north,Saw,1,2.5,"two\nlines",0,\n' for number in range(1_000)]
    data = "".join([HEADER, *rows]).encode()
    # When it is validated and parsed
    report = validate_inventory(io.BytesIO(data), NOW)
    items = [event.item for event in parse_inventory(io.BytesIO(data), NOW)]  # type: ignore[union-attr]
    # Then every record is valid with its line break, and none took an exact route
    assert (report.rows_total, report.rows_valid) == (1_000, 1_000)
    assert {item.category for item in items} == {"two\nlines"}
    assert calls == {"read_record": 0, "check": 0}


def test_the_expressions_grow_with_the_known_columns_not_the_header() -> None:
    # Given a header of the eight columns and one of them among 60,000 ignored ones
    narrow: tuple[Column | None, ...] = (*COLUMNS, None)
    wide: tuple[Column | None, ...] = (*COLUMNS[:4], *[None] * 30_000, *COLUMNS[4:])
    wide += (None,) * 30_000
    # When the fast and diagnostic expressions are built for both
    # Then the wide header's are hardly longer (a run of ignored columns is one repeat)
    builds: list[Callable[[tuple[Column | None, ...]], str]] = [
        lambda columns: fast_pattern(columns, COLUMNS)[0],
        lambda columns: fast_pattern(columns, COLUMNS, loose=True)[0],
        lambda columns: fast_pattern(columns, COLUMNS, quoted=True)[0],
        lambda columns: diagnostic_pattern(columns)[0],
    ]
    for build in builds:
        assert len(build(wide)) < len(build(narrow)) + 200


def _bad_file(replace: str, by: str, rows: int) -> bytes:
    plain = "S-{0},north,Widget,3,1.5,tools,2,2026-10-01T10:00:00Z\n"
    line = plain.replace(replace, by)
    lines = [HEADER, *(line.format(number) for number in range(rows))]
    return "".join(lines).encode("utf-8", "surrogateescape")


def test_errors_past_the_kept_ones_are_found_without_a_rejection_or_exact_check_each(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given files of 5,000 rows each with a bad quantity, a date of the contract's form that
    # is no real time or too late, a field missing, or bytes that are not UTF-8, and the exact
    # checker's rejections built (each with its detail), date checks and record checks counted
    counted = {"rejected": 0, "updated_at": 0, "check": 0}
    rejected_init, updated_at, check = (
        Rejected.__init__,
        RecordChecker.updated_at,
        RecordChecker.check,
    )

    def counted_rejected(self: Rejected, detail: str = "") -> None:
        counted["rejected"] += 1
        rejected_init(self, detail)

    def counted_updated_at(self: RecordChecker, text: str) -> datetime | Rejected:
        counted["updated_at"] += 1
        return updated_at(self, text)

    def counted_check(self: RecordChecker, *args: Any) -> Any:
        counted["check"] += 1
        return check(self, *args)

    monkeypatch.setattr(Rejected, "__init__", counted_rejected)
    monkeypatch.setattr(RecordChecker, "check", counted_check)
    monkeypatch.setattr(RecordChecker, "updated_at", counted_updated_at)
    rows = 5_000
    files = (
        _bad_file(",3,", ",3a,", rows),
        _bad_file("T10:", "T25:", rows),
        _bad_file("2026-10-01", "2027-01-01", rows),  # too late
        _bad_file(",2026-10-01T10:00:00Z", "", rows),  # a field missing
        _bad_file("Widget", "Caf\udce9", rows),  # not UTF-8
    )
    for data in files:
        counted.update(rejected=0, updated_at=0, check=0)
        line = data.index(b"\n", len(HEADER)) + 1 - len(HEADER)  # the first record's bytes
        one_batch = BATCH_BYTES // line * 2  # more records than a batch holds
        # When it is validated
        report = validate_inventory(io.BytesIO(data), NOW)
        # Then every row is invalid, and only the errors whose message is built (the kept
        # ones and at most a batch more) took a rejection, an exact date or record check
        assert (report.rows_total, report.rows_invalid) == (rows, rows)
        assert counted["rejected"] <= MAX_REPORTED_ERRORS + one_batch
        assert counted["updated_at"] <= MAX_REPORTED_ERRORS + one_batch
        assert counted["check"] <= MAX_REPORTED_ERRORS + one_batch


def test_a_parse_reads_runs_of_unreal_dates_without_converting_each_twice(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given 5,000 rows whose dates are no real time, and the fast path's conversions counted
    calls = {"conversions": 0}

    def counted(convert: Callable[[Any], list[datetime]]) -> Callable[[Any], list[datetime]]:
        def converting(texts: Any) -> list[datetime]:
            calls["conversions"] += 1
            return convert(texts)

        return converting

    converters = {kind: counted(convert) for kind, convert in fast_path.CONVERTERS.items()}
    monkeypatch.setattr(fast_path, "CONVERTERS", converters)
    rows = 5_000
    data = _bad_file("T10:", "T25:", rows)
    # When it is parsed (every error with its message, so the exact checker reads each date)
    errors = [
        event for event in parse_inventory(io.BytesIO(data), NOW) if isinstance(event, RowError)
    ]
    # Then every row has its error, and after a chunk that mostly failed, a failing chunk went
    # to the exact checker whole: far fewer conversions than rows
    assert len(errors) == rows
    assert calls["conversions"] < rows // 4
