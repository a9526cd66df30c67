"""Creating the local stack's AWS resources in the emulator, from ``tap_aws.resources`` only.

Every name, queue attribute, key schema and event pattern comes from the specs the Pulumi
components read, so the local stack runs on what is deployed: both tables, the scores FIFO
queue with its redrive policy (``maxReceiveCount`` from `tap_aws.resources.SCORES`) and
its dead-letter queue, the rows and events dead-letter queues, the inventory bucket with
EventBridge notifications on, and two rules on the default bus, the CSV upload rule
(`BucketSpec.upload_pattern`) and `IMPORT_CONTINUED`'s, both targeting the
`LOCAL_INVENTORY_EVENTS` queue (moto's EventBridge cannot invoke a Lambda function).
The scores dead-letter queue's depth alarm is created under the infra's name too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final

from tap_aws.adapters.tables import ensure_table
from tap_aws.resources import (
    CONTINUED_RULE_STEM,
    IMPORT_CONTINUED,
    INVENTORY_BUCKET,
    INVENTORY_EVENTS_DLQ,
    INVENTORY_ROWS_DLQ,
    INVENTORY_TABLE,
    LEADERBOARD_TABLE,
    LOCAL_INVENTORY_EVENTS,
    LOCAL_OBJECT_EVENTS,
    LOCAL_OBJECTS_RULE_STEM,
    SCORES,
    SCORES_FUNCTION,
    UPLOAD_RULE_STEM,
    Outputs,
    QueueSpec,
    resource_name,
)

REGION: Final = "us-east-1"
"""The stack's region unless ``--region`` names another (`provision`'s ``region``)."""
ACCOUNT: Final = "123456789012"
"""moto's default account id: the ARNs in the events the stack builds."""
FAKE_CREDENTIAL: Final = "testing"
"""moto accepts any credentials; the stack passes these explicitly to every client."""
DEFAULT_SUFFIX: Final = "local"


def dlq_alarm_name(suffix: str) -> str:
    """The scores dead-letter queue's depth alarm, named as ``tap_infra.leaderboard`` does."""
    return resource_name(f"{SCORES.dlq.stem}-depth", suffix)


@dataclass(frozen=True, slots=True)
class Provisioned:
    """What `provision` created: names, URLs and ARNs."""

    suffix: str
    endpoint_url: str
    region: str
    leaderboard_table: str
    inventory_table: str
    bucket: str
    scores_queue_url: str
    scores_queue_arn: str
    scores_dlq_url: str
    rows_dlq_url: str
    events_queue_url: str
    events_dlq_url: str
    objects_queue_url: str

    def outputs(self, api_url: str) -> dict[str, str]:
        """Every `Outputs` key the infra exports, with the local values."""
        return {
            Outputs.MAIN_QUEUE_URL: self.scores_queue_url,
            Outputs.DLQ_URL: self.scores_dlq_url,
            Outputs.DYNAMODB_TABLE_NAME: self.leaderboard_table,
            Outputs.LAMBDA_FUNCTION_NAME: SCORES_FUNCTION.name(self.suffix),
            Outputs.DLQ_ALARM_NAME: dlq_alarm_name(self.suffix),
            Outputs.INVENTORY_BUCKET_NAME: self.bucket,
            Outputs.INVENTORY_INBOUND_PREFIX: INVENTORY_BUCKET.inbound_prefix,
            Outputs.INVENTORY_TABLE_NAME: self.inventory_table,
            Outputs.INVENTORY_DLQ_URL: self.rows_dlq_url,
            Outputs.INVENTORY_EVENTS_DLQ_URL: self.events_dlq_url,
            Outputs.API_URL: api_url,
            Outputs.ENDPOINT_URL: self.endpoint_url,
            Outputs.REGION: self.region,
        }


def _queue_attributes(spec: QueueSpec) -> dict[str, str]:
    return {
        "VisibilityTimeout": str(spec.visibility_timeout_seconds),
        "MessageRetentionPeriod": str(spec.retention_seconds),
        **spec.fifo_attributes(),  # with the high-throughput settings, which moto keeps
    }


def _create_queue(
    sqs: Any, spec: QueueSpec, suffix: str, extra: dict[str, str] | None = None
) -> tuple[str, str]:
    """(URL, ARN) of the queue made from ``spec``."""
    url = sqs.create_queue(
        QueueName=spec.name(suffix), Attributes={**_queue_attributes(spec), **(extra or {})}
    )["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    return url, arn


def _events_target_policy(queue_arn: str, rule_arns: list[str]) -> str:
    """The queue policy letting EventBridge's rules send to the queue (as in AWS)."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "events.amazonaws.com"},
                    "Action": "sqs:SendMessage",
                    "Resource": queue_arn,
                    "Condition": {"ArnEquals": {"aws:SourceArn": rule_arns}},
                }
            ],
        }
    )


def provision(endpoint_url: str, suffix: str = DEFAULT_SUFFIX, region: str = REGION) -> Provisioned:
    """Create every resource of the stack in the emulator at ``endpoint_url``, in ``region``."""
    from tap_aws.clients import ClientFactory  # noqa: PLC0415 - boto3 when the stack starts

    aws = ClientFactory(
        endpoint_url=endpoint_url, region=region, credentials=(FAKE_CREDENTIAL, FAKE_CREDENTIAL)
    )
    dynamodb, sqs, s3, events = aws.dynamodb(), aws.sqs(), aws.s3(), aws.events()
    for spec in (LEADERBOARD_TABLE, INVENTORY_TABLE):
        ensure_table(dynamodb, spec.name(suffix), spec)

    dlq_url, dlq_arn = _create_queue(sqs, SCORES.dlq, suffix)
    redrive = json.dumps(
        {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": SCORES.max_receive_count}
    )
    queue_url, queue_arn = _create_queue(sqs, SCORES.queue, suffix, {"RedrivePolicy": redrive})
    rows_dlq_url, _ = _create_queue(sqs, INVENTORY_ROWS_DLQ, suffix)
    events_dlq_url, _ = _create_queue(sqs, INVENTORY_EVENTS_DLQ, suffix)
    events_url, events_arn = _create_queue(sqs, LOCAL_INVENTORY_EVENTS, suffix)
    objects_url, objects_arn = _create_queue(sqs, LOCAL_OBJECT_EVENTS, suffix)

    bucket = INVENTORY_BUCKET.name(suffix)
    if region == "us-east-1":  # S3 refuses us-east-1 as a location constraint
        s3.create_bucket(Bucket=bucket)
    else:
        s3.create_bucket(
            Bucket=bucket,
            CreateBucketConfiguration={"LocationConstraint": region},  # type: ignore[typeddict-item]
        )
    # Versioned, as the deployed bucket is: each upload is its own version, imported pinned.
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_notification_configuration(
        Bucket=bucket, NotificationConfiguration={"EventBridgeConfiguration": {}}
    )
    rules = {
        resource_name(UPLOAD_RULE_STEM, suffix): INVENTORY_BUCKET.upload_pattern(bucket),
        resource_name(CONTINUED_RULE_STEM, suffix): IMPORT_CONTINUED.pattern(),
    }
    rule_arns = []
    for name, pattern in rules.items():
        rule_arns.append(events.put_rule(Name=name, EventPattern=json.dumps(pattern))["RuleArn"])
        events.put_targets(Rule=name, Targets=[{"Id": "inventory-events", "Arn": events_arn}])
    sqs.set_queue_attributes(
        QueueUrl=events_url, Attributes={"Policy": _events_target_policy(events_arn, rule_arns)}
    )
    objects_rule = resource_name(LOCAL_OBJECTS_RULE_STEM, suffix)
    objects_rule_arn = events.put_rule(
        Name=objects_rule, EventPattern=json.dumps(INVENTORY_BUCKET.created_pattern(bucket))
    )["RuleArn"]
    events.put_targets(Rule=objects_rule, Targets=[{"Id": "inventory-objects", "Arn": objects_arn}])
    sqs.set_queue_attributes(
        QueueUrl=objects_url,
        Attributes={"Policy": _events_target_policy(objects_arn, [objects_rule_arn])},
    )
    aws.cloudwatch().put_metric_alarm(
        AlarmName=dlq_alarm_name(suffix),
        Namespace="AWS/SQS",
        MetricName="ApproximateNumberOfMessagesVisible",
        Dimensions=[{"Name": "QueueName", "Value": SCORES.dlq.name(suffix)}],
        Statistic="Maximum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=0,
        ComparisonOperator="GreaterThanThreshold",
    )
    return Provisioned(
        suffix=suffix,
        endpoint_url=endpoint_url,
        region=region,
        leaderboard_table=LEADERBOARD_TABLE.name(suffix),
        inventory_table=INVENTORY_TABLE.name(suffix),
        bucket=bucket,
        scores_queue_url=queue_url,
        scores_queue_arn=queue_arn,
        scores_dlq_url=dlq_url,
        rows_dlq_url=rows_dlq_url,
        events_queue_url=events_url,
        events_dlq_url=events_dlq_url,
        objects_queue_url=objects_url,
    )
