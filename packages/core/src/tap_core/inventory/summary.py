"""The daily inventory summary: one streaming pass over the stock, exact money, bounded memory.

`summarize` reads any iterable of `InventoryItem` once. It keeps a running total per
category and per warehouse and the 50 most urgent low-stock items in a bounded heap, so its
memory is O(categories + warehouses + 50) whatever the number of items.

Money is summed exactly: every multiplication and addition runs in `money_context`, which
traps ``Inexact`` and ``Rounded``, so a sum that would need rounding raises
``decimal.Inexact`` instead of drifting silently.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from decimal import (
    Clamped,
    Context,
    Decimal,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
    Rounded,
    Subnormal,
    Underflow,
)
from typing import TYPE_CHECKING, Annotated, Final

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from tap_core.inventory.item import format_money

if TYPE_CHECKING:
    from collections.abc import Iterable

    from tap_core.inventory.item import InventoryItem

LOW_STOCK_MAX: Final = 50
"""How many low-stock items a summary lists (the most urgent first); the rest are counted."""

MONEY_PRECISION: Final = 100
"""Significant digits of every money sum.

A valid row's value is at most 10^9 units x 10^9 with 4 decimal places: 23 digits. A sum of up
to 10^20 such rows needs fewer than 45, so 100 leaves room for items built outside the CSV
contract; whatever still does not fit raises instead of rounding.
"""


def money_context() -> Context:
    """A fresh decimal context for money sums: `MONEY_PRECISION` digits, and every
    condition that could lose a digit (``Inexact``, ``Rounded``, overflow, ...) raises.

    Fresh per pass, so no thread shares its flags and no caller's context is changed.
    """
    return Context(
        prec=MONEY_PRECISION,
        traps=[
            Inexact,
            Rounded,
            InvalidOperation,
            Overflow,
            Underflow,
            Subnormal,
            Clamped,
            DivisionByZero,
        ],
    )


Money = Annotated[Decimal, PlainSerializer(format_money, return_type=str, when_used="json")]
"""An exact amount; JSON carries it as a string without exponent (``"1000.50"``)."""

_ZERO: Final = Decimal(0)


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Totals(_Model):
    """The stock of one category or one warehouse."""

    items: int = Field(ge=0, description="SKU-warehouse pairs")
    units: int = Field(ge=0, description="sum of quantity")
    value: Money = Field(description="sum of quantity x unit_price, exact")


class LowStockItem(_Model):
    """An item at or below its reorder level (a reorder level of 0 never triggers)."""

    sku: str
    warehouse: str
    name: str
    category: str
    quantity: int
    reorder_level: int
    shortfall: int = Field(description="reorder_level - quantity: how far below the level")


class InventorySummary(_Model):
    """The stock at one moment; ``model_dump_json()`` is the daily report.

    ``low_stock`` lists the first `LOW_STOCK_MAX` low-stock items, largest shortfall
    first, then by ``sku`` and ``warehouse``; ``low_stock_total`` counts them all.
    ``by_category`` and ``by_warehouse`` are keyed by name, in name order.
    """

    as_of: str
    items: int = Field(ge=0, description="SKU-warehouse pairs")
    units: int = Field(ge=0)
    value: Money
    out_of_stock: int = Field(ge=0, description="items with quantity 0")
    low_stock: list[LowStockItem]
    low_stock_total: int = Field(ge=0)
    by_category: dict[str, Totals]
    by_warehouse: dict[str, Totals]


@dataclass(slots=True)
class _Running:
    """Running totals of one group while the pass goes on."""

    items: int = 0
    units: int = 0
    value: Decimal = _ZERO

    def totals(self) -> Totals:
        return Totals(items=self.items, units=self.units, value=self.value)


@dataclass(frozen=True, slots=True)
class _Urgent:
    """A low-stock item in the bounded heap, ordered so the heap's root is the least urgent.

    ``rank`` is (-shortfall, sku, warehouse, arrival): smaller is more urgent; ``arrival``
    keeps the order total (and stable) when the same key comes twice.
    """

    rank: tuple[int, str, str, int]
    item: InventoryItem

    def __lt__(self, other: _Urgent) -> bool:
        # Inverted: heapq keeps its smallest element at the root, and the root must be the
        # entry to evict first, the least urgent one.
        return self.rank > other.rank


def summarize(items: Iterable[InventoryItem], as_of: str) -> InventorySummary:
    """Summarise ``items`` (each one SKU in one warehouse, as a store holds them) in one pass.

    ``as_of`` is a label for the report (a date or an instant), taken as given. Raises
    ``decimal.Inexact`` or ``decimal.Rounded`` if a money sum would need rounding, which no
    item of the CSV contract can cause.
    """
    context = money_context()
    multiply = context.multiply
    add = context.add
    total = _Running()
    categories: dict[str, _Running] = {}
    warehouses: dict[str, _Running] = {}
    urgent: list[_Urgent] = []
    out_of_stock = 0
    low_stock_total = 0
    arrival = 0

    for item in items:
        quantity = item.quantity
        value = multiply(item.unit_price, quantity)
        category = categories.get(item.category)
        if category is None:
            category = categories[item.category] = _Running()
        warehouse = warehouses.get(item.warehouse)
        if warehouse is None:
            warehouse = warehouses[item.warehouse] = _Running()
        for running in (total, category, warehouse):
            running.items += 1
            running.units += quantity
            running.value = add(running.value, value)
        if quantity == 0:
            out_of_stock += 1
        reorder_level = item.reorder_level
        if reorder_level > 0 and quantity <= reorder_level:
            low_stock_total += 1
            arrival += 1
            rank = (quantity - reorder_level, item.sku, item.warehouse, arrival)
            if len(urgent) < LOW_STOCK_MAX:
                heapq.heappush(urgent, _Urgent(rank, item))
            elif rank < urgent[0].rank:
                heapq.heapreplace(urgent, _Urgent(rank, item))

    return InventorySummary(
        as_of=as_of,
        items=total.items,
        units=total.units,
        value=total.value,
        out_of_stock=out_of_stock,
        low_stock=[_low_stock_item(entry.item) for entry in sorted(urgent, key=_rank)],
        low_stock_total=low_stock_total,
        by_category={name: categories[name].totals() for name in sorted(categories)},
        by_warehouse={name: warehouses[name].totals() for name in sorted(warehouses)},
    )


def _rank(entry: _Urgent) -> tuple[int, str, str, int]:
    return entry.rank


def _low_stock_item(item: InventoryItem) -> LowStockItem:
    return LowStockItem(
        sku=item.sku,
        warehouse=item.warehouse,
        name=item.name,
        category=item.category,
        quantity=item.quantity,
        reorder_level=item.reorder_level,
        shortfall=item.reorder_level - item.quantity,
    )
