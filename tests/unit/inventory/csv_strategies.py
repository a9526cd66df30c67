"""Hypothesis strategies that write inventory CSV files, and what a parser must find in them.

A file is drawn as a header and a list of :class:`RecordSpec` (the values as written, and the
item or the errors they must give); :func:`render` then writes it with random quoting,
padding, header case, BOM, line ends and blank lines, and computes each record's row and byte
offset by counting what it wrote. Expectations come from the drawing, never from the parser.
"""

from __future__ import annotations

import io
import string
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import TYPE_CHECKING

from hypothesis import strategies as st

from tap_core.inventory import InventoryItem, format_money

if TYPE_CHECKING:
    from tap_core.inventory import Column

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
"""The upload time of every drawn file."""
LIMIT = 10**9
REQUIRED: tuple[Column, ...] = ("sku", "warehouse", "name", "quantity", "unit_price")
OPTIONAL: tuple[Column, ...] = ("category", "reorder_level", "updated_at")

KEY_ALPHABET = string.ascii_letters + string.digits + "._-"
KEYS = st.text(KEY_ALPHABET, min_size=1, max_size=64)
# Names: any character but controls and surrogates; not starting or ending with a space.
NAME_CHARS = st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"])
EDGE_CHARS = st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"], exclude_characters=" ")
# Categories may hold any character (the contract forbids controls in names only).
CATEGORY_CHARS = st.characters(codec="utf-8", exclude_categories=["Cs"])
CATEGORY_EDGES = st.characters(codec="utf-8", exclude_categories=["Cs"], exclude_characters=" \t")
AMOUNTS = st.integers(min_value=0, max_value=LIMIT)
PADDING = st.text(" \t", max_size=2)
UNKNOWN_NAMES = st.sampled_from(["notes", "Supplier", "colour", "x", "sku2", " ", ""])
UNKNOWN_VALUES = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=8)
BLANK_LINES = st.sampled_from(["", " ", "\t ", ",", ",,", ' "" ,', '""'])


@st.composite
def edged_text(
    draw: st.DrawFn,
    inner: st.SearchStrategy[str],
    edges: st.SearchStrategy[str],
    max_size: int,
) -> str:
    """1..``max_size`` characters whose first and last come from ``edges``."""
    first = draw(edges)
    if max_size == 1 or draw(st.booleans()):
        return first
    middle = draw(st.text(inner, max_size=max_size - 2))
    return first + middle + draw(edges)


NAMES = edged_text(NAME_CHARS, EDGE_CHARS, 200)
CATEGORIES = edged_text(CATEGORY_CHARS, CATEGORY_EDGES, 64)


@st.composite
def prices(draw: st.DrawFn) -> tuple[Decimal, str]:
    """A price and how it is written: 0 .. 10^9 with 0 to 4 decimal places."""
    places = draw(st.integers(min_value=0, max_value=4))
    scaled = draw(st.integers(min_value=0, max_value=LIMIT * 10**places))
    price = Decimal(scaled).scaleb(-places)
    return price, format_money(price)


@st.composite
def updated_ats(draw: st.DrawFn) -> tuple[datetime, str]:
    """An ``updated_at`` in one of the contract's forms and the UTC moment it means,
    computed from its parts (not by parsing the text)."""
    day = draw(st.dates(min_value=date(1970, 1, 1), max_value=NOW.date()))
    form = draw(st.sampled_from(["date", "naive", "utc", "offset"]))
    if form == "date":
        return datetime(day.year, day.month, day.day, tzinfo=UTC), day.isoformat()
    hour, minute = draw(st.integers(0, 23)), draw(st.integers(0, 59))
    text = f"{day.isoformat()}{draw(st.sampled_from('T '))}{hour:02d}:{minute:02d}"
    second = microsecond = 0
    if draw(st.booleans()):
        second = draw(st.integers(0, 59))
        text += f":{second:02d}"
        places = draw(st.integers(0, 6))
        if places:
            fraction = draw(st.integers(0, 10**places - 1))
            microsecond = fraction * 10 ** (6 - places)
            text += f".{fraction:0{places}d}"
    zone = UTC
    if form == "utc":
        text += "Z"
    elif form == "offset":
        minutes = draw(st.integers(-14 * 60, 14 * 60))
        zone = timezone(timedelta(minutes=minutes))
        sign = "-" if minutes < 0 else "+"
        text += f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    moment = datetime(day.year, day.month, day.day, hour, minute, second, microsecond, zone)
    moment = moment.astimezone(UTC)
    if moment > NOW:  # keep every drawn value within the upload-time limit
        return NOW, NOW.isoformat()
    return moment, text


@dataclass
class RecordSpec:
    """One record: its values as written (one per header column, before padding and
    quoting) and what it must give: an item, or errors as (column or None, code)."""

    cells: list[str]
    item: InventoryItem | None
    errors: list[tuple[Column | None, str]] = field(default_factory=list)
    duplicate_of: int | None = None
    """For a duplicate_key error: the index of the record that claimed the key."""


@dataclass
class FileSpec:
    header: list[str]
    """The header names, as written (case and padding included)."""
    columns: list[Column | None]
    records: list[RecordSpec]


@st.composite
def headers(draw: st.DrawFn) -> tuple[list[str], list[Column | None]]:
    """Header names (random case and padding, any order, unknown and empty names mixed in)
    and the column each names."""
    optional = [column for column in OPTIONAL if draw(st.booleans())]
    unknown = draw(st.lists(UNKNOWN_NAMES, max_size=2))
    names: list[tuple[str, Column | None]] = [(c, c) for c in (*REQUIRED, *optional)]
    names += [(name, None) for name in unknown]
    names = draw(st.permutations(names))
    written = []
    for name, _ in names:
        cased = "".join(char.upper() if draw(st.booleans()) else char.lower() for char in name)
        written.append(draw(PADDING) + cased + draw(PADDING))
    return written, [column for _, column in names]


@st.composite
def items_for(draw: st.DrawFn, columns: list[Column | None]) -> RecordSpec:
    """A valid record for ``columns`` and its item."""
    sku, warehouse, name = draw(KEYS), draw(KEYS), draw(NAMES)
    quantity = draw(AMOUNTS)
    price, price_text = draw(prices())
    category, category_text = "uncategorized", ""
    if "category" in columns and draw(st.booleans()):
        category = category_text = draw(CATEGORIES)
    elif "category" in columns and draw(st.booleans()):
        category_text = "uncategorized"
    reorder, reorder_text = 0, ""
    if "reorder_level" in columns and draw(st.booleans()):
        reorder = draw(AMOUNTS)
        reorder_text = draw(st.sampled_from(["", "0", "00"])) + str(reorder)
    updated_at, updated_text = NOW, ""
    if "updated_at" in columns and draw(st.booleans()):
        updated_at, updated_text = draw(updated_ats())
    texts: dict[Column, str] = {
        "sku": sku,
        "warehouse": warehouse,
        "name": name,
        "quantity": draw(st.sampled_from(["", "0"])) + str(quantity),
        "unit_price": price_text,
        "category": category_text,
        "reorder_level": reorder_text,
        "updated_at": updated_text,
    }
    cells = [draw(UNKNOWN_VALUES) if c is None else texts[c] for c in columns]
    item = InventoryItem(sku, warehouse, name, quantity, price, category, reorder, updated_at)
    return RecordSpec(cells=cells, item=item)


@st.composite
def valid_files(draw: st.DrawFn, max_records: int = 12) -> FileSpec:
    """A header and valid records with distinct keys."""
    header, columns = draw(headers())
    records = draw(
        st.lists(
            items_for(columns),
            max_size=max_records,
            unique_by=lambda spec: spec.item.key if spec.item else None,
        )
    )
    return FileSpec(header=header, columns=columns, records=records)


@dataclass(frozen=True)
class Rendered:
    """A written file and where each record landed (row and byte offset, by counting)."""

    data: bytes
    rows: list[int]
    offsets: list[int]
    header_row: int

    def stream(self) -> io.BytesIO:
        return io.BytesIO(self.data)


_NEEDS_QUOTES = (",", '"', "\r", "\n")


@st.composite
def renders(draw: st.DrawFn, spec: FileSpec) -> Rendered:
    """Write ``spec`` with random quoting, padding, BOM, CRLF/LF and blank lines."""
    out = bytearray()
    if draw(st.booleans()):
        out += b"\xef\xbb\xbf"
    line_ends = draw(st.sampled_from(["\n", "\r\n", "mixed"]))

    def end() -> str:
        if line_ends == "mixed":
            return draw(st.sampled_from(["\n", "\r\n"]))
        return line_ends

    def cell(value: str) -> str:
        quoted = any(mark in value for mark in _NEEDS_QUOTES) or draw(st.booleans())
        if not quoted:
            return draw(PADDING) + value + draw(PADDING)
        inner = draw(PADDING) + value + draw(PADDING)
        return draw(PADDING) + '"' + inner.replace('"', '""') + '"' + draw(PADDING)

    def blank_lines() -> None:
        for blank in draw(st.lists(BLANK_LINES, max_size=2)):
            out.extend((blank + end()).encode())

    blank_lines()
    header_row = 1 + out.count(b"\n")
    out.extend((",".join(cell(name) for name in spec.header) + end()).encode())
    rows, offsets = [], []
    for index, record in enumerate(spec.records):
        blank_lines()
        rows.append(1 + out.count(b"\n"))
        offsets.append(len(out))
        last = index == len(spec.records) - 1
        terminator = "" if last and draw(st.booleans()) else end()
        line = ",".join(cell(value) for value in record.cells) + terminator
        out.extend(line.encode("utf-8", "surrogateescape"))
    return Rendered(bytes(out), rows, offsets, header_row)


# Corruptions: each makes one record invalid in one known way.
BAD_VALUES: dict[Column, list[str]] = {
    "sku": ["a b", "x" * 65, "é", "a/b"],
    "warehouse": ["w w", "y" * 65, "ß"],
    "name": ["n" * 201, "bell\x07", "tab\tinside"],
    "quantity": ["12a", "-1", "1000000001", "1.5", "١٢"],
    "unit_price": ["1.23456", "abc", "1000000000.01", "-3", "1e3", ".5"],
    "category": ["c" * 65],
    "reorder_level": ["-1", "x", "1000000001"],
    "updated_at": [
        "2025-02-30",
        "2025-13-01T00:00",
        "yesterday",
        "2026-11-24T12:06Z",
        "2026-11-24 13:00+00:30",
        "2025-01-01T10",
        "20250101",
        "2025-01-01T10:00:00.1234567",
    ],
}


@st.composite
def corrupted_files(draw: st.DrawFn, *, duplicates: bool = True) -> FileSpec:
    """A valid file with some records made invalid, each with the errors it must give
    (``duplicates``: some records repeat an earlier valid record's key)."""
    spec = draw(valid_files(max_records=10))
    kinds = ["none", "none", "values", "count", "encoding"] + (["dup"] if duplicates else [])
    records = [replace(record, cells=list(record.cells)) for record in spec.records]
    positions = {column: i for i, column in enumerate(spec.columns) if column is not None}
    for index, record in enumerate(records):
        kind = draw(st.sampled_from(kinds))
        if kind == "values":
            columns = draw(
                st.lists(st.sampled_from(sorted(positions)), min_size=1, max_size=2, unique=True)
            )
            for column in columns:
                if column in REQUIRED and draw(st.booleans()):
                    record.cells[positions[column]] = draw(PADDING)
                    record.errors.append((column, "missing_value"))
                else:
                    record.cells[positions[column]] = draw(st.sampled_from(BAD_VALUES[column]))
                    record.errors.append((column, "invalid_value"))
            record.errors.sort(key=lambda error: positions[error[0]])  # type: ignore[index]
            record.item = None
        elif kind == "count":
            if draw(st.booleans()):
                record.cells.append(draw(st.sampled_from(["x", ""])))
            else:
                record.cells.pop(draw(st.integers(0, len(record.cells) - 1)))
            record.errors = [(None, "wrong_field_count")]
            record.item = None
        elif kind == "encoding":
            target = draw(st.integers(0, len(record.cells) - 1))
            record.cells[target] += draw(st.sampled_from(["\udcff", "\udcc3", "\udce2\udc82"]))
            record.errors = [(None, "invalid_encoding")]
            record.item = None
        elif kind == "dup":
            claimers = [i for i, other in enumerate(records[:index]) if other.item is not None]
            if not claimers:
                continue
            claimer = draw(st.sampled_from(claimers))
            claimed = records[claimer].item
            assert claimed is not None
            record.cells[positions["sku"]] = claimed.sku
            record.cells[positions["warehouse"]] = claimed.warehouse
            record.duplicate_of = claimer
            if draw(st.booleans()):  # a field error as well: both are reported
                bad: Column = draw(st.sampled_from(["quantity", "unit_price", "name"]))
                record.cells[positions[bad]] = draw(st.sampled_from(BAD_VALUES[bad]))
                record.errors.append((bad, "invalid_value"))
            record.errors.append((None, "duplicate_key"))
            record.item = None
    return FileSpec(header=spec.header, columns=spec.columns, records=records)
