"""Every column rule at its boundary, on every route: a plain line (the fast path), the same
record forced onto the exact route (a quoted line break in an ignored column makes it a
record of two lines), and a validation (which proves values without converting them).

The limits are written here as the README states them, not read from the code, so changing
a limit in one place only fails these tests.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from tap_core.inventory import RowError, ValidRow, parse_inventory, validate_inventory

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
HEADER = "sku,warehouse,name,quantity,unit_price,category,reorder_level,updated_at,notes"
RECORD = {
    "sku": "A-1",
    "warehouse": "W1",
    "name": "Hammer",
    "quantity": "3",
    "unit_price": "1.5",
    "category": "tools",
    "reorder_level": "2",
    "updated_at": "2026-01-01",
}
ROUTES = {"plain": "note", "exact": '"two\nlines"'}

VALID = [
    ("sku", "x" * 64, "x" * 64),
    ("sku", "aZ09._-", "aZ09._-"),
    ("warehouse", "w" * 64, "w" * 64),
    ("name", "n" * 200, "n" * 200),
    ("name", "a\u00a0b", "a\u00a0b"),  # a no-break space is no control character
    ("name", '5" nail', '5" nail'),
    ("quantity", "1000000000", 1_000_000_000),
    ("quantity", "0", 0),
    ("unit_price", "1000000000", Decimal(1_000_000_000)),
    ("unit_price", "1000000000.0000", Decimal(1_000_000_000)),
    ("unit_price", "999999999.9999", Decimal("999999999.9999")),
    ("unit_price", "0.0001", Decimal("0.0001")),
    ("category", "c" * 64, "c" * 64),
    ("category", "", "uncategorized"),
    ("reorder_level", "1000000000", 1_000_000_000),
    ("reorder_level", "", 0),
    ("updated_at", "2026-11-24T12:05:00Z", datetime(2026, 11, 24, 12, 5, tzinfo=UTC)),
    ("updated_at", "2026-11-24T13:05+01:00", datetime(2026, 11, 24, 12, 5, tzinfo=UTC)),
]
INVALID = [
    ("sku", "x" * 65),
    ("sku", "a b"),
    ("sku", "é"),
    ("warehouse", "w" * 65),
    ("name", "n" * 201),
    ("name", "a\x7fb"),
    ("name", "a\x9fb"),
    ("quantity", "1000000001"),
    ("quantity", "1.0"),
    ("unit_price", "1000000000.0001"),
    ("unit_price", "1000000001"),
    ("unit_price", "1.23456"),
    ("category", "c" * 65),
    ("reorder_level", "1000000001"),
    ("updated_at", "2026-11-24T12:05:00.000001Z"),
    ("updated_at", "2026-11-24T13:06+01:00"),
]


def _data(column: str, text: str, route: str) -> bytes:
    record = RECORD | {column: text}
    cells = [f'"{v}"' if "," in v else v for v in record.values()]
    return f"{HEADER}\n{','.join(cells)},{ROUTES[route]}\n".encode()


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(("column", "text", "value"), VALID)
def test_a_value_at_its_limit_is_accepted_on_every_route(
    column: str, text: str, value: object, route: str
) -> None:
    # Given a record whose one value is at its column's limit
    data = _data(column, text, route)
    # When it is parsed and validated
    events = list(parse_inventory(io.BytesIO(data), NOW))
    report = validate_inventory(io.BytesIO(data), NOW)
    # Then it is valid with that value
    assert [type(event) for event in events] == [ValidRow]
    assert isinstance(events[0], ValidRow)
    assert getattr(events[0].item, column) == value
    assert (report.rows_valid, report.rows_invalid) == (1, 0)


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(("column", "text"), INVALID)
def test_a_value_past_its_limit_is_invalid_on_every_route(
    column: str, text: str, route: str
) -> None:
    # Given a record whose one value is just past its column's limit
    data = _data(column, text, route)
    # When it is parsed and validated
    events = list(parse_inventory(io.BytesIO(data), NOW))
    report = validate_inventory(io.BytesIO(data), NOW)
    # Then it has one invalid_value error, on that column
    assert [(e.row, e.field, e.code) for e in events if isinstance(e, RowError)] == [
        (2, column, "invalid_value")
    ]
    assert len(events) == 1
    assert (report.rows_valid, report.rows_invalid) == (0, 1)
