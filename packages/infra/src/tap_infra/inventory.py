"""The inventory pipeline: S3 inbound/*.csv -> EventBridge -> import function -> inventory table;
a daily schedule -> summary function -> summary item and report.

The import function hands a file it cannot finish on to a later invocation of itself with an
``IMPORT_CONTINUED`` event on the default bus; a second rule routes those back to it, with the
upload rule's retries and dead-letter queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import pulumi
import pulumi_aws as aws

from tap_aws.resources import (
    CONTINUED_RULE_STEM,
    DEFAULT_BUS,
    IMPORT_CONTINUED,
    IMPORT_REPORTS,
    INVENTORY_BUCKET,
    INVENTORY_EVENTS_DLQ,
    INVENTORY_IMPORT_FUNCTION,
    INVENTORY_ROWS_DLQ,
    INVENTORY_SUMMARY_FUNCTION,
    INVENTORY_TABLE,
    UPLOAD_RULE_STEM,
    Env,
    FunctionSpec,
    resource_name,
)
from tap_infra import iam
from tap_infra.alarms import queue_depth_alarm
from tap_infra.buckets import SecureBucket, SecureBucketArgs
from tap_infra.functions import FunctionSettings, ObservedFunction, ObservedFunctionArgs
from tap_infra.leaderboard import table_resources
from tap_infra.queues import create_queue, queue_policy
from tap_infra.tables import create_table

SUMMARY_SCHEDULE: Final = "cron(15 0 * * ? *)"
"""Daily at 00:15 UTC, once the day's last uploads have landed."""
MAX_EVENT_AGE_SECONDS: Final = 3600
MAX_RETRY_ATTEMPTS: Final = 4
IMPORT_TABLE_ACTIONS: Final = (
    "dynamodb:BatchGetItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:Query",
    "dynamodb:TransactWriteItems",
    "dynamodb:UpdateItem",
)
SUMMARY_TABLE_ACTIONS: Final = (
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:Query",
    "dynamodb:Scan",  # the summary reads every stock record
)


@dataclass(frozen=True, kw_only=True)
class InventoryPipelineArgs:
    suffix: str
    functions: FunctionSettings
    deletion_protection: bool = True
    report_retention_days: int = 90


def default_bus_arn(arn: pulumi.Output[str]) -> pulumi.Output[str]:
    """The ARN of the default event bus of the account and region of ``arn`` (any resource's
    ARN of this stack: a data-source call would need credentials at plan time)."""

    def bus(text: str) -> str:
        _, partition, _, region, account = text.split(":")[:5]
        return f"arn:{partition}:events:{region}:{account}:event-bus/{DEFAULT_BUS}"

    return arn.apply(bus)


def _retry() -> dict[str, int]:
    return {
        "maximum_event_age_in_seconds": MAX_EVENT_AGE_SECONDS,
        "maximum_retry_attempts": MAX_RETRY_ATTEMPTS,
    }


class InventoryPipeline(pulumi.ComponentResource):
    """Bucket, table, upload rule, import and summary functions, daily schedule, DLQs."""

    bucket: SecureBucket
    table: aws.dynamodb.Table
    rows_dlq: aws.sqs.Queue
    events_dlq: aws.sqs.Queue
    importer: ObservedFunction
    summary: ObservedFunction
    rule: aws.cloudwatch.EventRule
    continued_rule: aws.cloudwatch.EventRule
    schedule: aws.scheduler.Schedule

    def __init__(
        self, name: str, args: InventoryPipelineArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("tap:inventory:InventoryPipeline", name, None, opts)
        self.bucket = SecureBucket(
            f"{name}-bucket",
            SecureBucketArgs(
                spec=INVENTORY_BUCKET,
                suffix=args.suffix,
                report_retention_days=args.report_retention_days,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.table = create_table(
            f"{name}-table",
            INVENTORY_TABLE,
            args.suffix,
            self,
            deletion_protection=args.deletion_protection,
        )
        self.rows_dlq = create_queue(f"{name}-rows-dlq", INVENTORY_ROWS_DLQ, args.suffix, self)
        queue_policy(f"{name}-rows-dlq-policy", self.rows_dlq, self)
        self.events_dlq = create_queue(
            f"{name}-events-dlq", INVENTORY_EVENTS_DLQ, args.suffix, self
        )
        self.importer = self._create_importer(name, args)
        self.summary = self._create_summary(name, args)
        self.rule = self._create_upload_rule(name, args)
        self.continued_rule = self._create_continued_rule(name, args)
        self._create_events_dlq_policy(name)
        self.schedule = self._create_schedule(name, args)
        self._create_dlq_alarms(name, args)
        self.register_outputs(
            {
                "bucket_name": self.bucket.bucket.bucket,
                "table_name": self.table.name,
                "rows_dlq_url": self.rows_dlq.url,
                "events_dlq_url": self.events_dlq.url,
                "rule_name": self.rule.name,
                "continued_rule_name": self.continued_rule.name,
            }
        )

    def _function_args(
        self,
        args: InventoryPipelineArgs,
        spec: FunctionSpec,
        environment: dict[str, pulumi.Input[str]],
        statements: list[iam.Statement],
    ) -> ObservedFunctionArgs:
        return ObservedFunctionArgs(
            spec=spec,
            suffix=args.suffix,
            settings=args.functions,
            environment=environment,
            statements=statements,
            # Events Lambda could not process after its async retries.
            dead_letter_arn=self.events_dlq.arn,
        )

    def _objects(self, *prefix: str) -> pulumi.Output[str]:
        """The ARN of the bucket's objects under ``prefix`` (a wildcard after it)."""
        return pulumi.Output.concat(self.bucket.bucket.arn, "/", *prefix, "*")

    def _create_importer(self, name: str, args: InventoryPipelineArgs) -> ObservedFunction:
        index_names = tuple(index.name for index in INVENTORY_TABLE.indexes)
        environment: dict[str, pulumi.Input[str]] = {
            Env.INVENTORY_TABLE: self.table.name,
            Env.INVENTORY_BUCKET: self.bucket.bucket.bucket,
            Env.INVENTORY_DLQ_URL: self.rows_dlq.url,
        }
        statements = [
            # Object keys are chosen by uploaders: the prefix wildcard is the narrowest.
            iam.allow(["s3:GetObject"], [self._objects(INVENTORY_BUCKET.inbound_prefix)]),
            iam.allow(IMPORT_TABLE_ACTIONS, table_resources(self.table, index_names)),
            iam.allow(["sqs:SendMessage"], [self.rows_dlq.arn]),
            # The import reports, the key claims a file in parts carries from part to part
            # (written, then read by the next part), and the follow-up event.
            iam.allow(
                ["s3:PutObject", "s3:GetObject"],
                [self._objects(INVENTORY_BUCKET.reports_prefix, IMPORT_REPORTS)],
            ),
            iam.allow(["events:PutEvents"], [default_bus_arn(self.table.arn)]),
        ]
        return ObservedFunction(
            f"{name}-import",
            self._function_args(args, INVENTORY_IMPORT_FUNCTION, environment, statements),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _create_summary(self, name: str, args: InventoryPipelineArgs) -> ObservedFunction:
        index_names = tuple(index.name for index in INVENTORY_TABLE.indexes)
        environment: dict[str, pulumi.Input[str]] = {
            Env.INVENTORY_TABLE: self.table.name,
            Env.INVENTORY_BUCKET: self.bucket.bucket.bucket,
        }
        statements = [
            iam.allow(SUMMARY_TABLE_ACTIONS, table_resources(self.table, index_names)),
            # Report keys carry the date: the prefix wildcard is the narrowest.
            iam.allow(["s3:PutObject"], [self._objects(INVENTORY_BUCKET.reports_prefix)]),
        ]
        return ObservedFunction(
            f"{name}-summary",
            self._function_args(args, INVENTORY_SUMMARY_FUNCTION, environment, statements),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _create_events_dlq_policy(self, name: str) -> None:
        """EventBridge may dead-letter into the events DLQ, for these two rules only."""
        queue_policy(
            f"{name}-events-dlq-policy",
            self.events_dlq,
            self,
            extra=[
                iam.allow_service(
                    "events.amazonaws.com", ["sqs:SendMessage"], self.events_dlq.arn, rule.arn
                )
                for rule in (self.rule, self.continued_rule)
            ],
        )

    def _create_dlq_alarms(self, name: str, args: InventoryPipelineArgs) -> None:
        for queue, spec in (
            (self.rows_dlq, INVENTORY_ROWS_DLQ),
            (self.events_dlq, INVENTORY_EVENTS_DLQ),
        ):
            queue_depth_alarm(
                f"{name}-{spec.stem}-alarm",
                resource_name(f"{spec.stem}-depth", args.suffix),
                queue,
                args.functions.alarm_topic_arn,
                self,
            )

    def _create_upload_rule(
        self, name: str, args: InventoryPipelineArgs
    ) -> aws.cloudwatch.EventRule:
        child = pulumi.ResourceOptions(parent=self)
        rule = aws.cloudwatch.EventRule(
            f"{name}-upload-rule",
            name=resource_name(UPLOAD_RULE_STEM, args.suffix),
            description="CSV uploads under the inbound prefix of the inventory bucket",
            # The bucket name is an Output: the pattern is built once it is known.
            event_pattern=pulumi.Output.json_dumps(
                self.bucket.bucket.bucket.apply(INVENTORY_BUCKET.upload_pattern)
            ),
            opts=child,
        )
        self._invoke_importer(f"{name}-upload", rule)
        return rule

    def _create_continued_rule(
        self, name: str, args: InventoryPipelineArgs
    ) -> aws.cloudwatch.EventRule:
        rule = aws.cloudwatch.EventRule(
            f"{name}-continued-rule",
            name=resource_name(CONTINUED_RULE_STEM, args.suffix),
            description="Inventory imports handed on to a follow-up invocation",
            event_bus_name=DEFAULT_BUS,
            event_pattern=pulumi.Output.json_dumps(IMPORT_CONTINUED.pattern()),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self._invoke_importer(f"{name}-continued", rule)
        return rule

    def _invoke_importer(self, name: str, rule: aws.cloudwatch.EventRule) -> None:
        """Target ``rule`` at the import function, with retries and the events DLQ."""
        child = pulumi.ResourceOptions(parent=self)
        aws.cloudwatch.EventTarget(
            f"{name}-target",
            rule=rule.name,
            arn=self.importer.function.arn,
            retry_policy=_retry(),
            dead_letter_config={"arn": self.events_dlq.arn},
            opts=child,
        )
        aws.lambda_.Permission(
            f"{name}-permission",
            action="lambda:InvokeFunction",
            function=self.importer.function.name,
            principal="events.amazonaws.com",
            source_arn=rule.arn,
            opts=child,
        )

    def _create_schedule(self, name: str, args: InventoryPipelineArgs) -> aws.scheduler.Schedule:
        child = pulumi.ResourceOptions(parent=self)
        role = aws.iam.Role(
            f"{name}-scheduler-role",
            name=resource_name("inventory-scheduler", args.suffix),
            assume_role_policy=iam.assume_role("scheduler.amazonaws.com"),
            opts=child,
        )
        policy = aws.iam.RolePolicy(
            f"{name}-scheduler-policy",
            role=role.id,
            policy=iam.document(
                iam.allow(["lambda:InvokeFunction"], [self.summary.function.arn]),
                iam.allow(["sqs:SendMessage"], [self.events_dlq.arn]),
            ),
            opts=child,
        )
        return aws.scheduler.Schedule(
            f"{name}-summary-schedule",
            name=resource_name("inventory-summary", args.suffix),
            schedule_expression=SUMMARY_SCHEDULE,
            schedule_expression_timezone="UTC",
            flexible_time_window={"mode": "OFF"},
            target={
                "arn": self.summary.function.arn,
                "role_arn": role.arn,
                "retry_policy": _retry(),
                "dead_letter_config": {"arn": self.events_dlq.arn},
            },
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy]),
        )
