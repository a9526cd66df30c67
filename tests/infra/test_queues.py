"""The scores queue in SQS's high-throughput FIFO mode, from its one spec."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tap_aws.resources import SCORES, QueueSpec

if TYPE_CHECKING:
    from tap_infra.plan import Plan


def test_the_scores_queue_is_high_throughput_and_its_dlq_is_not(planned: Plan) -> None:
    queue = planned.one("aws:sqs/queue:Queue", "tap-leaderboard-scores-queue")
    assert queue.inputs["deduplicationScope"] == "messageGroup"
    assert queue.inputs["fifoThroughputLimit"] == "perMessageGroupId"
    assert SCORES.queue.high_throughput
    dlq = planned.one("aws:sqs/queue:Queue", "tap-leaderboard-scores-dlq")
    assert "deduplicationScope" not in dlq.inputs
    assert "fifoThroughputLimit" not in dlq.inputs


def test_the_local_stack_gets_the_same_attributes_from_the_spec() -> None:
    assert SCORES.queue.fifo_attributes() == {
        "FifoQueue": "true",
        "ContentBasedDeduplication": "false",
        "DeduplicationScope": "messageGroup",
        "FifoThroughputLimit": "perMessageGroupId",
    }
    assert SCORES.dlq.fifo_attributes() == {
        "FifoQueue": "true",
        "ContentBasedDeduplication": "false",
    }
    assert QueueSpec(stem="plain", fifo=False).fifo_attributes() == {}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"fifo": False, "deduplication_scope": "messageGroup"}, "are FIFO settings"),
        ({"fifo": False, "fifo_throughput_limit": "perQueue"}, "are FIFO settings"),
        ({"fifo": True, "fifo_throughput_limit": "perMessageGroupId"}, "needs deduplication_scope"),
    ],
)
def test_a_queue_spec_sqs_would_refuse_is_refused(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        QueueSpec(stem="q", **changes)  # type: ignore[arg-type]
