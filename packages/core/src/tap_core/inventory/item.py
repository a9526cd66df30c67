"""An inventory item: one SKU in one warehouse, as a valid CSV row describes it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import datetime
    from decimal import Decimal


@dataclass(frozen=True, slots=True)
class InventoryItem:
    """One valid row. Its key is (``sku``, ``warehouse``), compared exactly (case matters).

    ``unit_price`` is an exact ``Decimal`` (never a float); ``updated_at`` is an aware UTC
    datetime (the upload time when the row gave none).
    """

    sku: str
    warehouse: str
    name: str
    quantity: int
    unit_price: Decimal
    category: str
    reorder_level: int
    updated_at: datetime

    @property
    def key(self) -> tuple[str, str]:
        """(``sku``, ``warehouse``): what identifies the item in the store."""
        return (self.sku, self.warehouse)


def format_money(amount: Decimal) -> str:
    """``amount`` as plain decimal text with at least two decimal places and every digit it
    has: never in exponent form, never rounded (``1E+3`` prints ``1000.00``, ``37.5`` prints
    ``37.50``, ``0.0525`` stays ``0.0525``). The one way tap writes money, printed or in JSON."""
    whole, _, fraction = format(amount, "f").partition(".")
    return f"{whole}.{fraction.ljust(2, '0')}"
