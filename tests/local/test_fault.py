"""Fault: DynamoDB throttles the functions for a while during a run.

A botocore ``before-send`` hook on the functions' DynamoDB client answers the first
:data:`THROTTLED` requests with ``ProvisionedThroughputExceededException`` (what DynamoDB
sends when throttling), with botocore allowed 2 attempts per call, so some calls fail after
their retries: those records are batch item failures, SQS delivers them again, and they
succeed. Nothing may be lost (every message ends once, none is dead-lettered) and nothing
applied twice: the increment board's totals equal the oracle's, and ``repair`` (rebuilding
rank items and the counts tree from the entries) finds nothing to change.
"""

from __future__ import annotations

import json
import random
import threading
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pytest

from tap_aws.adapters.leaderboards import DynamoLeaderboards
from tap_aws.resources import INVENTORY_EVENTS_DLQ, SCORES, Outputs
from tap_core.leaderboard import LeaderboardSpec, ScoreSubmission, period_key
from tap_core.memory import InMemoryLeaderboards
from tap_tools.local import LocalStack
from tap_tools.local.pumps import EVENT_ATTEMPTS
from tests.local.conftest import Client, submission

if TYPE_CHECKING:
    from collections.abc import Iterator

    from botocore.awsrequest import AWSPreparedRequest
    from mypy_boto3_dynamodb import DynamoDBClient

BOARDS = (
    LeaderboardSpec(id="best", order="desc", operator="best"),
    LeaderboardSpec(id="kills", order="desc", operator="increment", reset="weekly", min_score=0),
)
THROTTLED = 14
PLAYERS = [f"f{n}" for n in range(8)]


class _Body:
    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._data


class Throttle:
    """``before-send``: the first ``limit`` requests answered as DynamoDB throttling them."""

    def __init__(self, limit: int) -> None:
        self._lock = threading.Lock()
        self._left = limit
        self.throttled = 0

    def __call__(self, request: AWSPreparedRequest, **_: Any) -> Any:
        from botocore.awsrequest import AWSResponse, HTTPHeaders  # noqa: PLC0415

        with self._lock:
            if self._left == 0:
                return None
            self._left -= 1  # a negative limit never reaches 0: always throttled
            self.throttled += 1
        code = "ProvisionedThroughputExceededException"
        body = json.dumps(
            {"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": "Rate exceeded"}
        ).encode()
        headers = HTTPHeaders()
        headers["x-amzn-ErrorType"] = code
        headers["Content-Type"] = "application/x-amz-json-1.0"
        return AWSResponse(request.url, 400, headers, _Body(body))


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    with LocalStack(
        boards=BOARDS, summary_interval=None, settings={"TAP_MAX_ATTEMPTS": "2"}
    ) as running:
        yield running


def _dynamodb(stack: LocalStack) -> DynamoDBClient:
    """The DynamoDB client the stack's functions share (built when the stack starts)."""
    assert stack.clients is not None
    return stack.clients.dynamodb


def _meaning(item: dict[str, Any]) -> dict[str, Any] | None:
    """An item as what it means: a node of the counts tree without its children counted 0
    (the live tree keeps them after a decrement; a rebuilt one leaves them out)."""
    if not item["sk"]["S"].startswith("N#"):
        return item
    kept = {name: value for name, value in item.items() if value != {"N": "0"}}
    return kept if set(kept) - {"pk", "sk"} else None


def _scan(stack: LocalStack) -> list[dict[str, Any]]:
    client = _dynamodb(stack)
    table = stack.outputs[Outputs.DYNAMODB_TABLE_NAME]
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"TableName": table}
    while True:
        page = client.scan(**kwargs)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            meant = [meaning for item in items if (meaning := _meaning(item)) is not None]
            return sorted(meant, key=lambda item: (item["pk"]["S"], item["sk"]["S"]))
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def test_throttling_for_a_while_loses_nothing_and_applies_nothing_twice(stack: LocalStack) -> None:
    # Given the functions' DynamoDB client throttled for its next requests
    throttle = Throttle(THROTTLED)
    _dynamodb(stack).meta.events.register("before-send.dynamodb", throttle)
    client = Client(stack)
    rng = random.Random(11)
    messages = []
    for number in range(40):
        player = rng.choice(PLAYERS)
        board = rng.choice(BOARDS)
        score = rng.randrange(1, 9) if board.operator == "increment" else rng.randrange(1, 999)
        messages.append((player, submission(f"t{number}", board.id, player, score)))
    try:
        # When submissions arrive meanwhile
        client.send(messages)
        stack.wait_idle(90)
    finally:
        _dynamodb(stack).meta.events.unregister("before-send.dynamodb", throttle)
    counts = stack.counts()
    oracle = InMemoryLeaderboards(BOARDS, clock=lambda: datetime.now(UTC))
    outcomes = [oracle.submit(ScoreSubmission.model_validate_json(m.body)) for m in client.sent]
    # Then the fault happened, was retried by SQS, and every message ended exactly once
    assert throttle.throttled == THROTTLED
    assert counts.get("scores.retried", 0) > 0
    assert client.drain(Outputs.DLQ_URL) == []
    assert counts["scores.handled"] == len(messages)
    accepted = sum(outcome.status == "accepted" for outcome in outcomes)
    assert counts["scores.accepted"] == accepted
    # And the standings are the oracle's: an increment applied twice would show in a total
    api = stack.functions["api"].module.root.get().leaderboards
    for spec in BOARDS:
        assert [(e.player_id, e.score, e.rank) for e in api.top(spec.id, limit=100).entries] == [
            (e.player_id, e.score, e.rank) for e in oracle.top(spec.id, limit=100).entries
        ]
    # And repairing each page from its entries changes nothing: ranks and counts were right
    before = _scan(stack)
    store = DynamoLeaderboards(
        stack.outputs[Outputs.DYNAMODB_TABLE_NAME], BOARDS, _dynamodb(stack), clock=datetime.now
    )
    now = datetime.now(UTC)
    for spec in BOARDS:
        store.repair(spec.id, period_key(spec.reset, now))
    assert _scan(stack) == before


class ThrottlePlayer:
    """``before-send``: every request that names ``player`` answered as throttled."""

    def __init__(self, player: str) -> None:
        self._needle = player.encode()
        self._throttle = Throttle(limit=-1)

    def __call__(self, request: AWSPreparedRequest, **kwargs: Any) -> Any:
        body = request.body if isinstance(request.body, bytes) else str(request.body).encode()
        return self._throttle(request, **kwargs) if self._needle in body else None


def test_a_message_that_keeps_failing_is_redriven_by_sqs_after_max_receive_count(
    stack: LocalStack,
) -> None:
    # Given one player's writes always throttled, and another player's not
    throttle = ThrottlePlayer("doomed")
    _dynamodb(stack).meta.events.register("before-send.dynamodb", throttle)
    client = Client(stack)
    before = stack.counts()
    try:
        # When each sends a score
        client.send(
            [
                ("doomed", submission("d-1", "best", "doomed", 5)),
                ("lucky", submission("l-1", "best", "lucky", 7)),
            ]
        )
        stack.wait_idle(90)
    finally:
        _dynamodb(stack).meta.events.unregister("before-send.dynamodb", throttle)
    after = stack.counts()
    raw = client.sqs.receive_message(
        QueueUrl=stack.outputs[Outputs.DLQ_URL],
        MaxNumberOfMessages=10,
        MessageSystemAttributeNames=["All"],
    ).get("Messages", [])
    # Then the doomed message was tried maxReceiveCount times and SQS moved it, as it was sent,
    # to the dead-letter queue; the other one was accepted at once
    assert [(m["Body"], m["Attributes"]["MessageGroupId"]) for m in raw] == [
        (client.sent[0].body, "doomed")
    ]
    assert int(raw[0]["Attributes"]["ApproximateReceiveCount"]) >= SCORES.max_receive_count
    assert after["scores.redriven"] - before.get("scores.redriven", 0) == 1
    assert after["scores.retried"] - before["scores.retried"] == SCORES.max_receive_count
    assert after["scores.accepted"] - before["scores.accepted"] == 1


def test_an_upload_whose_import_keeps_failing_ends_in_the_events_dead_letter_queue(
    stack: LocalStack,
) -> None:
    # Given every request to the inventory table throttled
    throttle = ThrottlePlayer(stack.outputs[Outputs.INVENTORY_TABLE_NAME])
    _dynamodb(stack).meta.events.register("before-send.dynamodb", throttle)
    client = Client(stack)
    before = stack.counts()
    try:
        # When a CSV is uploaded
        client.upload("inbound/doomed.csv", ["S1,ams-1,Hammer,3,9.99,tools,0,2026-11-30"])
        stack.wait_idle(90)
    finally:
        _dynamodb(stack).meta.events.unregister("before-send.dynamodb", throttle)
    after = stack.counts()
    letters = client.sqs.receive_message(
        QueueUrl=client.sqs.get_queue_url(QueueName=INVENTORY_EVENTS_DLQ.name("local"))["QueueUrl"],
        MaxNumberOfMessages=10,
        MessageAttributeNames=["All"],
    ).get("Messages", [])
    # Then the import was tried EVENT_ATTEMPTS times, and the event, as EventBridge delivered
    # it, is in the events dead-letter queue with the error; nothing was imported
    assert after["inventory.retried"] - before.get("inventory.retried", 0) == EVENT_ATTEMPTS - 1
    assert after["dead_letters.events"] - before.get("dead_letters.events", 0) == 1
    assert len(letters) == 1
    event = json.loads(letters[0]["Body"])
    assert event["detail-type"] == "Object Created"
    assert event["detail"]["object"]["key"] == "inbound/doomed.csv"
    attributes = letters[0]["MessageAttributes"]
    assert "ProvisionedThroughputExceeded" in attributes["ERROR_MESSAGE"]["StringValue"]
    assert attributes["RETRY_ATTEMPTS"]["StringValue"] == str(EVENT_ATTEMPTS)
    assert after.get("inventory.files", 0) == before.get("inventory.files", 0)
