"""The queue-attributes shim (``queue_attributes_on_demand``) answers exactly as moto's own
SQS, and sending or receiving a message no longer costs a walk of the whole queue.

Each generated history (sends one by one and in batches, to FIFO and standard queues, with and
without content-based deduplication, with repeated deduplication ids and missing group ids;
receives; GetQueueAttributes of any names) runs on two of moto's in-process SQS backends:
one with the shim on, one with it off. Every answer and every error must be equal.
"""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from moto.sqs import models as sqs_models
from moto.sqs.models import Queue, SQSBackend, sqs_backends

from tap_tools.testing import REGION, QueueAttributesShim, queue_attributes_on_demand

if TYPE_CHECKING:
    from collections.abc import Callable

NAMES = [*Queue.BASE_ATTRIBUTES, *Queue.FIFO_ATTRIBUTES, *Queue.KMS_ATTRIBUTES]
CHANGING = {"CreatedTimestamp", "LastModifiedTimestamp", "QueueArn"}
"""Attributes that differ between two queues made apart (their time, their account)."""
HIDDEN_SECONDS = 300
"""Received messages stay hidden for the whole test (no answer depends on the clock)."""


@pytest.fixture(scope="module")
def shim() -> QueueAttributesShim:
    return queue_attributes_on_demand()


def _queue(
    account: str, fifo: bool, content_dedup: bool, dlq: bool, stem: str | None = None
) -> tuple[SQSBackend, str]:
    """A new queue in moto's process-wide backend of ``account`` (where moto finds a DLQ)."""
    backend: SQSBackend = sqs_backends[account][REGION]
    stem = stem or uuid.uuid4().hex[:12]
    name = f"{stem}.fifo" if fifo else stem
    attributes: dict[str, str] = {"VisibilityTimeout": str(HIDDEN_SECONDS)}
    if fifo:
        attributes |= {"FifoQueue": "true", "ContentBasedDeduplication": str(content_dedup)}
    if dlq:
        dead = backend.create_queue(f"dead-{name}", None, **_fifo(fifo))
        attributes["RedrivePolicy"] = json.dumps(
            {"deadLetterTargetArn": dead.queue_arn, "maxReceiveCount": 1}
        )
        attributes["Policy"] = json.dumps({"Version": "2012-10-17", "Statement": []})
    backend.create_queue(name, None, **attributes)
    return backend, name


def _fifo(fifo: bool) -> dict[str, str]:
    return {"FifoQueue": "true"} if fifo else {}


ENTRY = st.fixed_dictionaries(
    {
        "body": st.sampled_from(["a", "b", "c"]),
        "group": st.none() | st.sampled_from(["g1", "g2"]),
        "dedup": st.none() | st.sampled_from(["d1", "d2", "d3"]),
    }
)
OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("send"), ENTRY),
        st.tuples(st.just("batch"), st.lists(ENTRY, min_size=1, max_size=4)),
        st.tuples(st.just("receive"), st.integers(1, 10)),
        st.tuples(
            st.just("attributes"),
            st.just(["All"]) | st.lists(st.sampled_from(NAMES), min_size=1, max_size=4),
        ),
    ),
    min_size=1,
    max_size=25,
)


def _run(backend: SQSBackend, name: str, operation: tuple[str, Any]) -> object:
    """What one operation answers, without what differs between two runs (ids, times)."""
    kind, argument = operation
    try:
        if kind == "send":
            message = backend.send_message(
                name,
                argument["body"],
                deduplication_id=argument["dedup"],
                group_id=argument["group"],
            )
            return (message.body, message.group_id, message.deduplication_id)
        if kind == "batch":
            entries = {
                str(index): {
                    "Id": str(index),
                    "MessageBody": entry["body"],
                    "MessageAttributes": {},
                    "DelaySeconds": None,
                    **({"MessageGroupId": entry["group"]} if entry["group"] else {}),
                    **({"MessageDeduplicationId": entry["dedup"]} if entry["dedup"] else {}),
                }
                for index, entry in enumerate(argument)
            }
            sent, failed = backend.send_message_batch(name, entries)
            return ([(m.body, m.group_id, m.deduplication_id) for m in sent], failed)
        if kind == "receive":
            received = backend.receive_message(name, argument, 0, HIDDEN_SECONDS)
            return [(m.body, m.group_id) for m in received]
        found = backend.get_queue_attributes(name, argument)
        return {
            key: value.replace(backend.account_id, "ACCOUNT") if isinstance(value, str) else value
            for key, value in found.items()
            if key not in CHANGING
        }
    except Exception as error:  # noqa: BLE001 - the errors must be equal too
        return (type(error).__name__, str(error))


@settings(max_examples=150, deadline=None)
@given(
    fifo=st.booleans(),
    content_dedup=st.booleans(),
    dlq=st.booleans(),
    operations=OPERATIONS,
)
def test_every_answer_is_moto_s_own(
    shim: QueueAttributesShim,
    fifo: bool,
    content_dedup: bool,
    dlq: bool,
    operations: list[tuple[str, Any]],
) -> None:
    # Given two like queues, one served with the shim, one by moto alone
    stem = uuid.uuid4().hex[:12]
    shimmed = _queue("111111111111", fifo, content_dedup, dlq, stem)
    plain = _queue("222222222222", fifo, content_dedup, dlq, stem)
    for operation in operations:
        # When each runs the same operation
        shim.enabled = True
        ours = _run(*shimmed, operation)
        shim.enabled = False
        try:
            theirs = _run(*plain, operation)
        finally:
            shim.enabled = True
        # Then the answers (or the errors) are equal
        assert ours == theirs, operation


def _clock_reads(monkeypatch: pytest.MonkeyPatch) -> Callable[[], int]:
    """Counts moto's SQS clock reads: two per message whenever a queue's messages are walked."""
    reads = 0
    original: Callable[..., float] = vars(sqs_models)["unix_time_millis"]

    def counted(*args: Any) -> float:
        nonlocal reads
        reads += 1
        return original(*args)

    monkeypatch.setattr(sqs_models, "unix_time_millis", counted)
    return lambda: reads


def _batch(start: int) -> dict[str, dict[str, Any]]:
    return {
        str(index): {
            "Id": str(index),
            "MessageBody": f"m{start + index}",
            "MessageAttributes": {},
            "DelaySeconds": None,
            "MessageGroupId": f"g{(start + index) % 7}",
            "MessageDeduplicationId": f"d{start + index}",
        }
        for index in range(10)
    }


@pytest.mark.parametrize("queued", [10, 400])
def test_sending_and_receiving_cost_the_same_whatever_the_queue_holds(
    shim: QueueAttributesShim, monkeypatch: pytest.MonkeyPatch, queued: int
) -> None:
    # Given a FIFO queue holding `queued` messages (moto 5.2.5 alone walked them all about
    # 15 times per message sent and 3 times per message received)
    assert shim.enabled
    backend, name = _queue("333333333333", fifo=True, content_dedup=False, dlq=True)
    for start in range(0, queued, 10):
        backend.send_message_batch(name, _batch(start))
    reads = _clock_reads(monkeypatch)
    # When a batch of 10 is sent
    backend.send_message_batch(name, _batch(queued))
    sent = reads()
    # Then the queue's messages were not walked at all (the send reads the clock for its own
    # messages only)
    assert sent <= 2 * 10
    # And receiving 10 walks the queue once (moto's own loop), not once per message received
    before = reads()
    received = backend.receive_message(name, 10, 0, HIDDEN_SECONDS)
    assert len(received) == 10
    assert reads() - before <= 2 * (queued + 10) + 4 * 10
