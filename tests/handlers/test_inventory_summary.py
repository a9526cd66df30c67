"""``inventory_summary``: the scheduled summary stored under its date, with its metrics."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest

from tap_aws.functions import inventory_summary
from tap_aws.functions.bootstrap import SummaryDependencies
from tap_core.inventory import InventoryItem
from tap_core.memory import InMemoryInventoryStore, InMemoryReports
from tests.handlers.conftest import NOW, FakeContext, emitted_metrics, load_event

if TYPE_CHECKING:
    from collections.abc import Iterator


def item(sku: str, quantity: int, price: str, reorder_level: int) -> InventoryItem:
    return InventoryItem(
        sku=sku,
        warehouse="WH-1",
        name=f"item {sku}",
        quantity=quantity,
        unit_price=Decimal(price),
        category="tools",
        reorder_level=reorder_level,
        updated_at=NOW,
    )


@pytest.fixture
def reports() -> InMemoryReports:
    return InMemoryReports()


@pytest.fixture
def store() -> InMemoryInventoryStore:
    return InMemoryInventoryStore()


@pytest.fixture(autouse=True)
def wired(reports: InMemoryReports, store: InMemoryInventoryStore) -> Iterator[None]:
    result = store.apply(
        [item("A", 0, "2.50", 5), item("B", 3, "1.25", 5), item("C", 100, "0.10", 5)],
        uploaded_at=NOW,
    )
    assert result.applied == 3
    inventory_summary.root.use(SummaryDependencies(store, reports))
    yield
    inventory_summary.root.reset()


def test_the_summary_is_stored_under_the_schedules_date(
    reports: InMemoryReports,
    store: InMemoryInventoryStore,
    context: FakeContext,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given 3 items, one out of stock and two at or below their reorder level
    # When the scheduled event of 2026-12-01T00:05Z arrives
    response = inventory_summary.lambda_handler(load_event("scheduled_summary.json"), context)
    # Then the day's summary is stored, and is the latest
    assert response == {"key": "2026-12-01", "items": 3}
    stored = json.loads(reports.bodies["2026-12-01"])
    assert reports.bodies["latest"] == reports.bodies["2026-12-01"]
    assert stored["as_of"] == "2026-12-01T00:05:00+00:00"
    assert (stored["items"], stored["units"], stored["value"]) == (3, 103, "13.75")
    assert [low["sku"] for low in stored["low_stock"]] == ["A", "B"]
    # and the same summary is the day's item of the archive, and its latest
    kept = store.summary(date(2026, 12, 1))
    assert kept is not None
    assert kept.model_dump(mode="json") == stored
    assert store.summary(None) == kept
    # and the metrics count the low-stock and out-of-stock items
    metrics = emitted_metrics(capsys.readouterr().out)
    assert metrics["LowStockItems"] == [2]
    assert metrics["OutOfStockItems"] == [1]


def test_a_schedule_time_without_a_zone_is_refused(context: FakeContext) -> None:
    event = load_event("scheduled_summary.json")
    event["time"] = "2026-12-01T00:05:00"
    with pytest.raises(ValueError, match="no time zone"):
        inventory_summary.lambda_handler(event, context)
