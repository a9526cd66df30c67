"""The inventory core: the CSV contract, import decisions and the daily summary.

Pure: streams and times are passed in; nothing here opens files or reads the clock.
"""

from tap_core.inventory.item import InventoryItem, format_money

__all__ = ["InventoryItem", "format_money"]
