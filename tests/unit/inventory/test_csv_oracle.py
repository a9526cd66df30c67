"""Generated files agree with an independent, naive reading of the README's CSV contract.

The oracle below reads bytes one at a time with the README's words as its only guide (RFC 4180
quoting, LF line ends, CRLF one terminator, a lone CR data, rows physical) and checks each
column rule with the simplest code that states it; it shares nothing with the parser but the
contract's numbers. Files are built from pieces that broke the parser before: quoted commas in
short records, CRs near quotes, quotes inside unquoted values, padding, and any read sizes.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Final
from unittest import mock

from hypothesis import given
from hypothesis import strategies as st

from tap_core.inventory import InventoryParser, RowError, ValidRow, validate_inventory

NOW: Final = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
LONGEST: Final = 65_536
ORDER: Final = (
    "sku",
    "warehouse",
    "name",
    "quantity",
    "unit_price",
    "category",
    "reorder_level",
    "updated_at",
)
REQUIRED: Final = {"sku", "warehouse", "name", "quantity", "unit_price"}

Outcome = tuple[str, object]


def _records(data: bytes) -> list[tuple[int, list[bytes] | str]]:
    """(row, fields or the broken code) of each record, read byte by byte."""
    out: list[tuple[int, list[bytes] | str]] = []
    pos = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    while pos < len(data):
        start, row = pos, 1 + data.count(b"\n", 0, pos)
        fields: list[bytes] = []
        i, broken = pos, ""
        while True:  # one field per turn
            j = i
            while j < len(data) and data[j] in b" \t":
                j += 1
            field = bytearray()
            if j < len(data) and data[j] == ord('"'):
                i = j + 1
                while True:
                    if i >= len(data):
                        fits = len(data) - start <= LONGEST
                        broken = "invalid_quoting" if fits else "row_too_long"
                        break
                    if data[i] == ord('"'):
                        if data[i + 1 : i + 2] == b'"':
                            field.append(ord('"'))
                            i += 2
                            continue
                        i += 1
                        break
                    field.append(data[i])
                    i += 1
                if broken:
                    break
            while i < len(data) and data[i] not in b",\n":
                field.append(data[i])
                i += 1
            fields.append(bytes(field))
            if i < len(data) and data[i] == ord(","):
                i += 1
                continue
            break
        size = i - start
        if not broken and i < len(data) and i > start and data[i - 1] == ord("\r"):
            size -= 1
            fields[-1] = fields[-1][:-1]
        if broken or size > LONGEST:
            out.append((row, broken or "row_too_long"))
            first_end = data.find(b"\n", start)
            pos = len(data) if first_end < 0 else first_end + 1
            continue
        out.append((row, fields))
        pos = i + 1
    return out


def _check(column: str, text: str) -> object:
    """The value of a trimmed, non-empty ``text``, or raise ValueError."""
    if column in {"sku", "warehouse"}:
        allowed = all(c.isascii() and (c.isalnum() or c in "._-") for c in text)
        if not (1 <= len(text) <= 64 and allowed):
            raise ValueError
        return text
    if column == "name":
        if len(text) > 200 or any(ord(c) < 32 or 127 <= ord(c) <= 159 for c in text):
            raise ValueError
        return text
    if column == "category":
        if len(text) > 64:
            raise ValueError
        return text
    if column in {"quantity", "reorder_level"}:
        if not all("0" <= c <= "9" for c in text) or int(text) > 10**9:
            raise ValueError
        return int(text)
    if column == "unit_price":
        whole, _, decimals = text.partition(".")
        digits = all("0" <= c <= "9" for c in whole + decimals)
        if not (whole and digits and ("." not in text or 1 <= len(decimals) <= 4)):
            raise ValueError
        if Decimal(text) > 10**9:
            raise ValueError
        return Decimal(text)
    # updated_at
    time = r"[T ]\d\d:\d\d(:\d\d(\.\d{1,6})?)?(Z|[+-]\d\d:\d\d)?"
    if not re.fullmatch(rf"\d{{4}}-\d\d-\d\d({time})?", text, re.ASCII):
        raise ValueError
    try:
        moment = datetime.fromisoformat(text if "T" in text or " " in text else text + "T00:00")
        moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise ValueError from None
    if moment > NOW + timedelta(minutes=5):
        raise ValueError
    return moment


def oracle(data: bytes) -> dict[int, Outcome]:
    """Each counted record's outcome by row: ("valid", values) or ("invalid", sorted
    (field, code) pairs)."""
    records = _records(data)
    header: list[str | None] = []
    while records:
        row, fields = records.pop(0)
        assert not isinstance(fields, str), "the generated header is readable"
        names = [f.decode().strip(" \t").lower() for f in fields]
        if any(names):
            header = [n if n in ORDER else None for n in names]
            break
    outcomes: dict[int, Outcome] = {}
    claimed: set[tuple[str, str]] = set()
    for row, fields in records:
        if isinstance(fields, str):
            outcomes[row] = ("invalid", [(None, fields)])
            continue
        if not b"".join(fields).strip(b" \t"):
            continue  # blank
        try:
            texts = [f.decode("utf-8") for f in fields]
        except UnicodeDecodeError:
            outcomes[row] = ("invalid", [(None, "invalid_encoding")])
            continue
        if len(texts) != len(header):
            outcomes[row] = ("invalid", [(None, "wrong_field_count")])
            continue
        values: dict[str, object] = {
            "category": "uncategorized",
            "reorder_level": 0,
            "updated_at": NOW,
        }
        errors: list[tuple[str | None, str]] = []
        for column, written in zip(header, texts, strict=True):
            if column is None:
                continue
            text = written.strip(" \t")
            if not text:
                if column in REQUIRED:
                    errors.append((column, "missing_value"))
                continue
            try:
                values[column] = _check(column, text)
            except ValueError:
                errors.append((column, "invalid_value"))
        key_ok = not {c for c, _ in errors} & {"sku", "warehouse"}
        key = (str(values.get("sku")), str(values.get("warehouse")))
        if key_ok and key in claimed:
            errors.append((None, "duplicate_key"))
        if errors:
            outcomes[row] = ("invalid", sorted(errors, key=str))
        else:
            claimed.add(key)
            outcomes[row] = ("valid", tuple(values[c] for c in ORDER))
    return outcomes


class Trickle:
    """A stream handing over at most ``most`` bytes per read."""

    def __init__(self, data: bytes, most: int) -> None:
        self._data = io.BytesIO(data)
        self._most = most

    def read(self, size: int, /) -> bytes:
        return self._data.read(min(size, self._most))


def _parsed(data: bytes, most: int, chunk: int) -> dict[int, Outcome]:
    parser = InventoryParser(Trickle(data, most), NOW, chunk_size=chunk)
    assert parser.file_errors == ()
    outcomes: dict[int, Outcome] = {}
    errors: dict[int, list[tuple[str | None, str]]] = {}
    for event in parser:
        if isinstance(event, ValidRow):
            item = event.item
            outcomes[event.row] = ("valid", tuple(getattr(item, c) for c in ORDER))
        else:
            assert isinstance(event, RowError)
            errors.setdefault(event.row, []).append((event.field, event.code))
    for row, found in errors.items():
        outcomes[row] = ("invalid", sorted(found, key=str))
    return outcomes


VALUES: Final[dict[str, list[str]]] = {
    "sku": ["A-1", "B-2", "b-2", "x" * 64, "x" * 65, "A 1", "Ä", ""],
    "warehouse": ["north", "W1", "", "w.2_"],
    "name": ["Nails,100", '5" nail', "Saw", 'say ""hi""', "n" * 200, "n" * 201, "a\rb", "Café"],
    "quantity": ["7", "100", "0", "1000000000", "1000000001", "0001", "-1", "1.5", ""],
    "unit_price": ["0.05", "7", "12.3456", "12.34567", "1000000000.0", "1000000000.01", "7\r", ""],
    "category": ["", "tools", "c" * 64, "c" * 65, "a,b", "x\r"],
    "reorder_level": ["", "3", "1000000001"],
    "updated_at": ["", "2026-01-01", "2026-11-24T12:05Z", "2026-11-24T12:06Z", "2026-02-30", "x"],
}
NOTES: Final = ["", "note", "a,b", "x\ny", '"', 'q"q']
BREAKS: Final[dict[str | None, list[str]]] = {
    "name": ["two\nlines", "a\r\nb"],
    "category": ["tools\nand more", "a\r\nb", "\n", "x\n", "c" * 63 + "\n", "c" * 64 + "\n"],
    "unit_price": ["7\n"],
    "updated_at": ["2026-01-01\n"],
    None: ["\n\n", "a\r\n", "nul\x00\nx", '""\n'],
}
"""Values holding line breaks (quoted when written, but for the odd raw one)."""


@st.composite
def cells(
    draw: st.DrawFn, column: str | None, *, quoted: bool = False, breaks: bool = False
) -> str:
    choices = VALUES[column] if column else NOTES
    if breaks and column in BREAKS and draw(st.booleans()):
        choices = BREAKS[column]
    text = draw(st.sampled_from(choices[:2]) | st.sampled_from(choices))  # valid, often
    form = draw(st.integers(0, 9))
    if quoted and draw(st.integers(0, 3)):  # most fields quoted whole, as some exporters do
        form = 0
    if form == 0 or (("," in text or "\n" in text) and form < 8):
        return '"' + text.replace('"', '""') + '"'  # quoted, as a writer would
    if form == 1:
        return " " + text + draw(st.sampled_from(["", " ", "\t"]))
    if form == 2:
        return ' "' + text.replace('"', '""') + '" '
    if form == 3:
        return '"' + text.replace('"', '""') + draw(st.sampled_from(['\r"', '"\r', '"x']))
    return text  # as it is, commas, quotes and CRs included


@st.composite
def files(draw: st.DrawFn, *, quoted: bool = False, breaks: bool = False) -> bytes:
    if draw(st.integers(0, 3)):  # the usual order, maybe without the last optional columns
        columns: list[str | None] = list(ORDER[: draw(st.integers(5, 8))])
    else:
        columns = [c for c in draw(st.permutations(ORDER)) if c in REQUIRED or draw(st.booleans())]
    if draw(st.booleans()):
        columns.insert(draw(st.integers(0, len(columns))), None)
    header = ",".join(c or "notes" for c in columns)
    lines = [header]
    for _ in range(draw(st.integers(0, 8))):
        written = [draw(cells(c, quoted=quoted, breaks=breaks)) for c in columns]
        cut = draw(st.sampled_from([-1, 0, -1, 1]))  # a short or long record, often
        if cut < 0:  # most often the last field missing
            written.pop(draw(st.sampled_from([-1, -1, 0, len(written) // 2])))
        elif cut > 0:
            written.insert(draw(st.integers(0, len(written))), draw(cells(None, quoted=quoted)))
        lines.append(",".join(written))
    ends = st.sampled_from(["\n", "\r\n", "\r\n", "\n"])
    body = "".join(line + draw(ends) for line in lines)
    if draw(st.booleans()):
        body = body.rstrip("\r\n")  # the last line without terminator
    bom = "\ufeff" if draw(st.booleans()) else ""
    return (bom + body).encode()


READS = st.one_of(st.integers(1, 9), st.sampled_from([64, 1000, 1 << 20]))


@given(data=files(), most=READS, chunk=READS)
def test_parsing_agrees_with_a_naive_reading_of_the_contract(
    data: bytes, most: int, chunk: int
) -> None:
    # Given a generated file, read in pieces of any size
    # When it is parsed
    parsed = _parsed(data, most, chunk)
    # Then every record ends as the naive reading of the README says
    expected = oracle(data)
    assert parsed == expected
    # And the validation counts the same
    report = validate_inventory(Trickle(data, most), NOW)
    valid = sum(1 for kind, _ in expected.values() if kind == "valid")
    assert (report.rows_valid, report.rows_total) == (valid, len(expected))


@given(data=files(quoted=True), most=READS, chunk=READS)
def test_files_that_quote_most_fields_agree_with_the_naive_reading(
    data: bytes, most: int, chunk: int
) -> None:
    """Quotes on most lines take the splitter's route for such files (the plainest quoting
    matched first, the exact expression where it stops)."""
    # Given a generated file quoting most fields, read in pieces of any size
    # When it is parsed
    parsed = _parsed(data, most, chunk)
    # Then every record ends as the naive reading of the README says
    assert parsed == oracle(data)


@given(data=files(breaks=True), most=READS, chunk=READS)
def test_line_breaks_in_quotes_agree_with_the_naive_reading(
    data: bytes, most: int, chunk: int
) -> None:
    """Records with line breaks inside quotes are read folded onto one line each."""
    # Given a generated file whose quoted values often hold line breaks, read in any pieces
    # When it is parsed and validated
    parsed = _parsed(data, most, chunk)
    report = validate_inventory(Trickle(data, most), NOW)
    # Then every record ends as the naive reading of the README says, values and rows
    expected = oracle(data)
    assert parsed == expected
    valid = sum(1 for kind, _ in expected.values() if kind == "valid")
    assert (report.rows_valid, report.rows_total) == (valid, len(expected))


@given(data=files(breaks=True), most=READS, chunk=READS)
def test_folded_records_give_the_events_of_the_exact_route(
    data: bytes, most: int, chunk: int
) -> None:
    """The exact route (each record read quote-aware) is the reference of the folded one."""
    # Given a generated file whose quoted values often hold line breaks
    # When it is parsed and validated folded, and with folding turned off
    folded = _events(data, most, chunk)
    folded_report = validate_inventory(Trickle(data, most), NOW)
    with mock.patch.object(InventoryParser, "_folds", return_value=False):
        exact = _events(data, most, chunk)
        exact_report = validate_inventory(Trickle(data, most), NOW)
    # Then both give the same events (items, rows, offsets, messages) and the same report
    assert folded == exact
    assert folded_report == exact_report


def _events(data: bytes, most: int, chunk: int) -> list[ValidRow | RowError]:
    return list(InventoryParser(Trickle(data, most), NOW, chunk_size=chunk))
