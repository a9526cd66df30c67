"""The inventory core: the CSV contract, import decisions and the daily summary.

Pure: streams and times are passed in; nothing here opens files or reads the clock.
"""

from tap_core.inventory.item import InventoryItem, format_money
from tap_core.inventory.summary import (
    LOW_STOCK_MAX,
    InventorySummary,
    LowStockItem,
    Money,
    Totals,
    summarize,
)

__all__ = [
    "LOW_STOCK_MAX",
    "InventoryItem",
    "InventorySummary",
    "LowStockItem",
    "Money",
    "Totals",
    "format_money",
    "summarize",
]
