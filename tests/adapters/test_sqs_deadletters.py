"""The DeadLetters contract against SqsDeadLetters on a moto FIFO queue; retries and batching."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from botocore.stub import Stubber

from tap_aws.adapters.deadletters import ATTEMPTS, SqsDeadLetters
from tap_core import DeadLetterFailure
from tap_tools.testing import RequestCounter
from tests.unit.deadletters_contract import *  # noqa: F403 - the whole contract runs here
from tests.unit.deadletters_contract import Harness, Kept, row_letter

if TYPE_CHECKING:
    from collections.abc import Callable

    from mypy_boto3_sqs import SQSClient

    from tap_tools.testing import AwsClients


def _fifo_queue(client: SQSClient, name: str) -> str:
    return client.create_queue(QueueName=f"{name}.fifo", Attributes={"FifoQueue": "true"})[
        "QueueUrl"
    ]


def _drain(client: SQSClient, url: str) -> list[Kept]:
    kept: list[Kept] = []
    while True:
        messages = client.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=10,
            AttributeNames=["MessageGroupId"],
            VisibilityTimeout=300,
        ).get("Messages", [])
        if not messages:
            return kept
        for message in messages:
            body = message["Body"]
            group = message.get("Attributes", {})["MessageGroupId"]
            kept.append(Kept(json.loads(body), len(body.encode()), group))
        # A FIFO group stays locked while its messages are in flight: delete to read on.
        client.delete_message_batch(
            QueueUrl=url,
            Entries=[
                {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(messages)
            ],
        )


@pytest.fixture
def dead_letters(aws: AwsClients, unique_name: Callable[[str], str]) -> Harness:
    client = aws.sqs()
    url = _fifo_queue(client, unique_name("dlq"))
    return Harness(SqsDeadLetters(url, client), lambda: _drain(client, url))


def test_letters_go_ten_to_a_request(aws: AwsClients, unique_name: Callable[[str], str]) -> None:
    client = aws.sqs()
    url = _fifo_queue(client, unique_name("dlq"))
    counter = RequestCounter.attach(client)
    SqsDeadLetters(url, client).send(row_letter(row) for row in range(1, 22))
    assert counter.requests == {"SendMessageBatch": 3}


def test_a_big_batch_is_split_under_the_request_payload_limit(
    aws: AwsClients, unique_name: Callable[[str], str]
) -> None:
    client = aws.sqs()
    url = _fifo_queue(client, unique_name("dlq"))
    counter = RequestCounter.attach(client)
    # Three letters of ~100 KiB each: two fit one request, the third goes in another
    SqsDeadLetters(url, client).send(row_letter(row, "r" * 100_000) for row in range(1, 4))
    assert counter.requests == {"SendMessageBatch": 2}
    assert len(_drain(client, url)) == 3


def _batch_response(ok: list[str], failed: list[tuple[str, bool]]) -> dict[str, Any]:
    return {
        "Successful": [{"Id": i, "MessageId": f"m{i}", "MD5OfMessageBody": "0" * 32} for i in ok],
        "Failed": [
            {"Id": i, "SenderFault": fault, "Code": "Throttled" if not fault else "Invalid"}
            for i, fault in failed
        ],
    }


URL = "https://sqs.us-east-1.amazonaws.com/123456789012/tap-rows-dlq-test.fifo"


def test_failed_entries_are_sent_again_until_kept(aws: AwsClients) -> None:
    # Given SQS that fails two entries, then one, then none
    client = aws.sqs()
    stubber = Stubber(client)
    ids = [str(n) for n in range(3)]
    stubber.add_response("send_message_batch", _batch_response(["0"], [("1", False), ("2", False)]))
    stubber.add_response("send_message_batch", _batch_response(["2"], [("1", False)]))
    stubber.add_response("send_message_batch", _batch_response(["1"], []))
    pauses: list[float] = []
    # When three letters are sent
    with stubber:
        report = SqsDeadLetters(URL, client, sleep=pauses.append).send(
            row_letter(row) for row in range(1, 4)
        )
    # Then all three were kept, after two retries with a growing pause
    assert report.sent == len(ids)
    stubber.assert_no_pending_responses()
    assert len(pauses) == 2
    assert pauses[1] > pauses[0] > 0


def test_entries_never_kept_are_a_failure_naming_them(aws: AwsClients) -> None:
    client = aws.sqs()
    stubber = Stubber(client)
    stubber.add_response("send_message_batch", _batch_response(["0"], [("1", True), ("2", False)]))
    for _ in range(ATTEMPTS - 1):
        stubber.add_response("send_message_batch", _batch_response([], [("2", False)]))
    letters = [row_letter(row) for row in range(1, 4)]
    with stubber, pytest.raises(DeadLetterFailure) as caught:
        SqsDeadLetters(URL, client, sleep=lambda _: None).send(letters)
    assert sorted(dedup for dedup, _ in caught.value.failed) == sorted(
        letter.deduplication_id for letter in letters[1:]
    )
    assert "Invalid" in str(caught.value)
    assert "Throttled" in str(caught.value)
