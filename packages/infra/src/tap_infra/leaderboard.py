"""The leaderboard pipeline: scores.fifo -> scores function -> leaderboard table, whose
stream feeds the rank index (`tap_infra.rank_index`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import pulumi
import pulumi_aws as aws

from tap_aws.resources import (
    LEADERBOARD_TABLE,
    MAX_COUNT_SHARDS,
    SCORES,
    SCORES_FUNCTION,
    Env,
    resource_name,
)
from tap_infra import iam
from tap_infra.alarms import queue_depth_alarm
from tap_infra.functions import FunctionSettings, ObservedFunction, ObservedFunctionArgs
from tap_infra.queues import FifoQueue, FifoQueueArgs
from tap_infra.rank_index import RankIndexFeed, RankIndexFeedArgs
from tap_infra.tables import create_table

if TYPE_CHECKING:
    from tap_infra.valkey import RankIndexAccess

BATCH_SIZE: Final = 10
TABLE_ACTIONS: Final = (
    "dynamodb:BatchGetItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DeleteItem",  # a transaction that moves a rank item deletes the old one
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:Query",
    "dynamodb:TransactWriteItems",
    "dynamodb:UpdateItem",
)
CONSUMER_ACTIONS: Final = (
    "sqs:ChangeMessageVisibility",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
    "sqs:ReceiveMessage",
)


def table_resources(
    table: aws.dynamodb.Table, index_names: tuple[str, ...]
) -> list[pulumi.Input[str]]:
    """The table's ARN and each of its indexes' ARNs, exactly (no ``/index/*``)."""
    return [table.arn, *(pulumi.Output.concat(table.arn, "/index/", n) for n in index_names)]


@dataclass(frozen=True, kw_only=True)
class BoardSettings:
    """What every function on the leaderboard table must read alike: the boards and the
    counts tree's shards (a reader with fewer shards than the writers misses counts)."""

    leaderboards_json: str
    """The boards' specs, a JSON list of ``tap_core.leaderboard.LeaderboardSpec``."""
    count_shards: int = 1
    """Shards per counts-tree node (``tap_aws.DynamoLeaderboards(count_shards=)``); 1: off."""

    def __post_init__(self) -> None:
        if not 1 <= self.count_shards <= MAX_COUNT_SHARDS:
            raise ValueError(
                f"config countShards: {self.count_shards} is not 1 to {MAX_COUNT_SHARDS}"
            )

    def environment(self) -> dict[str, pulumi.Input[str]]:
        """The settings variables that carry them."""
        return {
            Env.LEADERBOARDS: self.leaderboards_json,
            Env.LEADERBOARD_COUNT_SHARDS: str(self.count_shards),
        }


@dataclass(frozen=True, kw_only=True)
class LeaderboardPipelineArgs:
    suffix: str
    functions: FunctionSettings
    boards: BoardSettings
    """The boards' specs, a JSON list of ``tap_core.leaderboard.LeaderboardSpec``."""
    deletion_protection: bool = True
    rank_index: RankIndexAccess | None = None
    """The Valkey rank index's settings and network; None: the DynamoDB index."""


class LeaderboardPipeline(pulumi.ComponentResource):
    """Scores queue (FIFO + DLQ), leaderboard table (with its stream), scores function and
    its trigger, and the rank index the table's stream feeds."""

    queues: FifoQueue
    table: aws.dynamodb.Table
    scores: ObservedFunction
    mapping: aws.lambda_.EventSourceMapping
    dlq_alarm: aws.cloudwatch.MetricAlarm
    rank_index: RankIndexFeed

    def __init__(
        self, name: str, args: LeaderboardPipelineArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("tap:leaderboard:LeaderboardPipeline", name, None, opts)
        self.queues = FifoQueue(
            f"{name}-scores",
            FifoQueueArgs(
                spec=SCORES,
                suffix=args.suffix,
                consumer_timeout_seconds=SCORES_FUNCTION.timeout_seconds,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.table = create_table(
            f"{name}-table",
            LEADERBOARD_TABLE,
            args.suffix,
            self,
            deletion_protection=args.deletion_protection,
        )
        self.scores = self._create_function(name, args)
        self.mapping = self._create_trigger(name)
        self.dlq_alarm = queue_depth_alarm(
            f"{name}-dlq-alarm",
            resource_name(f"{SCORES.dlq.stem}-depth", args.suffix),
            self.queues.dlq,
            args.functions.alarm_topic_arn,
            self,
        )
        self.rank_index = RankIndexFeed(
            f"{name}-rank-index",
            RankIndexFeedArgs(
                suffix=args.suffix,
                functions=args.functions,
                table=self.table,
                boards=args.boards.environment(),
                rank_index=args.rank_index,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.register_outputs(
            {
                "queue_url": self.queues.queue.url,
                "dlq_url": self.queues.dlq.url,
                "table_name": self.table.name,
                "table_stream_arn": self.table.stream_arn,
                "function_name": self.scores.function.name,
                "dlq_alarm_name": self.dlq_alarm.name,
                "rank_index_function_name": self.rank_index.function.function.name,
            }
        )

    def _create_function(self, name: str, args: LeaderboardPipelineArgs) -> ObservedFunction:
        """The scores function: writes the table, consumes the queue, dead-letters itself."""
        index_names = tuple(index.name for index in LEADERBOARD_TABLE.indexes)
        return ObservedFunction(
            f"{name}-function",
            ObservedFunctionArgs(
                spec=SCORES_FUNCTION,
                suffix=args.suffix,
                settings=args.functions,
                environment={
                    Env.LEADERBOARD_TABLE: self.table.name,
                    **args.boards.environment(),
                    # The deployed stack runs rank_index on the table's stream: scores writes
                    # entries only, and the index is applied there, in batches.
                    Env.LEADERBOARD_INDEX: "stream",
                    Env.SCORES_DLQ_URL: self.queues.dlq.url,
                },
                statements=[
                    iam.allow(TABLE_ACTIONS, table_resources(self.table, index_names)),
                    iam.allow(CONSUMER_ACTIONS, [self.queues.queue.arn]),
                    # The function dead-letters bad messages itself, with their reason.
                    iam.allow(["sqs:SendMessage"], [self.queues.dlq.arn]),
                ],
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _create_trigger(self, name: str) -> aws.lambda_.EventSourceMapping:
        """The queue feeds the function in batches, reporting failed items one by one."""
        # No maximum_batching_window_in_seconds: SQS FIFO event sources reject it.
        return aws.lambda_.EventSourceMapping(
            f"{name}-trigger",
            event_source_arn=self.queues.queue.arn,
            function_name=self.scores.function.arn,
            batch_size=BATCH_SIZE,
            function_response_types=["ReportBatchItemFailures"],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.scores]),
        )
