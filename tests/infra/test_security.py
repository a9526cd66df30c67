"""Secure defaults, read off the planned stack's inputs."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from tap_aws.resources import FUNCTIONS, INVENTORY_BUCKET, READ_API
from tap_infra.plan import run
from tests.infra.conftest import SUFFIX, stack_args

if TYPE_CHECKING:
    from tap_infra.plan import Plan


def _statements(text: str) -> list[dict[str, Any]]:
    statements: list[dict[str, Any]] = json.loads(text)["Statement"]
    return statements


def _tls_only(text: str) -> bool:
    return any(
        s["Effect"] == "Deny"
        and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        and s["Principal"] == "*"
        for s in _statements(text)
        if "Condition" in s
    )


def test_every_queue_is_encrypted_and_tls_only(planned: Plan) -> None:
    queues = planned.of_type("aws:sqs/queue:Queue")
    policies = planned.of_type("aws:sqs/queuePolicy:QueuePolicy")
    assert all(q.inputs["sqsManagedSseEnabled"] is True for q in queues)
    assert len(policies) == len(queues) == 5
    covered = {
        p.inputs["queueUrl"].rsplit("/", 1)[1] for p in policies if _tls_only(p.inputs["policy"])
    }
    assert covered == {q.inputs["name"] for q in queues}


def test_tables_have_pitr_encryption_and_deletion_protection(planned: Plan) -> None:
    for table in planned.of_type("aws:dynamodb/table:Table"):
        assert table.inputs["pointInTimeRecovery"] == {"enabled": True}
        assert table.inputs["serverSideEncryption"] == {"enabled": True}
        assert table.inputs["deletionProtectionEnabled"] is True


def test_deletion_protection_can_be_turned_off() -> None:
    # run() returns once every resource is registered: a check inside an apply of the outputs
    # could run before resources the outputs do not depend on are registered.
    tables = run(stack_args(deletion_protection=False), stack=SUFFIX).of_type(
        "aws:dynamodb/table:Table"
    )
    assert [t.inputs["deletionProtectionEnabled"] for t in tables] == [False, False]


def test_bucket_is_private_encrypted_versioned_tls_only(planned: Plan) -> None:
    (block,) = planned.of_type("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
    for flag in (
        "blockPublicAcls",
        "blockPublicPolicy",
        "ignorePublicAcls",
        "restrictPublicBuckets",
    ):
        assert block.inputs[flag] is True, flag
    (encryption,) = planned.of_type(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
    )
    (rule,) = encryption.inputs["rules"]
    assert rule["applyServerSideEncryptionByDefault"] == {"sseAlgorithm": "aws:kms"}
    (versioning,) = planned.of_type("aws:s3/bucketVersioning:BucketVersioning")
    assert versioning.inputs["versioningConfiguration"] == {"status": "Enabled"}
    (policy,) = planned.of_type("aws:s3/bucketPolicy:BucketPolicy")
    assert _tls_only(policy.inputs["policy"])
    (deny,) = _statements(policy.inputs["policy"])
    assert sorted(deny["Resource"]) == [
        "arn:aws:s3:::tap-inventory-test",
        "arn:aws:s3:::tap-inventory-test/*",
    ]
    (notification,) = planned.of_type("aws:s3/bucketNotification:BucketNotification")
    assert notification.inputs["eventbridge"] is True


def test_reports_expire_and_old_versions_go(planned: Plan) -> None:
    (lifecycle,) = planned.of_type(
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
    )
    rules = {rule["id"]: rule for rule in lifecycle.inputs["rules"]}
    assert rules["reports"]["filter"] == {"prefix": INVENTORY_BUCKET.reports_prefix}
    assert rules["reports"]["expiration"]["days"] > 0
    assert all(rule["noncurrentVersionExpiration"]["noncurrentDays"] > 0 for rule in rules.values())


def test_role_policies_list_actions_on_exact_arns(planned: Plan) -> None:
    """No action wildcard anywhere; a "*" resource only for the X-Ray calls that take no ARN;
    object wildcards only under the bucket's own prefixes."""
    allowed_prefix_wildcards = {
        f"arn:aws:s3:::tap-inventory-test/{INVENTORY_BUCKET.inbound_prefix}*",
        f"arn:aws:s3:::tap-inventory-test/{INVENTORY_BUCKET.reports_prefix}*",
        f"arn:aws:s3:::tap-inventory-test/{INVENTORY_BUCKET.reports_prefix}imports/*",
    }
    policies = planned.of_type("aws:iam/rolePolicy:RolePolicy")
    assert len(policies) == len(FUNCTIONS) + 1  # and the scheduler's
    for policy in policies:
        for statement in _statements(policy.inputs["policy"]):
            assert statement["Effect"] == "Allow"
            assert all("*" not in action for action in statement["Action"]), statement
            for resource in statement["Resource"]:
                if resource == "*":
                    assert set(statement["Action"]) == {
                        "xray:PutTelemetryRecords",
                        "xray:PutTraceSegments",
                    }
                elif resource.startswith("arn:aws:s3:::"):
                    assert resource in allowed_prefix_wildcards
                elif not resource.startswith("arn:aws:logs:"):  # log streams: <group>:*
                    assert "*" not in resource, (policy.name, resource)


def test_the_scores_function_reads_only_its_queue_and_writes_only_its_table(planned: Plan) -> None:
    policy = planned.one("aws:iam/rolePolicy:RolePolicy", "tap-leaderboard-function-policy")
    grants = {
        action: statement["Resource"]
        for statement in _statements(policy.inputs["policy"])
        for action in statement["Action"]
    }
    assert grants["sqs:ReceiveMessage"] == [
        "arn:aws:sqs:us-east-1:123456789012:tap-scores-test.fifo"
    ]
    assert grants["sqs:SendMessage"] == [
        "arn:aws:sqs:us-east-1:123456789012:tap-scores-dlq-test.fifo"
    ]
    assert grants["dynamodb:PutItem"] == [
        "arn:aws:dynamodb:us-east-1:123456789012:table/tap-leaderboard-test"
    ]
    # A submit's transaction deletes the player's old rank item: DeleteItem, on the table only.
    assert grants["dynamodb:DeleteItem"] == grants["dynamodb:PutItem"]
    assert "dynamodb:Scan" not in grants
    assert "dynamodb:BatchWriteItem" not in grants  # repair() is an operator's tool


def test_leaderboard_routes_are_public_and_throttled_inventory_routes_iam(planned: Plan) -> None:
    routes = {
        r.inputs["routeKey"]: r.inputs["authorizationType"]
        for r in planned.of_type("aws:apigatewayv2/route:Route")
    }
    leaderboard = {k: v for k, v in routes.items() if "/leaderboards/" in k}
    inventory = {k: v for k, v in routes.items() if "/inventory/" in k}
    assert leaderboard
    assert set(leaderboard.values()) == {"NONE"}
    assert inventory
    assert set(inventory.values()) == {"AWS_IAM"}
    assert len(routes) == len(leaderboard) + len(inventory)
    (stage,) = planned.of_type("aws:apigatewayv2/stage:Stage")
    throttled = {
        s["routeKey"] for s in stage.inputs["routeSettings"] if s["throttlingRateLimit"] > 0
    }
    assert throttled == set(leaderboard)
    assert stage.inputs["defaultRouteSettings"]["throttlingBurstLimit"] > 0
    assert stage.inputs["accessLogSettings"]["destinationArn"]


def test_event_dlq_accepts_only_the_two_inventory_rules(planned: Plan) -> None:
    policy = planned.one("aws:sqs/queuePolicy:QueuePolicy", "tap-inventory-events-dlq-policy")
    grants = [s for s in _statements(policy.inputs["policy"]) if s["Effect"] == "Allow"]
    assert {str(g["Principal"]) for g in grants} == {str({"Service": "events.amazonaws.com"})}
    sources = sorted(g["Condition"]["ArnEquals"]["aws:SourceArn"] for g in grants)
    assert [source.rsplit(":", 1)[-1] for source in sources] == [
        "tap-inventory-continued-test",
        "tap-inventory-upload-test",
    ]


def test_alarm_email_subscribes_only_when_given() -> None:
    plan = run(stack_args(alarm_email="ops@example.com"), stack=SUFFIX)
    (subscription,) = plan.of_type("aws:sns/topicSubscription:TopicSubscription")
    assert subscription.inputs["endpoint"] == "ops@example.com"
    assert subscription.inputs["protocol"] == "email"
    alarms = plan.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
    # one errors alarm per function, one per DLQ, and rank_index's iterator age
    assert len(alarms) == len(FUNCTIONS) + 4 + 1
    topic = "arn:aws:sns:us-east-1:123456789012:tap-alarms-test"
    assert all(a.inputs["alarmActions"] == [topic] for a in alarms)


def test_no_alarm_email_means_no_subscription(planned: Plan) -> None:
    assert planned.of_type("aws:sns/topicSubscription:TopicSubscription") == []


def test_the_api_allows_any_origin_to_read_without_credentials(planned: Plan) -> None:
    """The HTTP API's CORS is the shared spec's (the local API reads the same), so a browser
    game can read the standings cross-origin; no credentials are ever allowed."""
    (api,) = planned.of_type("aws:apigatewayv2/api:Api")
    cors = api.inputs["corsConfiguration"]
    assert READ_API.cors is not None
    assert cors["allowOrigins"] == list(READ_API.cors.allow_origins) == ["*"]
    assert cors["allowMethods"] == ["GET"]
    assert cors["maxAge"] == READ_API.cors.max_age_seconds
    assert not cors.get("allowCredentials")
