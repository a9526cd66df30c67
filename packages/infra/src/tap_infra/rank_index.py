"""The rank index fed by the leaderboard table's stream: the ``rank_index`` function, its
event source mapping, the mapping's on-failure queue and the alarms that watch them.

Every setting of the mapping is `tap_aws.resources.RANK_INDEX_STREAM`'s, which the local
stack's stream pump reads too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import pulumi
import pulumi_aws as aws

from tap_aws.resources import (
    RANK_INDEX_DLQ,
    RANK_INDEX_FUNCTION,
    RANK_INDEX_STREAM,
    Env,
    resource_name,
)
from tap_infra import iam
from tap_infra.alarms import queue_depth_alarm
from tap_infra.functions import FunctionSettings, ObservedFunction, ObservedFunctionArgs
from tap_infra.queues import create_queue, queue_policy

if TYPE_CHECKING:
    from collections.abc import Mapping

    from tap_infra.valkey import RankIndexAccess

STREAM_ACTIONS: Final = (
    "dynamodb:DescribeStream",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
    "dynamodb:ListStreams",
)
"""What Lambda's poller does with the execution role to read the stream."""
INDEX_ACTIONS: Final = (
    "dynamodb:BatchGetItem",  # the players' held rows and the tree's nodes
    "dynamodb:TransactWriteItems",  # a group: held rows, rank rows, the nodes' ADDs together
    "dynamodb:PutItem",  # (inside that transaction: held and rank rows)
    "dynamodb:DeleteItem",  # (inside that transaction: the old rank row)
    "dynamodb:UpdateItem",  # (inside that transaction: a node's ADD)
)
"""What ``DynamoRankIndex.try_apply`` calls: no Query (ranks are the api's reads), no Scan,
no BatchWriteItem (``repair`` is an operator's tool)."""
ITERATOR_AGE_PERIOD_SECONDS: Final = 60


@dataclass(frozen=True, kw_only=True)
class RankIndexFeedArgs:
    suffix: str
    functions: FunctionSettings
    table: aws.dynamodb.Table
    """The leaderboard table: its stream feeds the index, which it also holds."""
    boards: Mapping[str, pulumi.Input[str]]
    """The boards' settings variables (`tap_infra.leaderboard.BoardSettings.environment`):
    every function on the leaderboard table reads the boards and count shards alike."""
    rank_index: RankIndexAccess | None = None
    """The Valkey rank index's settings and network; None: the DynamoDB index, no VPC."""


class RankIndexFeed(pulumi.ComponentResource):
    """``rank_index`` + its stream mapping + on-failure queue (TLS only, depth alarm) + an
    iterator-age alarm; the function's own errors alarm comes with `ObservedFunction`."""

    dlq: aws.sqs.Queue
    function: ObservedFunction
    mapping: aws.lambda_.EventSourceMapping
    iterator_age_alarm: aws.cloudwatch.MetricAlarm
    dlq_alarm: aws.cloudwatch.MetricAlarm

    def __init__(
        self, name: str, args: RankIndexFeedArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("tap:rank_index:RankIndexFeed", name, None, opts)
        self.dlq = create_queue(f"{name}-dlq", RANK_INDEX_DLQ, args.suffix, self)
        queue_policy(f"{name}-dlq-policy", self.dlq, self)
        self.function = self._create_function(name, args)
        self.mapping = self._create_mapping(name, args)
        self.iterator_age_alarm = self._create_iterator_age_alarm(name, args)
        self.dlq_alarm = queue_depth_alarm(
            f"{name}-dlq-alarm",
            resource_name(f"{RANK_INDEX_DLQ.stem}-depth", args.suffix),
            self.dlq,
            args.functions.alarm_topic_arn,
            self,
        )
        self.register_outputs(
            {
                "function_name": self.function.function.name,
                "mapping_id": self.mapping.id,
                "dlq_url": self.dlq.url,
                "iterator_age_alarm_name": self.iterator_age_alarm.name,
                "dlq_alarm_name": self.dlq_alarm.name,
            }
        )

    def _create_function(self, name: str, args: RankIndexFeedArgs) -> ObservedFunction:
        """The function: reads the stream, writes the index's items, notes what it gave up."""
        return ObservedFunction(
            f"{name}-function",
            ObservedFunctionArgs(
                spec=RANK_INDEX_FUNCTION,
                suffix=args.suffix,
                settings=args.functions,
                environment={
                    Env.LEADERBOARD_TABLE: args.table.name,
                    **args.boards,
                },
                statements=[
                    # The stream's exact ARN (its label included), not ``/stream/*``.
                    iam.allow(STREAM_ACTIONS, [args.table.stream_arn]),
                    iam.allow(INDEX_ACTIONS, [args.table.arn]),
                    # Lambda sends the on-failure note with the function's role.
                    iam.allow(["sqs:SendMessage"], [self.dlq.arn]),
                ],
                optional_environment=args.rank_index.environment if args.rank_index else {},
                vpc=args.rank_index.vpc if args.rank_index else None,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _create_mapping(self, name: str, args: RankIndexFeedArgs) -> aws.lambda_.EventSourceMapping:
        """The stream feeds the function entry changes in large, briefly gathered batches."""
        spec = RANK_INDEX_STREAM
        return aws.lambda_.EventSourceMapping(
            f"{name}-mapping",
            event_source_arn=args.table.stream_arn,
            function_name=self.function.function.arn,
            starting_position=spec.starting_position,
            batch_size=spec.batch_size,
            maximum_batching_window_in_seconds=spec.batching_window_seconds,
            parallelization_factor=spec.parallelization_factor,
            function_response_types=["ReportBatchItemFailures"],
            bisect_batch_on_function_error=spec.bisect_on_error,
            maximum_retry_attempts=spec.maximum_retry_attempts,
            maximum_record_age_in_seconds=spec.maximum_record_age_seconds,
            destination_config={"on_failure": {"destination_arn": self.dlq.arn}},
            filter_criteria={
                "filters": [{"pattern": pulumi.Output.json_dumps(spec.filter_pattern())}]
            },
            # The role must allow reading the stream before Lambda validates the mapping.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.function]),
        )

    def _create_iterator_age_alarm(
        self, name: str, args: RankIndexFeedArgs
    ) -> aws.cloudwatch.MetricAlarm:
        """Alarm when the newest batch's records waited longer than the index may lag."""
        topic = args.functions.alarm_topic_arn
        return aws.cloudwatch.MetricAlarm(
            f"{name}-iterator-age",
            name=f"{RANK_INDEX_FUNCTION.name(args.suffix)}-iterator-age",
            namespace="AWS/Lambda",
            metric_name="IteratorAge",
            dimensions={"FunctionName": self.function.function.name},
            statistic="Maximum",
            period=ITERATOR_AGE_PERIOD_SECONDS,
            evaluation_periods=1,
            threshold=RANK_INDEX_STREAM.iterator_age_alarm_seconds * 1000,  # in milliseconds
            comparison_operator="GreaterThanThreshold",
            # No invocations, no datapoints: an idle board is not a stale index.
            treat_missing_data="notBreaching",
            alarm_actions=[topic] if topic is not None else [],
            opts=pulumi.ResourceOptions(parent=self),
        )
