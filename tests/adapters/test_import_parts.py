"""``inventory_import`` in parts on moto: the DynamoDB store and ledger, S3 and EventBridge.

The continuation events go through moto's EventBridge to a queue (a rule with the spec's
pattern), and each one received is handed to the function again, as the deployed rule would.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest

from tap_aws.adapters.events import EventBridgeEvents
from tap_aws.adapters.inventory import DynamoInventoryStore
from tap_aws.adapters.objects import S3Objects
from tap_aws.functions import inventory_import
from tap_aws.functions.bootstrap import ImportDependencies
from tap_aws.resources import DEFAULT_BUS, IMPORT_CONTINUED
from tap_core.app.imports import ImportBusy, ImportJob, import_part
from tap_core.memory import (
    InMemoryDeadLetters,
    InMemoryEvents,
    InMemoryInventoryStore,
    InMemoryReports,
)
from tests.handlers.conftest import fixed_clock
from tests.handlers.test_inventory_import import PARTED, Countdown, upload
from tests.unit.app.test_import_faults import (
    Crash,
    CrashAt,
    Metered,
    clean_run,
    counts,
    letters,
    render,
)
from tests.unit.app.test_imports import Countdown as Remaining
from tests.unit.app.test_imports import World

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from datetime import datetime

    from tap_core.inventory import ImportResult, InventoryItem, LocatedItem
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
    assert parted.unleased().model_copy(update={"part": 0}) == alone.unleased()


class _DyingStore(CrashAt, DynamoInventoryStore):
    """The DynamoDB store, dying as `CrashAt` says."""

    def apply(
        self,
        items: Iterable[InventoryItem | LocatedItem],
        uploaded_at: datetime,
        source: str | None = None,
    ) -> ImportResult:
        return super().apply(self.watched(items), uploaded_at, source)


def test_on_dynamodb_a_crash_then_redelivery_and_a_duplicate_count_as_a_clean_run(
    aws: AwsClients, unique_name: Callable[[str], str], fast_transactions: None
) -> None:
    # Given a 450-row file, 65 rows bad, whose first delivery dies at its 250th valid row
    kinds = ["bad" if n % 7 == 3 or n == 449 else "ok" for n in range(450)]
    text, valid, bad = render(kinds)
    assert (valid, bad) == (385, 65)
    store = _DyingStore(unique_name("inventory"), aws.dynamodb())
    store.ensure_table()
    world = World(store=store)  # type: ignore[arg-type]
    upload = world.upload(text)
    metered = Metered()
    store.crash_at = 250
    with pytest.raises(Crash):
        import_part(
            world.ports,
            ImportJob.first(upload),
            Remaining(10**6),
            on_recorded=metered,
            chunk_rows=100,
        )
    # When it is delivered again a minute later, and a third delivery comes while it runs
    world.now += timedelta(minutes=1)
    busy: list[ImportBusy] = []

    def duplicate() -> None:
        with pytest.raises(ImportBusy) as raised:
            import_part(world.ports, ImportJob.first(upload), Remaining(10**6))
        busy.append(raised.value)

    store.crash_at, store.hook = 10, duplicate
    outcome = import_part(
        world.ports, ImportJob.first(upload), Remaining(10**6), on_recorded=metered, chunk_rows=100
    )
    # Then the record, the report, the metric, the table and the letters are a clean run's
    assert outcome.status == "done"
    assert len(busy) == 1
    record = store.import_record(upload.import_id)
    assert record is not None
    assert (record.applied, record.unchanged, record.rejected) == (385, 0, 65)
    assert metered.applied == 385  # the dead delivery's saves metered, its rerun not again
    assert world.dead_letters.sent == bad
    clean, expected = clean_run(text)
    assert counts(record) == expected
    assert counts(json.loads(world.reports.imports[upload.import_id])) == expected
    assert letters(world) == letters(clean)
    assert {i.key: i for i in store.items()} == {i.key: i for i in clean.store.items()}
