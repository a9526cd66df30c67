"""The harness itself: real HTTP, atomic requests, the transaction shim, request counting."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import pytest
from botocore.exceptions import ClientError

from tap_tools.testing import RequestCounter, journal_transactions

if TYPE_CHECKING:
    from collections.abc import Callable

    from mypy_boto3_dynamodb import DynamoDBClient

    from tap_tools.testing import AwsClients, MotoServer


def _table(client: DynamoDBClient, name: str) -> str:
    client.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return name


def test_the_server_answers_over_http_on_loopback(moto_server: MotoServer) -> None:
    assert moto_server.endpoint.startswith("http://127.0.0.1:")
    assert not moto_server.endpoint.endswith(":0")


def test_counts_requests_and_items_per_operation(
    aws: AwsClients, unique_name: Callable[[str], str]
) -> None:
    # Given a table with 3 items and a counter on a fresh client
    client = aws.dynamodb()
    name = _table(client, unique_name("harness"))
    for n in range(3):
        client.put_item(TableName=name, Item={"pk": {"S": f"k{n}"}})
    counter = RequestCounter.attach(client)
    # When we scan once, get one item and batch-get two
    client.scan(TableName=name)
    client.get_item(TableName=name, Key={"pk": {"S": "k0"}})
    client.batch_get_item(RequestItems={name: {"Keys": [{"pk": {"S": "k1"}}, {"pk": {"S": "k2"}}]}})
    # Then every operation is counted once and the items add up: 3 + 1 + 2
    assert counter.requests == {"Scan": 1, "GetItem": 1, "BatchGetItem": 1}
    assert counter.calls == counter.requests
    assert counter.items_returned == 6
    assert counter.items_scanned == 6
    assert counter.total_requests == 3


def test_a_count_query_counts_the_items_it_read(
    aws: AwsClients, unique_name: Callable[[str], str]
) -> None:
    client = aws.dynamodb()
    name = _table(client, unique_name("harness"))
    for n in range(4):
        client.put_item(TableName=name, Item={"pk": {"S": f"k{n}"}})
    counter = RequestCounter.attach(client)
    client.scan(TableName=name, Select="COUNT")
    assert counter.items_returned == 0
    assert counter.items_scanned == 4


def _transact(client: DynamoDBClient, name: str, keys: range, *, fail_last: bool) -> None:
    items: list[dict[str, object]] = [
        {"Put": {"TableName": name, "Item": {"pk": {"S": f"k{n}"}}}} for n in keys
    ]
    if fail_last:
        items.append(
            {
                "ConditionCheck": {
                    "TableName": name,
                    "Key": {"pk": {"S": "absent"}},
                    "ConditionExpression": "attribute_exists(pk)",
                }
            }
        )
    client.transact_write_items(TransactItems=items)  # type: ignore[arg-type]


def test_the_journal_copies_no_table_and_keeps_the_rollback(
    aws: AwsClients, unique_name: Callable[[str], str]
) -> None:
    # Given the journal and a table
    journal = journal_transactions()
    client = aws.dynamodb()
    name = _table(client, unique_name("harness"))
    # When a 20-item transaction succeeds
    before = journal.copies
    _transact(client, name, range(20), fail_last=False)
    # Then no table was copied and every item is there
    assert journal.copies == before
    assert client.scan(TableName=name, Select="COUNT")["Count"] == 20
    # When a transaction fails on its last item
    with pytest.raises(ClientError) as caught:
        _transact(client, name, range(20, 30), fail_last=True)
    # Then it was cancelled and nothing it wrote remains
    assert caught.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert client.scan(TableName=name, Select="COUNT")["Count"] == 20


def test_atomic_requests_survive_concurrent_transactions(
    aws: AwsClients, unique_name: Callable[[str], str], atomic_moto: None
) -> None:
    """Without the lock moto's transaction backup races other writers (500s, lost writes)."""
    client = aws.dynamodb()
    name = _table(client, unique_name("harness"))
    errors: list[BaseException] = []

    def writer(start: int) -> None:
        own = aws.dynamodb()
        try:
            for n in range(start, start + 10):
                own.transact_write_items(
                    TransactItems=[{"Put": {"TableName": name, "Item": {"pk": {"S": f"k{n}"}}}}]
                )
                own.put_item(TableName=name, Item={"pk": {"S": f"p{n}"}})
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(100 * t,)) for t in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert client.scan(TableName=name, Select="COUNT")["Count"] == 80


def test_the_shim_keeps_updates_in_a_transaction_correct(
    aws: AwsClients, unique_name: Callable[[str], str]
) -> None:
    # Given the shim and two counters
    journal_transactions()
    client = aws.dynamodb()
    name = _table(client, unique_name("harness"))
    for key in ("a", "b"):
        client.put_item(TableName=name, Item={"pk": {"S": key}, "n": {"N": "1"}})
    # When one transaction adds to both
    client.transact_write_items(
        TransactItems=[
            {
                "Update": {
                    "TableName": name,
                    "Key": {"pk": {"S": key}},
                    "UpdateExpression": "ADD n :one",
                    "ExpressionAttributeValues": {":one": {"N": str(step)}},
                }
            }
            for key, step in (("a", 1), ("b", 5))
        ]
    )
    # Then each got its own addition
    found = {item["pk"]["S"]: item["n"]["N"] for item in client.scan(TableName=name)["Items"]}
    assert found == {"a": "2", "b": "6"}
