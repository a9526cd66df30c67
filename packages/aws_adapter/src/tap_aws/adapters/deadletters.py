"""``SqsDeadLetters``: the core ``DeadLetters`` port on an SQS queue (FIFO or standard).

Each letter is one message whose body is `tap_core.encode_body` (at most 256 KiB, the
raw input cut with a marker). On a FIFO queue the message carries the letter's
``MessageGroupId`` (the original record's group) and ``MessageDeduplicationId`` (derived from
the original message id or file+row, never the clock), so a redelivered input is dead-lettered
once within SQS's 5-minute deduplication window.

Cost: one ``SendMessageBatch`` per 10 letters (fewer when the batch would pass SQS's 256 KiB
per-request payload). Entries SQS reports failed with ``SenderFault=false`` (throttling, an
internal error) are sent again with exponential backoff; after `ATTEMPTS` attempts, or for
a sender fault, `tap_core.DeadLetterFailure` names every letter not kept: nothing is
dropped silently. Transport errors and 5xx are retried by botocore's own retries first.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Final

from tap_core import DeadLetterFailure, SendReport, encode_body

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import SendMessageBatchRequestEntryTypeDef

    from tap_core import DeadLetter

BATCH_MAX: Final = 10
"""SQS's limit of entries per SendMessageBatch."""
BATCH_BYTES_MAX: Final = 256 * 1024
"""SQS's limit on one SendMessageBatch's total payload."""
ATTEMPTS: Final = 5
"""Sends of one failed entry before giving up (the first included)."""
BACKOFF_SECONDS: Final = 0.05
"""The first retry's pause; it doubles each attempt."""


class SqsDeadLetters:
    """Dead letters as messages of one SQS queue; FIFO when its URL ends ``.fifo``."""

    def __init__(
        self,
        queue_url: str,
        client: SQSClient | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if client is None:
            from tap_aws import clients  # noqa: PLC0415 - built on first use, not at import

            client = clients.sqs()
        self._client = client
        self._queue_url = queue_url
        self._fifo = queue_url.endswith(".fifo")
        self._sleep = sleep

    def send(self, letters: Iterable[DeadLetter]) -> SendReport:
        sent = 0
        failed: list[tuple[str, str]] = []
        for batch in self._batches(letters):
            sent_now, failed_now = self._send_batch(batch)
            sent += sent_now
            failed.extend(failed_now)
        if failed:
            raise DeadLetterFailure(failed)
        return SendReport(sent)

    def _entry(self, index: int, letter: DeadLetter) -> SendMessageBatchRequestEntryTypeDef:
        entry: SendMessageBatchRequestEntryTypeDef = {
            "Id": str(index),
            "MessageBody": encode_body(letter),
        }
        if self._fifo:
            entry["MessageGroupId"] = letter.group_id
            entry["MessageDeduplicationId"] = letter.deduplication_id
        return entry

    def _batches(
        self, letters: Iterable[DeadLetter]
    ) -> Iterator[list[SendMessageBatchRequestEntryTypeDef]]:
        batch: list[SendMessageBatchRequestEntryTypeDef] = []
        size = 0
        for letter in letters:
            entry = self._entry(len(batch), letter)
            entry_size = len(entry["MessageBody"].encode("utf-8", "surrogatepass"))
            if batch and (len(batch) == BATCH_MAX or size + entry_size > BATCH_BYTES_MAX):
                yield batch
                batch, size = [], 0
                entry["Id"] = "0"
            batch.append(entry)
            size += entry_size
        if batch:
            yield batch

    def _send_batch(
        self, batch: list[SendMessageBatchRequestEntryTypeDef]
    ) -> tuple[int, list[tuple[str, str]]]:
        """Send one batch, again and again for its retriable failures; (sent, not kept)."""
        pending = {entry["Id"]: entry for entry in batch}
        sent = 0
        given_up: list[tuple[str, str]] = []
        reasons: dict[str, str] = {}
        for attempt in range(ATTEMPTS):
            if attempt:
                self._sleep(BACKOFF_SECONDS * 2 ** (attempt - 1))
            response = self._client.send_message_batch(
                QueueUrl=self._queue_url, Entries=list(pending.values())
            )
            for done in response.get("Successful", []):
                pending.pop(done["Id"], None)
                sent += 1
            for failure in response.get("Failed", []):
                reason = f"{failure['Code']}: {failure.get('Message', '')}"
                reasons[failure["Id"]] = reason
                if failure["SenderFault"] and failure["Id"] in pending:
                    given_up.append((_name(pending.pop(failure["Id"])), reason))
            if not pending:
                break
        given_up.extend((_name(entry), reasons.get(i, "not sent")) for i, entry in pending.items())
        return sent, given_up


def _name(entry: SendMessageBatchRequestEntryTypeDef) -> str:
    """How a letter not kept is named in the failure: its deduplication id, or its body's start."""
    return entry.get("MessageDeduplicationId") or entry["MessageBody"][:120]
