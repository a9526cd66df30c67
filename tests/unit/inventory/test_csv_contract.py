"""Examples for every line of the inventory CSV contract and every error code."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from pydantic import ValidationError

from tap_core.inventory import (
    Checkpoint,
    InventoryItem,
    InventoryParser,
    InventoryReport,
    RowError,
    ValidRow,
    format_money,
    parse_inventory,
    validate_inventory,
)
from tap_core.inventory.csv.splitting import split_records

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
HEADER = "sku,warehouse,name,quantity,unit_price"
FULL = "sku,warehouse,name,quantity,unit_price,category,reorder_level,updated_at"


def _parse(data: str | bytes) -> tuple[InventoryParser, list[ValidRow | RowError]]:
    raw = data.encode() if isinstance(data, str) else data
    parser = parse_inventory(io.BytesIO(raw), NOW)
    return parser, list(parser)


def _report(data: str | bytes) -> InventoryReport:
    raw = data.encode() if isinstance(data, str) else data
    return validate_inventory(io.BytesIO(raw), NOW)


def _errors(data: str | bytes) -> list[tuple[int, str | None, str]]:
    return [(e.row, e.field, e.code) for e in _parse(data)[1] if isinstance(e, RowError)]


def _items(data: str | bytes) -> list[InventoryItem]:
    return [e.item for e in _parse(data)[1] if isinstance(e, ValidRow)]


def _item(**changes: object) -> InventoryItem:
    values: dict[str, object] = {
        "sku": "A-1",
        "warehouse": "W1",
        "name": "Hammer",
        "quantity": 3,
        "unit_price": Decimal("1.5"),
        "category": "uncategorized",
        "reorder_level": 0,
        "updated_at": NOW,
    }
    values.update(changes)
    return InventoryItem(**values)  # type: ignore[arg-type]


# Bytes, line ends and quoting


def test_a_leading_bom_is_skipped_and_counted_in_offsets() -> None:
    parser, events = _parse(b"\xef\xbb\xbf" + f"{HEADER}\nA-1,W1,Hammer,3,1.5\n".encode())
    assert parser.columns is not None
    assert events == [ValidRow(_item(), 2, 3 + len(HEADER) + 1)]


def test_crlf_ends_a_line_and_a_lone_cr_is_data() -> None:
    data = f"{FULL}\r\nA-1,W1,Ham\rmer,3,1.5,,,\r\nB-2,W1,Nails,1,2,a\rb,,\r\n"
    _, events = _parse(data)
    assert [(e.row, e.field, e.code) for e in events if isinstance(e, RowError)] == [
        (2, "name", "invalid_value")
    ]
    assert _items(data) == [
        _item(sku="B-2", name="Nails", quantity=1, unit_price=2, category="a\rb")
    ]


def test_a_cr_at_the_very_end_without_lf_is_data() -> None:
    assert _errors(f"{HEADER}\nA-1,W1,Hammer,3,1.5\r") == [(2, "unit_price", "invalid_value")]


def test_a_quoted_field_holds_commas_quotes_and_line_breaks_and_rows_stay_physical() -> None:
    data = f'{FULL}\nA-1,W1,"Nails, ""big""",3,1.5,"multi\nline\r\ncategory",,\nB-2,W1,Saw,1,2,,,\n'
    _, events = _parse(data)
    assert [(e.row, e.offset) for e in events] == [
        (2, len(FULL) + 1),
        (5, data.index("B-2")),
    ]
    first = events[0]
    assert isinstance(first, ValidRow)
    assert first.item.name == 'Nails, "big"'
    assert first.item.category == "multi\nline\r\ncategory"


def test_spaces_around_a_quoted_value_are_trimmed() -> None:
    assert _items(f'{HEADER}\n  "A-1" ,\t"W1",  " Hammer "  ,"3", 1.5\n') == [_item()]


def test_a_file_that_quotes_every_field_is_read_exactly() -> None:
    data = (
        '"sku","warehouse","name","quantity","unit_price","category"\r\n'
        '"A-1","W1","Hammer","3","1.5",""\r\n'
        '"B-2","W1","say ""hi""","1","2","tools"\r\n'
        '"C-3","W1","x, y","1","2",""\r\n'
        '"D-4","W1","","1","2",""\r\n'
        '"E-5","W1","two\r\nlines","1","2",""\r\n'
        '"F-6", "W1" ,"Saw","1","2",""\r\n'
    )
    _, events = _parse(data)
    assert [(e.row, e.item.name if isinstance(e, ValidRow) else e.code) for e in events] == [
        (2, "Hammer"),
        (3, 'say "hi"'),
        (4, "x, y"),
        (5, "missing_value"),
        (6, "invalid_value"),
        (8, "Saw"),
    ]


def test_lines_of_one_record_each_stay_in_one_block_quoted_or_not() -> None:
    quoted = b'"A-1","W1","Hammer, big","3","1.5"\r\n' * 50
    assert [type(s).__name__ for s in split_records(io.BytesIO(quoted))] == ["Lines"]
    broken = quoted + b'"B-2","W1","two\nlines","1","2"\n' + quoted
    assert [type(s).__name__ for s in split_records(io.BytesIO(broken))] == [
        "Lines",
        "Record",
        "Lines",
    ]


def test_records_with_line_breaks_in_quotes_are_folded_onto_lines() -> None:
    # Given records whose quoted fields hold line breaks ("" and CRLF ends among them)
    plain = b"A-1,W1,Hammer,3,1.5\n"
    breaks = (
        b'B-2,W1,Saw,1,2,"tools\nand more"\n'
        b'"C-3","W1","say ""hi""\nthere","1","2",""\r\n'
        b'D-4,W1,Saw,1,2,"a\r\nb"\r\n'
    )
    # When they are split, folding allowed
    segments = list(split_records(io.BytesIO(plain + breaks + plain), fold=lambda: True))
    # Then they come in one Folded segment, each record on one line, its inner LFs as NUL
    assert [type(s).__name__ for s in segments] == ["Lines", "Folded"]
    folded = segments[1]
    assert folded.data == (  # type: ignore[union-attr]
        b'B-2,W1,Saw,1,2,"tools\x00and more"\n'
        b'"C-3","W1","say ""hi""\x00there","1","2",""\r\n'
        b'D-4,W1,Saw,1,2,"a\r\x00b"\r\n' + plain
    )
    # And each record keeps its row and the first its offset
    assert folded.rows == [2, 4, 6, 8]  # type: ignore[union-attr]
    assert folded.offset == len(plain)


def test_values_with_line_breaks_in_quotes_are_read_with_their_rows_and_offsets() -> None:
    # Given records whose quoted values hold line breaks (and one a NUL of its own)
    data = (
        f"{FULL}\n"
        'A-1,W1,Hammer,3,1.5,"tools\nand more",,\n'
        'B-2,W1,"two\nlines",3,1.5,,,\n'
        'C-3,W1,Hammer,3,1.5,"a\r\nb",,\r\n'
        'D-4,W1,Hammer,3,1.5,"nul\x00\nx",,\n'
        "E-5,W1,Hammer,3,1.5,tools,,\n"
    )
    # When it is parsed and validated
    _, events = _parse(data)
    report = _report(data)
    # Then the line breaks are data, each record on its first row, at its byte offset
    assert [(e.row, e.offset) for e in events] == [
        (2, data.index("A-1")),
        (4, data.index("B-2")),
        (6, data.index("C-3")),
        (8, data.index("D-4")),
        (10, data.index("E-5")),
    ]
    assert [e.item.category if isinstance(e, ValidRow) else e.code for e in events] == [
        "tools\nand more",
        "invalid_value",  # a name holds no control character
        "a\r\nb",
        "nul\x00\nx",
        "tools",
    ]
    assert (report.rows_total, report.rows_valid, report.errors[0].row) == (5, 4, 4)


def test_a_record_with_line_breaks_over_65536_bytes_is_too_long() -> None:
    # Given a record whose quoted value runs over 65,536 bytes of short lines
    data = f'{HEADER},notes\nA-1,W1,Hammer,3,1.5,"' + "xx\n" * 22_000 + '"\nB-2,W1,Saw,1,2,\n'
    # When it is parsed
    _, events = _parse(data)
    # Then it is row_too_long at its first row, and the reading resumes on the next line
    first, second = events[:2]
    assert (first.row, first.code) == (2, "row_too_long")  # type: ignore[union-attr]
    assert (second.row, second.code) == (3, "wrong_field_count")  # type: ignore[union-attr]


def test_a_quote_inside_an_unquoted_value_is_data() -> None:
    assert _items(f'{HEADER}\nA-1,W1,12" nails,3,1.5\n') == [_item(name='12" nails')]


def test_a_runaway_quote_near_the_end_is_invalid_quoting_and_reading_resumes() -> None:
    data = f'{HEADER}\nA-1,W1,"Hammer,3,1.5\nB-2,W1,Saw,1,2\n'
    _, events = _parse(data)
    assert [(e.row, getattr(e, "code", "valid")) for e in events] == [
        (2, "invalid_quoting"),
        (3, "valid"),
    ]
    assert isinstance(events[0], RowError)
    assert "reading went on at row 3" in events[0].message


def test_a_runaway_quote_far_from_the_end_is_row_too_long_and_reading_resumes() -> None:
    filler = "".join(f"F{n},W1,Filler,1,1\n" for n in range(5000))  # > 65,536 bytes
    _, events = _parse(f'{HEADER}\nA-1,W1,"Hammer,3,1.5\n{filler}')
    assert (events[0].row, getattr(events[0], "code", None)) == (2, "row_too_long")
    assert "closing" in events[0].message  # type: ignore[union-attr]
    assert [e.row for e in events[1:]] == list(range(3, 5003))
    assert all(isinstance(e, ValidRow) for e in events[1:])


def test_a_record_of_65536_bytes_is_read_and_one_byte_more_is_row_too_long() -> None:
    prefix = "A-1,W1,Hammer,3,1.5,"
    fits = prefix + "x" * (65_536 - len(prefix))
    too_long = prefix + "x" * (65_537 - len(prefix))
    data = f"{HEADER},notes\r\n{fits}\r\n{too_long.replace('A-1', 'B-2')}\r\nC-3,W1,Saw,1,2,\r\n"
    _, events = _parse(data)
    assert [(e.row, getattr(e, "code", "valid")) for e in events] == [
        (2, "valid"),
        (3, "row_too_long"),
        (4, "valid"),
    ]


def test_a_line_longer_than_memory_chunks_is_row_too_long_and_skipped() -> None:
    data = f"{HEADER}\nA-1,W1,{'n' * 3_000_000},3,1.5\nB-2,W1,Saw,1,2\n"
    _, events = _parse(data)
    assert [(e.row, getattr(e, "code", "valid")) for e in events] == [
        (2, "row_too_long"),
        (3, "valid"),
    ]


@pytest.mark.parametrize("first", ["notes", "category"])
def test_a_line_never_runs_into_the_next(first: str) -> None:
    data = f"{first},{HEADER}\n\n,A-1,W1,Hammer,3,1.5\nsomething\n,B-2,W1,Saw,1,2\n"
    _, events = _parse(data)
    assert [(e.row, getattr(e, "code", "valid")) for e in events] == [
        (3, "valid"),
        (4, "wrong_field_count"),
        (5, "valid"),
    ]


def test_blank_records_are_skipped_and_not_counted() -> None:
    data = f'\n  \n{HEADER}\n\n,,,,\n \t, "" ,,,\nA-1,W1,Hammer,3,1.5\n\r\n'
    report = _report(data)
    assert (report.rows_total, report.rows_valid) == (1, 1)
    assert [e.row for e in _parse(data)[1]] == [7]


# The header


def test_the_header_is_matched_case_insensitively_trimmed_in_any_order() -> None:
    data = ' Unit_Price ,"QUANTITY",\tName,Warehouse,SKU,,Reorder_Level\n1.5,3,Hammer,W1,A-1,zz,4\n'
    parser, events = _parse(data)
    assert parser.warnings == ()
    assert events == [ValidRow(_item(reorder_level=4), 2, data.index("1.5"))]


def test_unknown_columns_are_ignored_with_one_warning_naming_them() -> None:
    parser, events = _parse(f"{HEADER},Notes,colour,notes\nA-1,W1,Hammer,3,1.5,x,y,z\n")
    assert parser.file_errors == ()
    assert len(parser.warnings) == 1
    assert '"Notes", "colour", "notes"' in parser.warnings[0]
    assert _report(f"{HEADER},Notes\n").warnings == [
        parser.warnings[0].replace(', "colour", "notes"', "")
    ]
    assert [type(e) for e in events] == [ValidRow]


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"\n\n  \r\n", b",,\n \t\n"])
def test_a_file_without_a_non_blank_line_is_missing_header(data: bytes) -> None:
    report = _report(data)
    assert [error.code for error in report.file_errors] == ["missing_header"]
    assert (report.rows_total, report.errors) == (0, [])


def test_each_missing_and_duplicated_column_is_one_file_error() -> None:
    report = _report("name,SKU,name,quantity,sku,extra\nrows,are,not,read,at,all\n")
    assert [(e.code, e.message.split("'")[1]) for e in report.file_errors] == [
        ("duplicate_column", "name"),
        ("duplicate_column", "sku"),
        ("missing_column", "warehouse"),
        ("missing_column", "unit_price"),
    ]
    assert (report.rows_total, report.errors, report.exit_status) == (0, [], 2)


def test_a_header_that_is_not_utf8_is_invalid_encoding() -> None:
    report = _report(b"sku,warehouse,n\xe9me,quantity,unit_price\nA-1,W1,x,1,1\n")
    assert [error.code for error in report.file_errors] == ["invalid_encoding"]


def test_a_header_that_cannot_be_read_is_missing_header() -> None:
    report = _report(f'"sku,{HEADER}\n')
    assert [error.code for error in report.file_errors] == ["missing_header"]
    assert "never closed" in report.file_errors[0].message


# Records and columns


def test_a_record_with_more_or_fewer_fields_has_only_wrong_field_count() -> None:
    assert _errors(f"{HEADER}\nA-1,W1,,x\nB-2,W1,Saw,1,2,extra\n") == [
        (2, None, "wrong_field_count"),
        (3, None, "wrong_field_count"),
    ]


def test_a_record_with_bytes_that_are_not_utf8_has_only_invalid_encoding() -> None:
    data = HEADER.encode() + b"\nA-1,W1,Caf\xe9,x,y\nB-2,W1,Saw,1,2\n"
    assert _errors(data) == [(2, None, "invalid_encoding")]
    (error, _) = _parse(data)[1]
    assert isinstance(error, RowError)
    assert error.message.startswith("row 2: the name value holds the bytes b'\\xe9' after \"Caf\"")


def test_an_empty_required_value_is_missing_value_and_an_empty_optional_takes_its_default() -> None:
    data = f"{FULL}\n , W1 ,\t,3,1.5,,,\nA-1,W1,Hammer,3,1.5, , ,\n"
    assert _errors(data) == [(2, "sku", "missing_value"), (2, "name", "missing_value")]
    assert _items(data) == [_item()]


def test_every_bad_field_of_a_record_is_reported_in_file_column_order() -> None:
    data = "quantity,name,sku,warehouse,unit_price\nlots,Ham\x01mer,A 1,W1,1.23456\n"
    assert _errors(data) == [
        (2, "quantity", "invalid_value"),
        (2, "name", "invalid_value"),
        (2, "sku", "invalid_value"),
        (2, "unit_price", "invalid_value"),
    ]


@pytest.mark.parametrize(
    ("column", "text", "value"),
    [
        ("sku", "a" * 64, "a" * 64),
        ("sku", "a" * 65, None),
        ("sku", "A.b_c-9", "A.b_c-9"),
        ("sku", "\xa0A", None),  # only ASCII spaces and tabs are trimmed
        ("warehouse", "w/1", None),
        ("name", "n" * 200, "n" * 200),
        ("name", "n" * 201, None),
        ("name", "Émail\xa0blanc", "Émail\xa0blanc"),
        ("name", "bell\x07", None),
        ("name", "next\x85line", None),
        ("quantity", "0", 0),
        ("quantity", "0001000000000", 1_000_000_000),
        ("quantity", "1000000001", None),
        ("quantity", "+1", None),
        ("quantity", "1_000", None),
        ("quantity", "\u0661", None),  # ARABIC-INDIC DIGIT ONE
        ("unit_price", "0.0001", Decimal("0.0001")),
        ("unit_price", "12", Decimal(12)),
        ("unit_price", "1000000000.0000", Decimal(10**9)),
        ("unit_price", "1000000000.0001", None),
        ("unit_price", "1.23456", None),
        ("unit_price", "1.", None),
        ("unit_price", "1e3", None),
        ("category", "Tools", "Tools"),
        ("category", "c" * 64, "c" * 64),
        ("category", "c" * 65, None),
        ("category", "", "uncategorized"),
        ("reorder_level", "", 0),
        ("reorder_level", "007", 7),
        ("reorder_level", "-1", None),
    ],
)
def test_column_rules(column: str, text: str, value: object) -> None:
    values = {
        "sku": "A-1",
        "warehouse": "W1",
        "name": "Hammer",
        "quantity": "3",
        "unit_price": "1.5",
        "category": "",
        "reorder_level": "",
        "updated_at": "",
    }
    values[column] = text
    data = f"{FULL}\n{','.join(values.values())}\n"
    if value is None:
        assert _errors(data) == [(2, column, "invalid_value")]
    else:
        assert _items(data) == [_item(**{"sku": values["sku"], column: value})]


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("", NOW),
        ("2026-11-20", datetime(2026, 11, 20, tzinfo=UTC)),
        ("2026-11-20T10:30", datetime(2026, 11, 20, 10, 30, tzinfo=UTC)),
        ("2026-11-20 10:30:15", datetime(2026, 11, 20, 10, 30, 15, tzinfo=UTC)),
        ("2026-11-20T10:30:15.5Z", datetime(2026, 11, 20, 10, 30, 15, 500_000, tzinfo=UTC)),
        ("2026-11-20T10:30:15.123456+02:00", datetime(2026, 11, 20, 8, 30, 15, 123456, UTC)),
        ("2026-11-20T23:30-01:00", datetime(2026, 11, 21, 0, 30, tzinfo=UTC)),
        ("2026-11-24T12:05Z", NOW + timedelta(minutes=5)),
        ("2026-11-24 12:05:00.000001", None),
        ("2026-11-24T14:00+02:00", NOW),
        ("2026-02-29", None),
        ("2026-11-20T24:00", None),
        ("2026-11-20T10", None),
        ("2026-11-20T10:30:15.1234567", None),
        ("2026-11-20Z", None),
        ("2026-11-20T10:30+0200", None),
        ("20261120", None),
        ("2026-11-20t10:30", None),
        ("0001-01-01T00:00+01:00", None),
    ],
)
def test_updated_at_forms_mean_utc_and_at_most_five_minutes_after_upload(
    text: str, moment: datetime | None
) -> None:
    data = f"sku,warehouse,name,quantity,unit_price,updated_at\nA-1,W1,Hammer,3,1.5,{text}\n"
    if moment is None:
        assert _errors(data) == [(2, "updated_at", "invalid_value")]
    else:
        assert _items(data) == [_item(updated_at=moment)]
        assert _items(data)[0].updated_at.utcoffset() == timedelta(0)


def test_errors_come_in_row_order_whichever_check_found_them() -> None:
    data = (
        "sku,warehouse,name,quantity,unit_price,updated_at\n"
        "A-1,W1,Hammer,x,1.5,2026-01-01\n"  # the whole line is checked exactly
        "B-2,W1,Saw,1,1,2030-01-01\n"  # only its time is wrong
        "C-3,W1,Saw,1,1,2026-02-30\n"
        "D-4,W1,Saw,1,1, 2026-01-01 \n"  # valid once trimmed
    )
    assert _errors(data) == [
        (2, "quantity", "invalid_value"),
        (3, "updated_at", "invalid_value"),
        (4, "updated_at", "invalid_value"),
    ]
    assert [item.sku for item in _items(data)] == ["D-4"]


def test_a_message_shows_the_value_trimmed() -> None:
    data = "sku,warehouse,name,quantity,unit_price,updated_at\nA-1,W1,Saw,1,1, 2026-02-30\t\n"
    (error,) = _parse(data)[1]
    assert isinstance(error, RowError)
    assert error.message.startswith('row 2, updated_at: "2026-02-30" is not allowed')


def test_money_is_an_exact_decimal_printed_without_exponent() -> None:
    (item,) = _items(f"{HEADER}\nA-1,W1,Hammer,3,1000000000.0000\n")
    assert isinstance(item.unit_price, Decimal)
    assert format_money(item.unit_price) == "1000000000.0000"


# Keys


def test_a_duplicate_key_names_the_first_row_besides_its_own_field_errors() -> None:
    data = f"{HEADER}\nA-1,W1,Hammer,3,1.5\na-1,W1,Case,1,1\nA-1,W1,Again,x,1\n"
    _, events = _parse(data)
    errors = [e for e in events if isinstance(e, RowError)]
    assert [(e.row, e.field, e.code) for e in errors] == [
        (4, "quantity", "invalid_value"),
        (4, None, "duplicate_key"),
    ]
    assert "already used by row 2" in errors[1].message
    assert '(sku "A-1", warehouse "W1")' in errors[1].message


def test_duplicates_are_found_across_batches_of_lines() -> None:
    filler = "".join(f"F{n},W1,Filler,1,1\n" for n in range(3000))  # batches of ~32 KB
    data = f"{HEADER}\nA-1,W1,Hammer,3,1.5\n{filler}A-1,W1,Again,1,1\nF7,W1,x,1,1\nF7,W1,x,1,1\n"
    errors = [e for e in _parse(data)[1] if isinstance(e, RowError)]
    assert [(e.row, e.code) for e in errors] == [
        (3003, "duplicate_key"),
        (3004, "duplicate_key"),
        (3005, "duplicate_key"),
    ]
    assert [e.message.split("used by ")[1].split(";")[0] for e in errors] == [
        "row 2",
        "row 10",
        "row 10",
    ]


def test_an_invalid_record_does_not_claim_its_key() -> None:
    data = f"{HEADER}\nA-1,W1,Hammer,x,1.5\nA-1,W1,Hammer,3,1.5\nA-1,W1,Hammer,4,1.5\n"
    assert _errors(data) == [(2, "quantity", "invalid_value"), (4, None, "duplicate_key")]
    assert "already used by row 3" in _parse(data)[1][2].message  # type: ignore[union-attr]


def test_keys_are_compared_exactly_after_trimming() -> None:
    items = _items(f"{HEADER}\nA-1,W1,a,1,1\na-1,W1,b,1,1\nA-1,w1,c,1,1\n A-1 ,W1\t,d,1,1\n")
    assert [item.name for item in items] == ["a", "b", "c"]


# The report


def test_the_report_json_has_exactly_the_contract_fields() -> None:
    report = _report(f"{HEADER},notes\nA-1,W1,Hammer,x,1.5,\nB-2,W1,Saw,1,2,\n")
    document = json.loads(report.model_dump_json())
    assert list(document) == [
        "rows_total",
        "rows_valid",
        "rows_invalid",
        "file_errors",
        "errors",
        "errors_truncated",
        "warnings",
    ]
    assert (document["rows_total"], document["rows_valid"], document["rows_invalid"]) == (2, 1, 1)
    assert list(document["errors"][0]) == ["row", "field", "code", "message"]
    assert report.exit_status == 1


def test_errors_beyond_the_first_thousand_are_counted_in_errors_truncated() -> None:
    rows = "".join(f"S{n},W1,Saw,x,y\n" for n in range(600))
    report = _report(f"{HEADER}\n{rows}")
    assert (report.rows_invalid, len(report.errors), report.errors_truncated) == (600, 1000, 200)
    assert report.errors[-1].row == 501


def test_a_message_names_row_column_value_and_what_is_allowed() -> None:
    (error,) = _parse(f"{HEADER}\nA-1,W1,Hammer,{'9' * 60},1.5\n")[1]
    assert isinstance(error, RowError)
    assert error.message.startswith(f'row 2, quantity: "{"9" * 37}..." is not allowed')
    assert "allowed: a whole number of ASCII digits 0-9, at most 1,000,000,000" in error.message


# The API


def test_uploaded_at_must_be_aware() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        parse_inventory(io.BytesIO(b""), datetime(2026, 1, 1))  # noqa: DTZ001


def test_a_parse_is_read_once() -> None:
    parser, _ = _parse(f"{HEADER}\n")
    with pytest.raises(RuntimeError, match="read once"):
        list(parser)


def test_a_checkpoint_needs_every_required_column_once() -> None:
    with pytest.raises(ValidationError, match="unit_price"):
        Checkpoint(offset=10, row=2, columns=("sku", "warehouse", "name", "quantity"))
    with pytest.raises(ValidationError, match="twice"):
        Checkpoint(
            offset=10,
            row=2,
            columns=("sku", "warehouse", "name", "quantity", "unit_price", "sku"),
        )


def test_a_parse_with_file_errors_has_no_checkpoint() -> None:
    parser, events = _parse("sku\n")
    assert events == []
    with pytest.raises(ValueError, match="no records"):
        parser.checkpoint(RowError(row=2, field=None, code="row_too_long", message="m"))
