"""DynamoInventoryStore on moto: the InventoryStore contract, request budgets, races, retries."""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import threading
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError

from tap_aws.adapters.inventory import DynamoInventoryStore, StoreFailure
from tap_core.inventory import ImportRecord, InventoryItem, summarize
from tap_core.memory import InMemoryInventoryStore
from tap_tools.testing import (
    AwsClients,
    MotoServer,
    RequestCounter,
    journal_transactions,
)
from tests.unit.inventory.contract import *  # noqa: F403 - the whole contract runs here
from tests.unit.inventory.contract import StoreFactory, contents

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


MAX_EXAMPLES = 10
"""Hypothesis examples per contract property here (see conftest): each costs ~50 requests."""


@functools.cache
def _server() -> MotoServer:
    """A server for this module's factory, which outlives one test (Hypothesis reuses it
    across examples)."""
    server = MotoServer()
    server.start()
    return server


@pytest.fixture(scope="module", autouse=True)
def _stop_the_module_server() -> Iterator[None]:
    yield
    if _server.cache_info().currsize:
        _server().stop()
        _server.cache_clear()


_TABLES = itertools.count()


def _fresh_store() -> DynamoInventoryStore:
    journal_transactions()
    made = DynamoInventoryStore(
        f"tap-inventory-contract-{next(_TABLES)}", AwsClients(_server().endpoint).dynamodb()
    )
    made.ensure_table()
    return made


@pytest.fixture(scope="module")
def make_store() -> StoreFactory:
    return _fresh_store


def _rows(count: int, updated_at: datetime = NOW, start: int = 0) -> list[InventoryItem]:
    return [
        InventoryItem(
            sku=f"S{n:05d}",
            warehouse=f"w{n % 4}",
            name=f"thing {n}",
            quantity=n,
            unit_price=Decimal("1.50"),
            category="tools",
            reorder_level=2,
            updated_at=updated_at,
        )
        for n in range(start, start + count)
    ]


@pytest.fixture
def store(aws: AwsClients, unique_name: Callable[[str], str]) -> DynamoInventoryStore:
    made = DynamoInventoryStore(unique_name("inventory"), aws.dynamodb())
    made.ensure_table()
    return made


def _counted(store: DynamoInventoryStore) -> RequestCounter:
    return RequestCounter.attach(store._client)  # noqa: SLF001 - the test counts its requests


def test_a_thousand_new_rows_cost_at_most_twenty_requests(
    store: DynamoInventoryStore, fast_transactions: None
) -> None:
    counter = _counted(store)
    result = store.apply(_rows(1_000), NOW, "a.csv")
    assert result.applied == 1_000
    assert counter.requests == {"BatchGetItem": 10, "TransactWriteItems": 10}


def test_a_reimport_of_a_thousand_rows_costs_ten_reads_and_no_write(
    store: DynamoInventoryStore, fast_transactions: None
) -> None:
    store.apply(_rows(1_000), NOW, "a.csv")
    counter = _counted(store)
    result = store.apply(_rows(1_000), NOW, "a.csv")
    assert result.unchanged == 1_000
    assert counter.requests == {"BatchGetItem": 10}
    assert counter.items_returned == 1_000


def test_the_stored_record_round_trips(store: DynamoInventoryStore) -> None:
    [item] = _rows(1)
    odd = InventoryItem(
        sku="A#1#x",
        warehouse="#",
        name='Nails "100", é',
        quantity=0,
        unit_price=Decimal("0.0500"),
        category="c",
        reorder_level=0,
        updated_at=datetime(1, 1, 1, tzinfo=UTC),
    )
    store.apply([item, odd], NOW.astimezone(), "in/a.csv")
    record = store.get("A#1#x", "#")
    assert record is not None
    assert record.item == odd
    assert str(record.item.unit_price) == "0.0500"
    assert (record.uploaded_at, record.source, record.row) == (NOW, "in/a.csv", None)
    assert store.get("A#1", "x##") is None


def test_overlapping_concurrent_imports_end_as_the_memory_store(
    aws: AwsClients,
    unique_name: Callable[[str], str],
    atomic_moto: None,
    fast_transactions: None,
) -> None:
    # Given four uploads over the same keys with different versions, run at the same time
    name = unique_name("inventory")
    DynamoInventoryStore(name, aws.dynamodb()).ensure_table()
    uploads = [
        (_rows(150, NOW - timedelta(hours=h)), NOW + timedelta(minutes=m), f"u{h}{m}.csv")
        for h, m in ((0, 0), (1, 5), (0, 7), (2, 1))
    ]
    errors: list[BaseException] = []

    def run(rows: list[InventoryItem], uploaded_at: datetime, source: str) -> None:
        try:
            DynamoInventoryStore(name, aws.dynamodb()).apply(rows, uploaded_at, source)
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=run, args=upload) for upload in uploads]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Then nothing failed and the table holds what the memory store holds after the same rows
    assert errors == []
    memory = InMemoryInventoryStore()
    for rows, uploaded_at, source in uploads:
        memory.apply(rows, uploaded_at, source)
    assert contents(DynamoInventoryStore(name, aws.dynamodb())) == contents(memory)


def test_a_write_that_loses_a_race_is_decided_again(
    store: DynamoInventoryStore, fast_transactions: None
) -> None:
    """Another writer lands a newer record between our read and our write: ours is stale."""
    newer = _rows(1, NOW + timedelta(hours=1))
    other = DynamoInventoryStore(store.table_name, store._client)  # noqa: SLF001
    original = store._read  # noqa: SLF001

    def read_then_race(keys: list[tuple[str, str]]) -> dict[Any, Any]:
        found = original(keys)
        other.apply(newer, NOW, "newer.csv")
        return found

    store._read = read_then_race  # type: ignore[method-assign]  # noqa: SLF001
    result = store.apply(_rows(1), NOW, "older.csv")
    assert (result.applied, result.stale) == (0, 1)
    assert "older" in result.stale_rows[0].reason
    record = other.get("S00000", "w0")
    assert record is not None
    assert record.source == "newer.csv"


class _Flaky:
    """A client that answers like DynamoDB under load: unprocessed keys, then conflicts."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.unprocessed_left = 2
        self.conflicts_left = 2
        self.meta = client.meta

    def batch_get_item(self, **kwargs: Any) -> dict[str, Any]:
        response: dict[str, Any] = self._client.batch_get_item(**kwargs)
        if self.unprocessed_left:
            self.unprocessed_left -= 1
            [(table, request)] = kwargs["RequestItems"].items()
            keys = request["Keys"]
            response["Responses"] = {table: response["Responses"][table][: len(keys) // 2]}
            returned = {r["pk"]["S"] for r in response["Responses"][table]}
            response["UnprocessedKeys"] = {
                table: {"Keys": [k for k in keys if k["pk"]["S"] not in returned]}
            }
        return response

    def transact_write_items(self, **kwargs: Any) -> dict[str, Any]:
        if self.conflicts_left:
            self.conflicts_left -= 1
            items = kwargs["TransactItems"]
            reasons = [{"Code": "TransactionConflict"}] + [{"Code": "None"}] * (len(items) - 1)
            error: Any = {
                "Error": {"Code": "TransactionCanceledException", "Message": "conflict"},
                "CancellationReasons": reasons,
            }
            raise ClientError(error, "TransactWriteItems")
        result: dict[str, Any] = self._client.transact_write_items(**kwargs)
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def test_unprocessed_keys_and_conflicts_are_retried_and_nothing_is_dropped(
    store: DynamoInventoryStore, fast_transactions: None
) -> None:
    # Given 50 rows already stored (so the reads matter) and a client under load
    store.apply(_rows(50), NOW - timedelta(days=1), "old.csv")
    flaky = _Flaky(store._client)  # noqa: SLF001
    pauses: list[float] = []
    loaded = DynamoInventoryStore(store.table_name, flaky, sleep=pauses.append)  # type: ignore[arg-type]
    # When 100 rows (50 newer, 50 new) are applied through it
    result = loaded.apply(_rows(100, NOW), NOW, "new.csv")
    # Then every row was applied, after retries with growing pauses
    assert result.applied == 100
    assert (flaky.unprocessed_left, flaky.conflicts_left) == (0, 0)
    assert len(pauses) == 4
    assert sorted(item.quantity for item in store.items()) == list(range(100))


def test_a_client_that_never_recovers_is_a_failure_not_a_silent_drop(
    store: DynamoInventoryStore,
) -> None:
    flaky = _Flaky(store._client)  # noqa: SLF001
    flaky.conflicts_left = 10**6
    loaded = DynamoInventoryStore(store.table_name, flaky, sleep=lambda _: None)  # type: ignore[arg-type]
    with pytest.raises(StoreFailure, match="could not be written"):
        loaded.apply(_rows(3), NOW, "a.csv")


def test_a_sku_in_every_warehouse_is_one_query(store: DynamoInventoryStore) -> None:
    # Given 40 SKUs in 4 warehouses each (160 records), and another SKU's records beside them
    rows = [
        InventoryItem(
            sku=f"S{n:03d}",
            warehouse=f"w{w}",
            name="thing",
            quantity=w,
            unit_price=Decimal(1),
            category="c",
            reorder_level=0,
            updated_at=NOW,
        )
        for n in range(40)
        for w in range(4)
    ]
    store.apply(rows, NOW, "a.csv")
    counter = _counted(store)
    # When one SKU is read
    found = store.stock_of("S007")
    # Then it is its four records, from one Query that returned just them
    assert [(r.item.sku, r.item.warehouse) for r in found] == [("S007", f"w{w}") for w in range(4)]
    assert counter.requests == {"Query": 1}
    assert counter.items_returned == 4


def test_an_import_record_and_a_summary_are_one_request_each(store: DynamoInventoryStore) -> None:
    begun = ImportRecord.begin("bucket", "inbound/a.csv", '"e"', NOW, NOW)
    store.save_import(begun, replacing=None)
    store.keep_summary(date(2026, 3, 1), summarize([], "x"))
    counter = _counted(store)
    assert store.import_record(begun.import_id) == begun
    assert store.summary(None) == summarize([], "x")
    assert store.summary(date(2026, 3, 1)) == summarize([], "x")
    assert counter.requests == {"GetItem": 2, "Query": 1}


def test_ensure_table_twice_is_fine(store: DynamoInventoryStore) -> None:
    store.ensure_table()
    assert list(store.items()) == []


def test_a_summary_too_large_for_an_item_is_refused_naming_its_day(
    store: DynamoInventoryStore,
) -> None:
    # Given a summary of 20,000 categories whose names do not compress away
    items = [
        InventoryItem(
            sku=f"S{n}",
            warehouse="w",
            name="n",
            quantity=1,
            unit_price=Decimal(1),
            category=hashlib.sha256(str(n).encode()).hexdigest()[:60],
            reorder_level=0,
            updated_at=NOW,
        )
        for n in range(20_000)
    ]
    big = summarize(items, "big")
    # Then keeping it is a clear error, and one of 2,000 such categories fits
    with pytest.raises(ValueError, match=r"summary of 2026-03-01 is .* bytes compressed"):
        store.keep_summary(date(2026, 3, 1), big)
    fits = summarize(items[:2_000], "fits")
    store.keep_summary(date(2026, 3, 1), fits)
    assert store.summary(None) == fits


def test_an_import_record_stored_before_its_warnings_and_total_reads_as_meant(
    store: DynamoInventoryStore, aws: AwsClients
) -> None:
    # Given a record stored in its earlier form: `rows` the valid rows, no total, no warnings
    begun = ImportRecord.begin("bucket", "inbound/old.csv", '"e"', NOW, NOW)
    store.save_import(begun, replacing=None)
    earlier = begun.model_dump(mode="json", exclude={"rows_total", "rows_valid", "warnings"})
    earlier.update(rows=3, applied=3, rejected=2)
    aws.dynamodb().update_item(
        TableName=store.table_name,
        Key={"pk": {"S": "import#bucket/inbound/old.csv"}, "sk": {"S": '"e"'}},
        UpdateExpression="SET body = :body",
        ExpressionAttributeValues={":body": {"S": json.dumps(earlier)}},
    )
    # When it is read
    record = store.import_record(begun.import_id)
    # Then its counts mean what they meant, and it has no warnings
    assert record is not None
    assert (record.rows_valid, record.rejected, record.rows_total) == (3, 2, 5)
    assert record.warnings == []


def test_an_import_records_warnings_round_trip(store: DynamoInventoryStore) -> None:
    begun = ImportRecord.begin("bucket", "inbound/w.csv", '"e"', NOW, NOW)
    warned = begun.model_copy(update={"warnings": ['unknown columns ignored: "Notes"']})
    store.save_import(warned, replacing=None)
    assert store.import_record(begun.import_id) == warned
