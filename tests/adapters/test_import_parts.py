"""``inventory_import`` in parts on moto: the DynamoDB store and ledger, S3 and EventBridge.

The continuation events go through moto's EventBridge to a queue (a rule with the spec's
pattern), and each one received is handed to the function again, as the deployed rule would.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from tap_aws.adapters.events import EventBridgeEvents
from tap_aws.adapters.inventory import DynamoInventoryStore
from tap_aws.adapters.objects import S3Objects
from tap_aws.functions import inventory_import
from tap_aws.functions.bootstrap import ImportDependencies
from tap_aws.resources import DEFAULT_BUS, IMPORT_CONTINUED
from tap_core.memory import (
    InMemoryDeadLetters,
    InMemoryEvents,
    InMemoryInventoryStore,
    InMemoryReports,
)
from tests.handlers.conftest import fixed_clock
from tests.handlers.test_inventory_import import PARTED, Countdown, upload

if TYPE_CHECKING:
    from collections.abc import Callable

    from tap_tools.testing import AwsClients


def test_a_file_in_parts_on_dynamodb_ends_as_in_one_invocation_in_memory(
    aws: AwsClients, unique_name: Callable[[str], str], fast_transactions: None
) -> None:
    # Given a bucket, a table and a rule routing continuations to a queue
    s3, sqs, events = aws.s3(), aws.sqs(), aws.events()
    bucket = unique_name("inventory")
    s3.create_bucket(Bucket=bucket)
    store = DynamoInventoryStore(unique_name("inventory"), aws.dynamodb())
    store.ensure_table()
    queue_url = sqs.create_queue(QueueName=unique_name("continued"))["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
    rule = unique_name("continued")
    events.put_rule(
        Name=rule, EventBusName=DEFAULT_BUS, EventPattern=json.dumps(IMPORT_CONTINUED.pattern())
    )
    events.put_targets(
        Rule=rule,
        EventBusName=DEFAULT_BUS,
        Targets=[{"Id": "q", "Arn": arn["Attributes"]["QueueArn"]}],
    )
    event = upload(s3, bucket, "inbound/parts.csv", PARTED)
    # and the same file imported in one invocation into memory
    memory, memory_letters = InMemoryInventoryStore(), InMemoryDeadLetters()
    inventory_import.root.use(
        ImportDependencies(
            memory,
            S3Objects(s3),
            memory_letters,
            InMemoryEvents(),
            InMemoryReports(),
            fixed_clock,
        )
    )
    try:
        single = inventory_import.lambda_handler(event, Countdown(checks=10**6))
        # When it is imported into DynamoDB where each invocation runs low after 6 rows
        letters = InMemoryDeadLetters()
        inventory_import.root.use(
            ImportDependencies(
                store,
                S3Objects(s3),
                letters,
                EventBridgeEvents(events),
                InMemoryReports(),
                fixed_clock,
            )
        )
        outcomes = [inventory_import.lambda_handler(event, Countdown(checks=5))]
        while received := sqs.receive_message(QueueUrl=queue_url).get("Messages", []):
            (message,) = received
            delivered: dict[str, Any] = json.loads(message["Body"])
            outcomes.append(inventory_import.lambda_handler(delivered, Countdown(checks=5)))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    finally:
        inventory_import.root.reset()
    # Then it took parts, and the table, letters, counts and record are the single run's
    assert [o["status"] for o in outcomes] == ["continued"] * 3 + ["done"]
    assert {i.key: i for i in store.items()} == {i.key: i for i in memory.items()}
    assert letters.bodies() == memory_letters.bodies()
    for ending in ("applied", "unchanged", "stale", "rejected"):
        assert sum(o[ending] for o in outcomes) == single[ending], ending
    parted, alone = (
        store.import_record(single["import_id"]),
        memory.import_record(single["import_id"]),
    )
    assert parted is not None
    assert alone is not None
    assert parted.model_copy(update={"part": 0}) == alone
