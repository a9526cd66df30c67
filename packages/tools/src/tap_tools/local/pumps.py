"""The event sources AWS would run, as threads that poll the emulator and invoke functions.

- `ScoresPump` emulates the scores queue's event source mapping: up to 10 messages per
  batch, the SQS FIFO event shape Lambda builds, ``ReportBatchItemFailures`` (successes are
  deleted; failures are left to SQS, which redrives a message to the dead-letter queue once it
  was received ``maxReceiveCount`` times). The queue's visibility timeout stays the spec's
  (6x the function timeout); so that a failure is retried in seconds rather than minutes, the
  pump sets a failed message's visibility to `RETRY_DELAY_SECONDS` (ChangeMessageVisibility).
- `InventoryPump` is EventBridge's Lambda target: each event the rules put on the local
  events queue is handed to ``inventory_import``; a failed invocation is retried (the same
  way, by visibility) until `EVENT_ATTEMPTS`, then the event goes to the events
  dead-letter queue with the attributes EventBridge's DLQ messages carry.
- `SummaryTimer` is the daily schedule, every ``interval`` seconds.
- `StreamPump` is the ``rank_index`` function's event source mapping on the leaderboard
  table's stream (``RANK_INDEX_STREAM``): records of each shard in order, filtered to entries,
  in batches of up to ``batch_size`` once the batch is full or its first record has waited
  ``batching_window_seconds``; a partial batch response resumes at the reported record; a
  function error retries the batch (halved when ``bisect_on_error``) up to
  ``maximum_retry_attempts``, then the batch is discarded (Lambda's on-failure destination),
  as are records older than ``maximum_record_age_seconds``.

No pump long-polls: the emulator serves one request at a time (see ``emulator``), and a
waiting ReceiveMessage would hold it; an empty poll sleeps `IDLE_POLL_SECONDS` instead.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final, Protocol

from tap_aws.resources import INVENTORY_SUMMARY_FUNCTION, RANK_INDEX_STREAM, SCORES, resource_name
from tap_tools.local.provision import ACCOUNT, REGION

if TYPE_CHECKING:
    from collections.abc import Callable

    from mypy_boto3_dynamodbstreams import DynamoDBStreamsClient
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import MessageTypeDef

    from tap_aws.resources import StreamMappingSpec
    from tap_tools.local.invoke import Function
    from tap_tools.local.journal import Journal

BATCH_SIZE: Final = 10
"""Messages per scores batch: SQS's receive maximum, the event source mapping's batch size."""
RETRY_DELAY_SECONDS: Final = 1
"""How long a failed message or event stays hidden before it is delivered again."""
EVENT_ATTEMPTS: Final = 3
"""Invocations of ``inventory_import`` for one event before it is dead-lettered."""
IDLE_POLL_SECONDS: Final = 0.05
ROW_ENDINGS: Final = ("applied", "unchanged", "stale", "rejected")
"""The counts of rows ``inventory_import`` returns (``rejected``: dead-lettered)."""


class Pump(threading.Thread):
    """A polling thread: `step` until stopped; ``busy`` while it works on something."""

    def __init__(self, name: str, journal: Journal) -> None:
        super().__init__(name=f"tap-local-{name}", daemon=True)
        self.journal = journal
        self.stopping = threading.Event()
        self.busy = False
        self.doing: str | None = None
        """What the pump is working on, in words (``a batch of 10 score submissions``), or
        None; a stop says it is finishing this."""
        self.error: BaseException | None = None

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                worked = self.step()
            except Exception as error:  # noqa: BLE001 - reported, and the pump keeps going
                self.busy = False
                self.error = error
                self.journal.count("pump_errors")
                self.journal.say(f"{self.name}: {type(error).__name__}: {error}")
                worked = False
            if not worked:
                self.stopping.wait(IDLE_POLL_SECONDS)

    def step(self) -> bool:
        """Do one unit of work; False when there was none."""
        raise NotImplementedError

    def stop(self) -> None:
        self.stopping.set()
        self.join()


def _message_attributes(message: MessageTypeDef) -> dict[str, Any]:
    """SQS's MessageAttributes in the Lambda event's casing."""
    return {
        name: {
            "stringValue": value.get("StringValue"),
            "binaryValue": value.get("BinaryValue"),
            "stringListValues": [],
            "binaryListValues": [],
            "dataType": value["DataType"],
        }
        for name, value in message.get("MessageAttributes", {}).items()
    }


def sqs_record(message: MessageTypeDef, queue_arn: str) -> dict[str, Any]:
    """One record of the event Lambda's SQS event source builds from a received message."""
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message.get("Body", ""),
        "attributes": dict(message.get("Attributes", {})),
        "messageAttributes": _message_attributes(message),
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": queue_arn.split(":")[3],  # the queue's own region (arn:aws:sqs:REGION:...)
    }


def _receive(sqs: SQSClient, queue_url: str) -> list[MessageTypeDef]:
    return sqs.receive_message(
        QueueUrl=queue_url,
        MaxNumberOfMessages=BATCH_SIZE,
        WaitTimeSeconds=0,
        MessageSystemAttributeNames=["All"],
        MessageAttributeNames=["All"],
    ).get("Messages", [])


class QueuePump(Pump):
    """A pump that polls one SQS queue and hands each non-empty receive to `handle`."""

    def __init__(self, name: str, journal: Journal, sqs: SQSClient, queue_url: str) -> None:
        super().__init__(name, journal)
        self._sqs = sqs
        self._queue_url = queue_url

    def step(self) -> bool:
        messages = _receive(self._sqs, self._queue_url)
        if not messages:
            return False
        self.busy = True
        try:
            self.handle(messages)
        finally:
            self.busy = False
        return True

    def handle(self, messages: list[MessageTypeDef]) -> None:
        """Deliver the messages of one receive (up to `BATCH_SIZE`)."""
        raise NotImplementedError


class ScoresPump(QueuePump):
    """The scores queue's event source mapping."""

    def __init__(
        self, journal: Journal, sqs: SQSClient, queue_url: str, queue_arn: str, function: Function
    ) -> None:
        super().__init__("scores", journal, sqs, queue_url)
        self._queue_arn = queue_arn
        self._function = function

    def handle(self, messages: list[MessageTypeDef]) -> None:
        event = {"Records": [sqs_record(m, self._queue_arn) for m in messages]}
        before = self.journal.counts()
        self.doing = f"a batch of {len(messages)} score submissions"
        try:
            response = self._function.invoke(event)
            failed = {item["itemIdentifier"] for item in response.get("batchItemFailures", [])}
            why = "reported as batch item failures"
        except Exception as error:  # noqa: BLE001 - a function error fails the whole batch
            failed = {m["MessageId"] for m in messages}
            why = f"the function failed: {type(error).__name__}: {error}"
        finally:
            self.doing = None
        done = [m for m in messages if m["MessageId"] not in failed]
        for start in range(0, len(done), BATCH_SIZE):
            self._sqs.delete_message_batch(
                QueueUrl=self._queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                    for i, m in enumerate(done[start : start + BATCH_SIZE])
                ],
            )
        retried = [m for m in messages if m["MessageId"] in failed]
        for message in retried:
            self._sqs.change_message_visibility(
                QueueUrl=self._queue_url,
                ReceiptHandle=message["ReceiptHandle"],
                VisibilityTimeout=RETRY_DELAY_SECONDS,
            )
        self.journal.count("scores.batches")
        self.journal.count("scores.handled", len(done))
        self.journal.count("scores.retried", len(retried))
        exhausted = [
            m
            for m in retried
            if int(m.get("Attributes", {}).get("ApproximateReceiveCount", "1"))
            >= SCORES.max_receive_count
        ]
        self.journal.count("scores.redriven", len(exhausted))
        after = self.journal.counts()
        endings = ", ".join(
            f"{after.get(counter, 0) - before.get(counter, 0)} {name}"
            for name, counter in (
                ("accepted", "scores.accepted"),
                ("unchanged", "scores.unchanged"),
                ("dead-lettered", "dead_letters.scores"),
            )
        )
        line = f"scores: batch of {len(messages)}: {endings}"
        if retried:
            line += f"; {len(retried)} to retry ({why})"
        self.journal.say(line)
        for message in exhausted:
            self.journal.say(
                f"scores: message {message['MessageId']} failed "
                f"{SCORES.max_receive_count} times: SQS redrives it to the dead-letter queue"
            )


class InventoryPump(QueuePump):
    """EventBridge's target: the inventory rules' events, to ``inventory_import``."""

    def __init__(
        self,
        journal: Journal,
        sqs: SQSClient,
        queue_url: str,
        dlq_url: str,
        function: Function,
    ) -> None:
        super().__init__("inventory", journal, sqs, queue_url)
        self._dlq_url = dlq_url
        self._function = function

    def handle(self, messages: list[MessageTypeDef]) -> None:
        for message in messages:
            self._handle(message)

    def _handle(self, message: MessageTypeDef) -> None:
        body = message.get("Body", "")
        attempt = int(message.get("Attributes", {}).get("ApproximateReceiveCount", "1"))
        try:
            event = json.loads(body)
            self._starting(event)
            outcome = self._function.invoke(event)
        except Exception as error:  # noqa: BLE001 - EventBridge retries, then dead-letters
            self._failed(message, attempt, f"{type(error).__name__}: {error}")
            return
        finally:
            self.doing = None
        self._sqs.delete_message(QueueUrl=self._queue_url, ReceiptHandle=message["ReceiptHandle"])
        self.journal.count("inventory.invocations")
        self._imported(event, outcome)

    def _starting(self, event: dict[str, Any]) -> None:
        """Say which import (and its id, which ``/inventory/imports/{import_id}`` reads) starts."""
        from tap_aws.functions.inventory_import import job_of  # noqa: PLC0415

        try:
            job = job_of(event)
        except Exception:  # noqa: BLE001 - the function itself reports a malformed event
            return
        upload = job.upload
        self.doing = f"the import of {upload.key}"
        self.journal.say(
            f"inventory: importing s3://{upload.bucket}/{upload.key} (part {job.part}); "
            f"import id {upload.import_id}"
        )

    def _imported(self, event: dict[str, Any], outcome: Any) -> None:
        key = (event.get("detail") or {}).get("object", {}).get("key", "?")
        if not isinstance(outcome, dict):
            self.journal.say(f"inventory: {event.get('detail-type')} {key}: done")
            return
        numbers = {name: outcome.get(name) for name in ROW_ENDINGS}
        for name, number in numbers.items():
            if isinstance(number, int):
                self.journal.count(f"rows.{name}", number)
        # A file imported in parts ends once, with its last part ("done"); earlier parts end
        # "continued" (the function put an IMPORT_CONTINUED event, routed back to this queue).
        status = outcome.get("status")
        self.journal.count("inventory.parts")
        if status in (None, "done"):
            self.journal.count("inventory.files")
        endings = ", ".join(f"{number} {name}" for name, number in numbers.items())
        errors = outcome.get("file_errors") or []
        extra = f"; file errors: {', '.join(map(str, errors))}" if errors else ""
        part = "" if status is None else f" (part {outcome.get('part')}: {status})"
        self.journal.say(
            f"inventory: {outcome.get('key', key)}{part}: {endings}{extra}; "
            f"import id {outcome.get('import_id')}"
        )

    def _failed(self, message: MessageTypeDef, attempt: int, reason: str) -> None:
        if attempt < EVENT_ATTEMPTS:
            self._sqs.change_message_visibility(
                QueueUrl=self._queue_url,
                ReceiptHandle=message["ReceiptHandle"],
                VisibilityTimeout=RETRY_DELAY_SECONDS,
            )
            self.journal.count("inventory.retried")
            self.journal.say(f"inventory: attempt {attempt} failed ({reason}); retrying")
            return
        self._sqs.send_message(
            QueueUrl=self._dlq_url,
            MessageBody=message.get("Body", ""),
            MessageAttributes={
                "ERROR_CODE": {"DataType": "String", "StringValue": "FunctionError"},
                "ERROR_MESSAGE": {"DataType": "String", "StringValue": reason[:1000]},
                "RETRY_ATTEMPTS": {"DataType": "Number", "StringValue": str(attempt)},
                "EXHAUSTED_RETRY_CONDITION": {
                    "DataType": "String",
                    "StringValue": "MaximumRetryAttempts",
                },
            },
        )
        self._sqs.delete_message(QueueUrl=self._queue_url, ReceiptHandle=message["ReceiptHandle"])
        self.journal.count("dead_letters.events")
        self.journal.say(f"inventory: event dead-lettered after {attempt} attempts: {reason}")


def scheduled_event(at: datetime, suffix: str, region: str = REGION) -> dict[str, Any]:
    """The event EventBridge's scheduler sends the summary function, in the stack's region."""
    rule = resource_name(INVENTORY_SUMMARY_FUNCTION.stem, suffix)
    rule_arn = f"arn:aws:events:{region}:{ACCOUNT}:rule/{rule}"
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT,
        "time": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [rule_arn],
        "detail": {},
    }


class SummaryTimer(Pump):
    """Runs ``invoke`` every ``interval`` seconds (the first one ``interval`` after start)."""

    def __init__(self, journal: Journal, interval: float, invoke: Any) -> None:
        super().__init__("summary", journal)
        self._interval = interval
        self._invoke = invoke

    def run(self) -> None:
        while not self.stopping.wait(self._interval):
            self.busy = True
            try:
                self._invoke()
            except Exception as error:  # noqa: BLE001 - reported; the next tick tries again
                self.journal.count("summary.failed")
                self.journal.say(f"summary: failed: {type(error).__name__}: {error}")
            finally:
                self.busy = False


class Invoker(Protocol):
    """A function the pump invokes (``tap_tools.local.invoke.Function``)."""

    def invoke(self, event: dict[str, Any]) -> Any: ...


class _Shard:
    """One stream shard's reading: its iterator and the records read but not yet done."""

    def __init__(self, iterator: str | None) -> None:
        self.iterator = iterator
        self.pending: list[tuple[float, dict[str, Any]]] = []  # (read at, record)
        self.attempts = 0
        self.size: int | None = None  # a bisected batch's size while it is retried


class StreamPump(Pump):
    """The ``rank_index`` function's event source mapping (see the module)."""

    def __init__(
        self,
        journal: Journal,
        streams: DynamoDBStreamsClient,
        stream_arn: str,
        function: Invoker,
        *,
        source: StreamMappingSpec = RANK_INDEX_STREAM,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__("rank-index", journal)
        self._streams = streams
        self._arn = stream_arn
        self._function = function
        self._source = source
        self._clock = clock
        self._shards: dict[str, _Shard] = {}
        self._lock = threading.Lock()

    def step(self) -> bool:
        with self._lock:
            return self._step(force=False)

    def drain(self) -> None:
        """Deliver every record written so far, windows or not (tests; ``wait_idle``)."""
        with self._lock:
            while self._step(force=True):
                pass

    @property
    def pending(self) -> int:
        """Records read and not yet done."""
        return sum(len(shard.pending) for shard in self._shards.values())

    def _step(self, *, force: bool) -> bool:
        self._discover()
        worked = False
        for shard_id, shard in self._shards.items():
            worked |= self._read(shard)
            if shard.pending and (force or self._due(shard)):
                self.busy = True
                try:
                    self._deliver(shard_id, shard)
                finally:
                    self.busy = False
                worked = True
        return worked

    def _discover(self) -> None:
        description = self._streams.describe_stream(StreamArn=self._arn)["StreamDescription"]
        for shard in description.get("Shards", []):
            shard_id = shard["ShardId"]
            if shard_id not in self._shards:
                iterator = self._streams.get_shard_iterator(
                    StreamArn=self._arn,
                    ShardId=shard_id,
                    ShardIteratorType=self._source.starting_position,
                )["ShardIterator"]
                self._shards[shard_id] = _Shard(iterator)

    def _read(self, shard: _Shard) -> bool:
        """Read what the shard has past its iterator (filtered); True when anything came."""
        if shard.iterator is None or len(shard.pending) >= self._source.batch_size:
            return False
        answer = self._streams.get_records(
            ShardIterator=shard.iterator, Limit=self._source.batch_size
        )
        shard.iterator = answer.get("NextShardIterator")
        now = self._clock()
        read = [dict(record) for record in answer.get("Records", [])]
        for record in read:
            record.setdefault("eventSourceARN", self._arn)
        kept = [r for r in read if self._source.admits(r)]
        shard.pending += [(now, record) for record in kept]
        return bool(read)

    def _due(self, shard: _Shard) -> bool:
        full = len(shard.pending) >= self._source.batch_size
        waited = self._clock() - shard.pending[0][0] >= self._source.batching_window_seconds
        return full or waited or shard.attempts > 0

    def _deliver(self, shard_id: str, shard: _Shard) -> None:
        now = self._clock()
        aged = [r for at, r in shard.pending if now - at > self._source.maximum_record_age_seconds]
        if aged:
            shard.pending = shard.pending[len(aged) :]
            self._discard(shard_id, len(aged), "older than the maximum record age")
            if not shard.pending:
                return
        size = min(shard.size or self._source.batch_size, self._source.batch_size)
        batch = [record for _, record in shard.pending[:size]]
        try:
            response = self._function.invoke({"Records": batch})
        except Exception as error:  # noqa: BLE001 - a function error: retried, maybe halved
            self._failed(shard_id, shard, len(batch), f"{type(error).__name__}: {error}")
            return
        failures = (response or {}).get("batchItemFailures", [])
        sequences = [record["dynamodb"]["SequenceNumber"] for record in batch]
        if failures:
            first = min(sequences.index(f["itemIdentifier"]) for f in failures)
            shard.pending = shard.pending[first:]
            self.journal.count("rank_index.records", first)
            self._failed(shard_id, shard, len(batch) - first, "reported as batch item failures")
            return
        shard.pending = shard.pending[len(batch) :]
        shard.attempts, shard.size = 0, None
        self.journal.count("rank_index.batches")
        self.journal.count("rank_index.records", len(batch))

    def _failed(self, shard_id: str, shard: _Shard, size: int, why: str) -> None:
        shard.attempts += 1
        self.journal.count("rank_index.retried")
        if shard.attempts > self._source.maximum_retry_attempts:
            shard.pending = shard.pending[size:]
            shard.attempts, shard.size = 0, None
            self._discard(shard_id, size, f"retries exhausted ({why})")
            return
        if self._source.bisect_on_error and size > 1:
            shard.size = (size + 1) // 2
        self.journal.say(f"rank-index: batch of {size} on {shard_id} failed ({why}); retrying")

    def _discard(self, shard_id: str, records: int, why: str) -> None:
        self.journal.count("rank_index.discarded", records)
        self.journal.say(
            f"rank-index: {records} records of {shard_id} go to the on-failure destination: {why}"
        )
