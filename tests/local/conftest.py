"""The local stack's tests: a :class:`tap_tools.local.LocalStack` per module, loopback only.

Helpers talk to the stack as any client would: plain boto3 against ``endpoint_url`` (fake
credentials passed explicitly) and urllib against ``api_url``.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from tap_tools.testing import AwsClients

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

    from tap_tools.local import LocalStack

NOW = datetime.now(UTC).replace(microsecond=0)
"""When the tests' submissions were achieved (minutes before): the stack reads the real clock."""
HEADER = "SKU,Warehouse,Name,Quantity,Unit_Price,Category,Reorder_Level,Updated_At"


def achieved(minutes_ago: int) -> str:
    return (NOW - timedelta(minutes=minutes_ago)).isoformat()


def submission(sid: str, board: str, player: str, score: object, minutes_ago: int = 5) -> str:
    return json.dumps(
        {
            "submission_id": sid,
            "leaderboard_id": board,
            "player_id": player,
            "score": score,
            "achieved_at": achieved(minutes_ago),
        }
    )


@dataclass(frozen=True)
class Sent:
    """One message as sent: its SQS id, group and body."""

    message_id: str
    group: str
    body: str


@dataclass
class Client:
    """boto3 clients on the stack's endpoint, and what the test sent through them."""

    stack: LocalStack
    sent: list[Sent] = field(default_factory=list)

    def __post_init__(self) -> None:
        aws = AwsClients(self.stack.endpoint_url)
        self.sqs: SQSClient = aws.sqs()
        self.s3 = aws.s3()

    def send(self, messages: list[tuple[str, str]]) -> None:
        """Send ``(group, body)`` pairs in batches of 10, each with a fresh deduplication id."""
        url = self.stack.outputs["main_queue_url"]
        for start in range(0, len(messages), 10):
            chunk = messages[start : start + 10]
            response = self.sqs.send_message_batch(
                QueueUrl=url,
                Entries=[
                    {
                        "Id": str(i),
                        "MessageBody": body,
                        "MessageGroupId": group,
                        "MessageDeduplicationId": uuid.uuid4().hex,
                    }
                    for i, (group, body) in enumerate(chunk)
                ],
            )
            assert not response.get("Failed")
            for done in sorted(response["Successful"], key=lambda d: int(d["Id"])):
                group, body = chunk[int(done["Id"])]
                self.sent.append(Sent(done["MessageId"], group, body))

    def upload(self, key: str, lines: list[str]) -> None:
        body = (HEADER + "\n" + "\n".join(lines) + "\n").encode()
        self.s3.put_object(Bucket=self.stack.outputs["inventory_bucket_name"], Key=key, Body=body)

    def drain(self, output: str) -> list[dict[str, Any]]:
        """Every letter on the queue of output ``output``, received and deleted."""
        url = self.stack.outputs[output]
        letters: list[dict[str, Any]] = []
        while True:
            messages = self.sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0
            ).get("Messages", [])
            if not messages:
                return letters
            for message in messages:
                letters.append(json.loads(message["Body"]))
                self.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])

    def get(self, path: str, **query: object) -> tuple[int, Any]:
        url = self.stack.api_url + path + (f"?{urllib.parse.urlencode(query)}" if query else "")
        try:
            with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 - loopback
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())


def threads_now() -> set[threading.Thread]:
    return set(threading.enumerate())
