"""Regressions: each test here failed on the code before issue 6 was fixed."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest

from tap_core.inventory import (
    InventoryParser,
    RowError,
    ValidRow,
    parse_inventory,
    validate_inventory,
)

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
SIX = "sku,warehouse,name,quantity,unit_price,category"


class Trickle:
    """A stream that hands over at most ``most`` bytes per read."""

    def __init__(self, data: bytes, most: int) -> None:
        self._data = io.BytesIO(data)
        self._most = most

    def read(self, size: int, /) -> bytes:
        return self._data.read(min(size, self._most))


def _events(data: str) -> list[ValidRow | RowError]:
    return list(parse_inventory(io.BytesIO(data.encode()), NOW))


def _codes(data: str) -> list[tuple[int, str | None, str]]:
    return [
        (e.row, e.field, e.code) if isinstance(e, RowError) else (e.row, None, "valid")
        for e in _events(data)
    ]


def test_a_quoted_comma_in_a_short_record_is_wrong_field_count_not_shifted_values() -> None:
    # Given a record of 5 fields under a header of 6, its name quoted and holding a comma
    data = f'{SIX}\nB-2,north,"Nails,100",7,0.05\n'
    # When it is parsed and validated
    # Then it is wrong_field_count, never quantity 100 and category "0.05"
    assert _codes(data) == [(2, None, "wrong_field_count")]
    assert validate_inventory(io.BytesIO(data.encode()), NOW).rows_invalid == 1


@pytest.mark.parametrize("end", ["\n", "\r\n"])
def test_a_cr_inside_quotes_before_the_closing_quote_is_data(end: str) -> None:
    # Given a quoted last value holding a CR before its closing quote
    data = f'sku,warehouse,name,quantity,unit_price\nA,w,n,1,"7\r"{end}'
    # When it is parsed
    # Then the CR is data: the price is invalid
    assert _codes(data) == [(2, "unit_price", "invalid_value")]


@pytest.mark.parametrize("chunk", [1, 7, 4096, 65_536, 1 << 20])
@pytest.mark.parametrize("most", [1, 1000, 1 << 20])
def test_a_header_over_65536_bytes_is_missing_header_however_read(chunk: int, most: int) -> None:
    # Given a header line of 65,537 bytes (an ignored column padded), then a valid record
    header = f"sku,warehouse,name,quantity,unit_price,{'x' * (65_537 - 39)}"
    assert len(header) == 65_537
    data = f"{header}\nA,W,Saw,1,2,\n".encode()
    # When it is parsed with any chunk size and read in pieces of any size
    parser = parse_inventory(Trickle(data, most), NOW)
    parser_chunked = InventoryParser(Trickle(data, most), NOW, chunk_size=chunk)
    # Then the header cannot be read
    for each in (parser, parser_chunked):
        assert [e.code for e in each.file_errors] == ["missing_header"]
        assert list(each) == []


def test_a_header_of_65536_bytes_is_read() -> None:
    header = f"sku,warehouse,name,quantity,unit_price,{'x' * (65_536 - 39)}"
    data = f"{header}\r\nA,W,Saw,1,2,\n".encode()
    parser = parse_inventory(io.BytesIO(data), NOW)
    assert parser.file_errors == ()
    assert [type(e) for e in parser] == [ValidRow]


@pytest.mark.parametrize(
    ("text", "visible"),
    [
        ("Saw\u200b", "\\u200b"),  # zero-width space
        ("Saw\u00a0", "\\u00a0"),  # no-break space
        ("\ufeffSaw", "\\ufeff"),  # a second BOM, after the skipped one
        ("\u2028x", "\\u2028"),  # line separator
    ],
)
def test_invisible_characters_are_escaped_in_messages(text: str, visible: str) -> None:
    # Given a bad sku holding an invisible character
    data = f"\ufeffsku,warehouse,name,quantity,unit_price\n{text},W,Saw,1,2\n"
    # When it is parsed
    (error,) = _events(data)
    # Then the message shows the character as an escape, not raw
    assert isinstance(error, RowError)
    assert visible in error.message
    assert text not in error.message


@pytest.mark.parametrize("end", ["", "\n"])
def test_a_runaway_quote_on_the_last_line_names_no_row_after_the_file(end: str) -> None:
    # Given a quote never closed on the file's last line
    data = f'sku,warehouse,name,quantity,unit_price\nA-1,W1,"Hammer,3,1.5{end}'
    # When it is parsed
    (error,) = _events(data)
    # Then the message does not send the reader to row 3, which does not exist
    assert isinstance(error, RowError)
    assert error.code == "invalid_quoting"
    assert "row 3" not in error.message


def test_a_row_error_is_what_validating_its_fields_gives() -> None:
    # Given the errors of a record with a bad value and of one with a duplicate key
    data = "sku,warehouse,name,quantity,unit_price\nA,W,Saw,x,1\nB,W,Saw,1,1\nB,W,Saw,1,1\n"
    errors = [e for e in _events(data) if isinstance(e, RowError)]
    # Then each equals the model validated from its fields, hashes so, and dumps so
    assert [e.code for e in errors] == ["invalid_value", "duplicate_key"]
    for error in errors:
        validated = RowError.model_validate(dict(error))
        assert error == validated
        assert hash(error) == hash(validated)
        assert error.model_dump_json() == validated.model_dump_json()
        assert error.model_fields_set == validated.model_fields_set
