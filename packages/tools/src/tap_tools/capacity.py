"""DynamoDB capacity units estimated from item sizes, by AWS's published rules.

moto's ``ConsumedCapacity`` is a placeholder, so benchmarks estimate instead:

- an item's size is the sum of its attribute names' and values' sizes: a string's UTF-8
  length, a number's ``1 + ceil(significant digits / 2)`` bytes (AWS: "up to 21 bytes"),
  a boolean or null 1 byte, lists and maps 3 bytes plus their elements (`item_size`);
- a write costs 1 WCU per started KB of the item (the larger of the old and new item for an
  overwrite), 2x in a transaction (`write_units`);
- a read costs 1 RCU per started 4 KB strongly consistent, half eventually consistent, 2x in
  a transaction; every item of a GetItem or BatchGetItem is rounded on its own, a key not found
  costing the minimum (`read_units`), while a Query or Scan rounds the summed size of the
  items it reads (those it only counts, ``Select=COUNT``, included) once (`query_read_units`)
  and reads at most `PAGE_BYTES` per request.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from collections.abc import Iterable

KB: Final = 1024
PAGE_BYTES: Final = 1024 * KB
"""A Query or Scan (a COUNT too) reads at most 1 MB per request; more takes further pages."""


def _number_size(text: str) -> int:
    digits = text.lstrip("-").replace(".", "").lstrip("0").rstrip("0") or "0"
    return 1 + math.ceil(len(digits) / 2)


def value_size(value: dict[str, Any]) -> int:
    """The size of one DynamoDB attribute value (``{"S": ...}``, ``{"N": ...}``, ...)."""
    [(kind, inner)] = value.items()
    if kind == "S":
        return len(str(inner).encode("utf-8"))
    if kind == "N":
        return _number_size(str(inner))
    if kind == "B":
        return len(inner)
    if kind in {"BOOL", "NULL"}:
        return 1
    if kind == "L":
        return 3 + sum(1 + value_size(element) for element in inner)
    if kind == "M":
        return 3 + sum(
            len(name.encode("utf-8")) + 1 + value_size(element) for name, element in inner.items()
        )
    if kind in {"SS", "NS", "BS"}:
        return sum(value_size({kind[0]: element}) for element in inner)
    raise ValueError(f"unknown DynamoDB attribute type {kind!r}")


def item_size(item: dict[str, Any]) -> int:
    """An item's size in bytes by AWS's rules: names plus values."""
    return sum(len(name.encode("utf-8")) + value_size(value) for name, value in item.items())


def write_units(size: int, *, transactional: bool = False) -> int:
    """WCUs of writing an item of ``size`` bytes."""
    units = max(1, math.ceil(size / KB))
    return 2 * units if transactional else units


def read_units(size: int, *, consistent: bool = False, transactional: bool = False) -> float:
    """RCUs of reading an item of ``size`` bytes (a missing item counts as the smallest read)."""
    units = max(1, math.ceil(size / (4 * KB)))
    if transactional:
        return 2.0 * units
    return float(units) if consistent else units / 2


def query_read_units(sizes: Iterable[int], *, consistent: bool = False) -> float:
    """RCUs of a Query or Scan page that read items of ``sizes`` bytes (rounded once)."""
    return read_units(sum(sizes), consistent=consistent)


def query_pages(size: int) -> int:
    """Requests a Query (or COUNT) reading ``size`` bytes takes: one per started 1 MB."""
    return max(1, math.ceil(size / PAGE_BYTES))
