"""Capacity estimates follow AWS's published sizing examples."""

from __future__ import annotations

from tap_aws.capacity import item_size, read_units, write_units


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
