"""Capacity estimates follow AWS's published sizing examples."""

from __future__ import annotations

from tap_tools.capacity import (
    PAGE_BYTES,
    item_size,
    query_pages,
    query_read_units,
    read_units,
    write_units,
)


def test_sizes_of_strings_and_numbers() -> None:
    # "pk" (2) + "é" (2 bytes), "n" (1) + 12345 (3 significant bytes + 1)
    assert item_size({"pk": {"S": "é"}, "n": {"N": "12345"}}) == 2 + 2 + 1 + 4
    assert item_size({"n": {"N": "0.0500"}}) == 1 + 2
    assert item_size({"m": {"M": {"a": {"S": "xy"}}}}) == 1 + 3 + 1 + 1 + 2


def test_units_round_up_per_item() -> None:
    assert write_units(1) == 1
    assert write_units(1025) == 2
    assert write_units(1025, transactional=True) == 4
    assert read_units(100) == 0.5
    assert read_units(100, consistent=True) == 1.0
    assert read_units(4097, consistent=True) == 2.0
    assert read_units(10, transactional=True) == 2.0


def test_a_query_rounds_its_summed_size_once_and_pages_by_the_megabyte() -> None:
    # 100 items of 100 bytes: 10,000 bytes, 3 started 4 KB blocks (per item it would be 100)
    assert query_read_units([100] * 100, consistent=True) == 3.0
    assert query_read_units([100] * 100) == 1.5
    assert query_read_units([], consistent=True) == 1.0
    assert query_pages(0) == 1
    assert query_pages(PAGE_BYTES) == 1
    assert query_pages(PAGE_BYTES + 1) == 2
