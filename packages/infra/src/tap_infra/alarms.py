"""The alarm topic and queue-depth alarms."""

from __future__ import annotations

from typing import Final

import pulumi
import pulumi_aws as aws

from tap_infra import iam

DEPTH_ALARM_PERIOD_SECONDS: Final = 60


def queue_depth_alarm(
    resource_name: str,
    alarm_name: str,
    queue: aws.sqs.Queue,
    topic_arn: pulumi.Input[str] | None,
    parent: pulumi.Resource,
) -> aws.cloudwatch.MetricAlarm:
    """Alarm as soon as one message waits in ``queue`` (for a DLQ: anything dead-lettered)."""
    return aws.cloudwatch.MetricAlarm(
        resource_name,
        name=alarm_name,
        namespace="AWS/SQS",
        metric_name="ApproximateNumberOfMessagesVisible",
        dimensions={"QueueName": queue.name},
        statistic="Maximum",
        period=DEPTH_ALARM_PERIOD_SECONDS,
        evaluation_periods=1,
        threshold=0,
        comparison_operator="GreaterThanThreshold",
        treat_missing_data="notBreaching",
        alarm_actions=[topic_arn] if topic_arn is not None else [],
        opts=pulumi.ResourceOptions(parent=parent),
    )


class AlarmTopic(pulumi.ComponentResource):
    """The SNS topic every alarm notifies, with an optional e-mail subscription."""

    topic: aws.sns.Topic

    def __init__(
        self,
        name: str,
        topic_name: str,
        email: str | None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("tap:alarms:AlarmTopic", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        # No SSE: CloudWatch cannot publish to a topic under the AWS-managed aws/sns key, and
        # alarm notifications carry no data beyond the alarm's own name and state.
        self.topic = aws.sns.Topic(f"{name}-topic", name=topic_name, opts=child)
        aws.sns.TopicPolicy(
            f"{name}-topic-policy",
            arn=self.topic.arn,
            policy=iam.document(
                iam.deny_insecure_transport("sns:Publish", [self.topic.arn]),
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "cloudwatch.amazonaws.com"},
                    "Action": "sns:Publish",
                    "Resource": self.topic.arn,
                },
            ),
            opts=child,
        )
        if email is not None:
            aws.sns.TopicSubscription(
                f"{name}-email",
                topic=self.topic.arn,
                protocol="email",
                endpoint=email,
                opts=child,
            )
        self.register_outputs({"topic_arn": self.topic.arn})
