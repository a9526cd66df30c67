"""SQS queues: encrypted, TLS only, FIFO names from the shared specs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pulumi
import pulumi_aws as aws

from tap_aws.resources import VISIBILITY_FACTOR, QueueSpec, QueueWithDlq
from tap_infra import iam

if TYPE_CHECKING:
    from collections.abc import Sequence


def create_queue(
    resource_name: str,
    spec: QueueSpec,
    suffix: str,
    parent: pulumi.Resource,
    redrive_policy: pulumi.Input[str] | None = None,
) -> aws.sqs.Queue:
    """A queue named by its spec (``.fifo`` added for FIFO) with SQS-managed encryption."""
    return aws.sqs.Queue(
        resource_name,
        name=spec.name(suffix),
        fifo_queue=spec.fifo,
        content_based_deduplication=spec.content_based_deduplication if spec.fifo else None,
        deduplication_scope=spec.deduplication_scope,
        fifo_throughput_limit=spec.fifo_throughput_limit,
        visibility_timeout_seconds=spec.visibility_timeout_seconds,
        message_retention_seconds=spec.retention_seconds,
        sqs_managed_sse_enabled=True,
        redrive_policy=redrive_policy,
        opts=pulumi.ResourceOptions(parent=parent),
    )


def queue_policy(
    resource_name: str,
    queue: aws.sqs.Queue,
    parent: pulumi.Resource,
    extra: Sequence[iam.Statement] = (),
) -> aws.sqs.QueuePolicy:
    """The queue's policy: TLS only, plus any service grants the caller needs."""
    return aws.sqs.QueuePolicy(
        resource_name,
        queue_url=queue.url,
        policy=iam.document(iam.deny_insecure_transport("sqs:*", [queue.arn]), *extra),
        opts=pulumi.ResourceOptions(parent=parent),
    )


@dataclass(frozen=True, kw_only=True)
class FifoQueueArgs:
    """A FIFO work queue and its FIFO dead-letter queue, consumed by a function."""

    spec: QueueWithDlq
    suffix: str
    consumer_timeout_seconds: int

    def __post_init__(self) -> None:
        if not self.spec.queue.fifo:
            raise ValueError(f"queue {self.spec.queue.stem!r} is not FIFO; FifoQueue needs FIFO")
        needed = VISIBILITY_FACTOR * self.consumer_timeout_seconds
        if self.spec.queue.visibility_timeout_seconds < needed:
            raise ValueError(
                f"queue {self.spec.queue.stem!r}: visibility timeout "
                f"{self.spec.queue.visibility_timeout_seconds}s is below {VISIBILITY_FACTOR}x "
                f"the consumer's timeout ({needed}s)"
            )


class FifoQueue(pulumi.ComponentResource):
    """A FIFO queue that SQS redrives to a FIFO DLQ after ``max_receive_count`` receives."""

    queue: aws.sqs.Queue
    dlq: aws.sqs.Queue

    def __init__(
        self, name: str, args: FifoQueueArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("tap:queues:FifoQueue", name, None, opts)
        self.dlq = create_queue(f"{name}-dlq", args.spec.dlq, args.suffix, self)
        redrive = pulumi.Output.json_dumps(
            {"deadLetterTargetArn": self.dlq.arn, "maxReceiveCount": args.spec.max_receive_count}
        )
        self.queue = create_queue(
            f"{name}-queue", args.spec.queue, args.suffix, self, redrive_policy=redrive
        )
        queue_policy(f"{name}-queue-policy", self.queue, self)
        queue_policy(f"{name}-dlq-policy", self.dlq, self)
        self.register_outputs(
            {
                "queue_url": self.queue.url,
                "queue_arn": self.queue.arn,
                "dlq_url": self.dlq.url,
                "dlq_arn": self.dlq.arn,
            }
        )
