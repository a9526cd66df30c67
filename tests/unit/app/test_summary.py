"""``tap_core.app.summary``: the daily summary, kept as the day's report and archive item."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from tap_core.app.ports import LATEST, SummaryDependencies
from tap_core.app.summary import write_summary
from tap_core.inventory import InventoryItem, InventorySummary
from tap_core.memory import InMemoryInventoryStore, InMemoryReports

MOMENT = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)


def item(sku: str, warehouse: str, quantity: int, reorder: int = 5) -> InventoryItem:
    return InventoryItem(
        sku=sku,
        warehouse=warehouse,
        name=sku,
        quantity=quantity,
        unit_price=Decimal("2.50"),
        category="tools",
        reorder_level=reorder,
        updated_at=MOMENT - timedelta(days=1),
    )


def test_the_summary_is_kept_for_the_moments_date_twice_and_a_rerun_rewrites_it() -> None:
    # Given a store of three items, one out of stock and one low
    store, reports = InMemoryInventoryStore(), InMemoryReports()
    items = [item("A", "n", 0), item("B", "n", 3), item("C", "s", 40)]
    store.apply(items, MOMENT - timedelta(hours=1))
    # When the summary is written twice for the same moment
    first = write_summary(SummaryDependencies(store, reports), MOMENT)
    again = write_summary(SummaryDependencies(store, reports), MOMENT)
    # Then it counts every item (a naive count of the store) and keeps one copy per day
    summary = first.summary
    assert summary.items == len(items)
    assert summary.units == sum(i.quantity for i in items)
    assert (summary.out_of_stock, summary.low_stock_total) == (1, 2)
    assert again == first
    day = date(2026, 12, 1)
    assert store.summary(day) == summary
    assert store.summary(None) == summary
    assert reports.summary(day) == reports.summary(LATEST) == summary.model_dump_json()
    assert InventorySummary.model_validate_json(reports.summary(day) or "") == summary
    assert sorted(reports.bodies) == ["2026-12-01", LATEST]


def test_a_naive_moment_is_refused_before_anything_is_written() -> None:
    store, reports = InMemoryInventoryStore(), InMemoryReports()
    with pytest.raises(ValueError, match="timezone-aware"):
        write_summary(SummaryDependencies(store, reports), MOMENT.replace(tzinfo=None))
    assert reports.bodies == {}
    assert store.summary(None) is None
