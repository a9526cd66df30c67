"""summarize: one pass, exact money, the bounded low-stock list, against a naive recomputation."""

from __future__ import annotations

import decimal
import json
import tracemalloc
from dataclasses import dataclass, field, replace
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tap_core.inventory import InventoryItem, InventorySummary, format_money, summarize
from tap_core.inventory.summary import LOW_STOCK_MAX
from tests.unit.inventory.stock_strategies import NOW, WIDE_ITEMS, items

if TYPE_CHECKING:
    from collections.abc import Iterator

ITEM_LISTS = st.lists(items(), max_size=40) | st.lists(WIDE_ITEMS, max_size=15)
CROWDED_BYTES_PER_ITEM = 3


def crowded_item(chunk: bytes) -> InventoryItem:
    """An item from 3 bytes: one of 81 SKUs, quantity 0..3, reorder level 0..4, a small price."""
    sku, counts, price = chunk
    quantity, level = counts % 4, (counts // 4) % 5
    return InventoryItem(
        sku=f"S{sku % 81:02d}",
        warehouse=("north", "south")[price % 2],
        name="crowded",
        quantity=quantity,
        unit_price=Decimal(price).scaleb(-(counts % 3)),
        category=("tools", "paint", "glue")[level % 3],
        reorder_level=level,
        updated_at=NOW,
    )


# Enough low-stock items (55 to 100 items) to pass the cap of 50, with many equal shortfalls.
# Built from one byte string (3 bytes an item) rather than 8 draws an item: 60x cheaper to
# generate, and bytes still shrink towards simple items.
CROWDED_LISTS = st.binary(
    min_size=55 * CROWDED_BYTES_PER_ITEM, max_size=100 * CROWDED_BYTES_PER_ITEM
).map(
    lambda data: [
        crowded_item(data[start : start + CROWDED_BYTES_PER_ITEM])
        for start in range(0, len(data) - CROWDED_BYTES_PER_ITEM + 1, CROWDED_BYTES_PER_ITEM)
    ]
)


# --- the naive oracle: everything in memory, sorted, summed with ints and Fractions ---


@dataclass
class NaiveTotals:
    items: int = 0
    units: int = 0
    value: Fraction = field(default_factory=Fraction)


def naive_totals(stock: list[InventoryItem]) -> NaiveTotals:
    return NaiveTotals(
        items=len(stock),
        units=sum(item.quantity for item in stock),
        value=sum((Fraction(item.unit_price) * item.quantity for item in stock), Fraction()),
    )


def naive_groups(stock: list[InventoryItem], attribute: str) -> dict[str, NaiveTotals]:
    names = sorted({getattr(item, attribute) for item in stock})
    return {
        name: naive_totals([item for item in stock if getattr(item, attribute) == name])
        for name in names
    }


def naive_low_stock(stock: list[InventoryItem]) -> list[tuple[str, str, int, int, int]]:
    low = [item for item in stock if item.reorder_level > 0 and item.quantity <= item.reorder_level]
    # sorted() is stable: among equal (shortfall, sku, warehouse), input order stays.
    low = sorted(
        low, key=lambda item: (item.quantity - item.reorder_level, item.sku, item.warehouse)
    )
    return [
        (i.sku, i.warehouse, i.quantity, i.reorder_level, i.reorder_level - i.quantity) for i in low
    ]


def as_fraction_totals(summary_totals: object) -> NaiveTotals:
    items_, units, value = (getattr(summary_totals, name) for name in ("items", "units", "value"))
    return NaiveTotals(items=items_, units=units, value=Fraction(value))


# --- properties ---


@given(stock=ITEM_LISTS | CROWDED_LISTS)
def test_summary_equals_the_naive_recomputation(stock: list[InventoryItem]) -> None:
    """Every figure of summarize(items) equals the one recomputed naively from the whole list."""
    # Given a list of items
    # When it is summarised from a one-shot iterator
    summary = summarize(iter(stock), "2026-11-24")
    # Then every count, sum and group matches the naive recomputation exactly
    expected = naive_totals(stock)
    assert summary.as_of == "2026-11-24"
    assert (summary.items, summary.units, Fraction(summary.value)) == (
        expected.items,
        expected.units,
        expected.value,
    )
    assert summary.out_of_stock == sum(1 for item in stock if item.quantity == 0)
    low = naive_low_stock(stock)
    assert summary.low_stock_total == len(low)
    assert [
        (e.sku, e.warehouse, e.quantity, e.reorder_level, e.shortfall) for e in summary.low_stock
    ] == low[:LOW_STOCK_MAX]
    for name, attribute in (("by_category", "category"), ("by_warehouse", "warehouse")):
        groups = getattr(summary, name)
        assert list(groups) == sorted(groups)
        assert {key: as_fraction_totals(value) for key, value in groups.items()} == naive_groups(
            stock, attribute
        )


@given(stock=ITEM_LISTS)
def test_json_report_round_trips_with_money_as_plain_strings(stock: list[InventoryItem]) -> None:
    """The JSON report holds money as exponent-free strings and parses back to the same summary."""
    # Given a summary
    summary = summarize(stock, "2026-11-24T00:00:00Z")
    # When it is written as JSON
    text = summary.model_dump_json()
    document = json.loads(text)
    # Then every amount is a plain decimal string with the exact value
    amounts = [document["value"]]
    for group in ("by_category", "by_warehouse"):
        amounts += [totals["value"] for totals in document[group].values()]
    for amount in amounts:
        assert isinstance(amount, str)
        assert "e" not in amount.lower()
    assert Decimal(document["value"]) == summary.value
    # And the report parses back to an equal summary
    assert InventorySummary.model_validate_json(text) == summary


@given(stock=st.lists(items(), max_size=40) | CROWDED_LISTS)
def test_summary_does_not_depend_on_input_order_when_keys_are_distinct(
    stock: list[InventoryItem],
) -> None:
    """For distinct keys (as a store streams them), reversing the input changes no figure."""
    # Given items with distinct (sku, warehouse) keys
    distinct = list({item.key: item for item in stock}.values())
    # When summarised forwards and backwards
    # Then the summaries are equal
    assert summarize(distinct, "d") == summarize(reversed(distinct), "d")


# --- examples ---


def _item(
    sku: str = "A",
    warehouse: str = "w",
    *,
    quantity: int = 1,
    unit_price: str = "1",
    category: str = "c",
    reorder_level: int = 0,
) -> InventoryItem:
    return InventoryItem(
        sku=sku,
        warehouse=warehouse,
        name="thing",
        quantity=quantity,
        unit_price=Decimal(unit_price),
        category=category,
        reorder_level=reorder_level,
        updated_at=NOW,
    )


def test_empty_input_gives_a_zero_summary() -> None:
    summary = summarize([], "2026-11-24")
    assert summary == InventorySummary(
        as_of="2026-11-24",
        items=0,
        units=0,
        value=Decimal(0),
        out_of_stock=0,
        low_stock=[],
        low_stock_total=0,
        by_category={},
        by_warehouse={},
    )
    assert json.loads(summary.model_dump_json())["value"] == "0.00"


def test_tenths_sum_exactly() -> None:
    """0.1 three times is 0.3, not 0.30000000000000004."""
    stock = [_item(sku, unit_price="0.1") for sku in ("A", "B", "C")]
    summary = summarize(stock, "d")
    assert summary.value == Decimal("0.3")
    assert json.loads(summary.model_dump_json())["value"] == "0.30"


def test_largest_amounts_sum_exactly() -> None:
    """10^9 units at 999999999.9999 each, many times over, keeps every digit."""
    stock = [
        _item(f"S{n}", quantity=10**9, unit_price="999999999.9999", category="big")
        for n in range(1000)
    ]
    summary = summarize(stock, "d")
    ten_thousandths = 1000 * 10**9 * 9_999_999_999_999  # in integers: no rounding anywhere
    expected = f"{ten_thousandths // 10**4}.{ten_thousandths % 10**4:04d}"
    assert format(summary.value, "f") == expected
    document = json.loads(summary.model_dump_json())
    assert document["value"] == expected
    assert document["by_category"]["big"] == {
        "items": 1000,
        "units": 10**12,
        "value": expected,
    }


def test_money_is_never_printed_with_an_exponent() -> None:
    summary = summarize([_item(unit_price="1E+3", quantity=2)], "d")
    assert json.loads(summary.model_dump_json())["value"] == "2000.00"


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        ("1000", "1000.00"),
        ("1E+3", "1000.00"),
        ("37.5", "37.50"),
        ("37.50", "37.50"),
        ("0.0525", "0.0525"),
        ("0", "0.00"),
        ("999999999.9999", "999999999.9999"),
    ],
)
def test_money_has_at_least_two_decimal_places_and_every_digit(amount: str, text: str) -> None:
    assert format_money(Decimal(amount)) == text


def test_a_sum_that_would_round_raises_instead() -> None:
    """Amounts beyond the contract that do not fit the precision raise, never round silently."""
    huge = "1" + "0" * 60 + "." + "0" * 59 + "1"  # 121 significant digits
    with pytest.raises((decimal.Inexact, decimal.Rounded)):
        summarize([_item(unit_price=huge)], "d")


def test_low_stock_order_shortfall_then_sku_then_warehouse() -> None:
    stock = [
        _item("B", "w1", quantity=1, reorder_level=3),  # shortfall 2
        _item("A", "w2", quantity=0, reorder_level=2),  # shortfall 2
        _item("A", "w1", quantity=2, reorder_level=4),  # shortfall 2
        _item("C", "w1", quantity=0, reorder_level=9),  # shortfall 9
        _item("D", "w1", quantity=5, reorder_level=5),  # shortfall 0: still low stock
        _item("E", "w1", quantity=6, reorder_level=5),  # above the level
        _item("F", "w1", quantity=0, reorder_level=0),  # a level of 0 never triggers
    ]
    summary = summarize(stock, "d")
    assert [(e.sku, e.warehouse, e.shortfall) for e in summary.low_stock] == [
        ("C", "w1", 9),
        ("A", "w1", 2),
        ("A", "w2", 2),
        ("B", "w1", 2),
        ("D", "w1", 0),
    ]
    assert summary.low_stock_total == 5
    assert summary.out_of_stock == 3


def test_low_stock_lists_the_50_most_urgent_of_many() -> None:
    # 120 low-stock items, shortfalls 0..119, given least urgent first
    stock = [_item(f"S{n:03d}", quantity=0, reorder_level=n + 1) for n in range(120)]
    summary = summarize(stock, "d")
    assert summary.low_stock_total == 120
    assert [e.shortfall for e in summary.low_stock] == list(range(120, 70, -1))
    assert summary.low_stock[0].sku == "S119"


def _generated(count: int) -> Iterator[InventoryItem]:
    base = _item(unit_price="12.3456", quantity=7, reorder_level=9)
    for n in range(count):
        yield replace(base, sku=f"S{n}", warehouse=f"w{n % 5}", category=f"c{n % 7}")


def test_memory_stays_bounded_over_a_long_stream() -> None:
    """Summarising 20,000 generated items holds only groups and the 50 kept, not the items."""
    tracemalloc.start()
    try:
        summary = summarize(_generated(20_000), "d")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert summary.items == 20_000
    assert summary.low_stock_total == 20_000
    assert len(summary.low_stock) == LOW_STOCK_MAX
    # 20,000 items held at once would take several MB.
    assert peak < 500_000
