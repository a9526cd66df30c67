"""The stack passes its own CrossGuard pack, and the pack catches what it should.

The validations are called the way the policy engine calls them: a
``ResourceValidationArgs`` per resource, built from the inputs the mocks captured.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pulumi
import pulumi_aws as aws
import pytest
from pulumi_policy import PolicyCustomTimeouts, PolicyResourceOptions, ResourceValidationArgs

from tap_infra import iam
from tap_infra.guards import GUARDS, STACK_GUARDS, Guard
from tests.infra.conftest import pulumi_test

if TYPE_CHECKING:
    from tap_infra.mocks import Captured, CapturingMocks
    from tap_infra.plan import Plan


def _args(resource: Captured) -> ResourceValidationArgs:
    options = PolicyResourceOptions(
        protect=False,
        ignore_changes=[],
        delete_before_replace=None,
        aliases=[],
        custom_timeouts=PolicyCustomTimeouts(0, 0, 0),
        additional_secret_outputs=[],
    )
    return ResourceValidationArgs(
        resource.type_token, resource.inputs, resource.urn, resource.name, options, None
    )


def violations(resources: list[Captured]) -> list[tuple[str, str]]:
    """(guard, message) for every violation any guard reports on any resource."""
    found: list[tuple[str, str]] = []
    for resource in resources:
        for guard in GUARDS:

            def report(message: str, _urn: str | None, name: str = guard.name) -> None:
                found.append((name, message))

            guard.validate(_args(resource), report)
    return found


def test_the_stack_passes_its_own_policy_pack(planned: Plan) -> None:
    assert violations(planned.resources) == []


def test_every_guard_applies_to_something_in_the_stack(planned: Plan) -> None:
    types = {resource.type_token for resource in planned.resources}
    assert [guard.name for guard in GUARDS if guard.resource_type not in types] == []


INSECURE: dict[str, tuple[str, str]] = {
    "fifo-without-suffix": ("sqs-encrypted-and-fifo-named", "must end '.fifo'"),
    "plain-queue": ("sqs-encrypted-and-fifo-named", "server-side encryption is off"),
    "provisioned-table": ("dynamodb-on-demand-pitr-encrypted", "not PAY_PER_REQUEST"),
    "public-bucket-block": ("s3-block-public-access", "restrictPublicBuckets is not true"),
    "open-queue-policy": ("sqs-tls-only", "deny requests without TLS"),
    "untraced-function": ("lambda-traced-and-logged", "X-Ray active tracing is off"),
    "forever-logs": ("log-retention", "kept forever"),
    "windowed-fifo-trigger": ("sqs-trigger-fifo-safe", "reject maximumBatchingWindowInSeconds"),
    "admin-policy": ("iam-least-privilege", "'s3:*' is a wildcard"),
    "target-without-dlq": ("eventbridge-target-dlq", "no dead-letter queue"),
    "unbounded-stream-trigger": ("stream-trigger-bounded", "no on-failure destination"),
}


@pulumi_test
def test_deliberately_insecure_resources_are_caught(mocks: CapturingMocks) -> pulumi.Output[None]:
    """Given one insecure resource per rule, each is reported by the rule it breaks."""
    queue = aws.sqs.Queue(
        "fifo-without-suffix", name="scores", fifo_queue=True, sqs_managed_sse_enabled=True
    )
    aws.sqs.Queue("plain-queue", name="plain")
    aws.dynamodb.Table(
        "provisioned-table",
        billing_mode="PROVISIONED",
        hash_key="pk",
        attributes=[{"name": "pk", "type": "S"}],
        read_capacity=1,
        write_capacity=1,
        point_in_time_recovery={"enabled": True},
        server_side_encryption={"enabled": True},
    )
    aws.s3.BucketPublicAccessBlock(
        "public-bucket-block",
        bucket="b",
        block_public_acls=True,
        block_public_policy=True,
        ignore_public_acls=True,
        restrict_public_buckets=False,
    )
    policy = aws.sqs.QueuePolicy(
        "open-queue-policy",
        queue_url=queue.url,
        policy=iam.document(iam.allow(["sqs:SendMessage"], [queue.arn])),
    )
    aws.lambda_.Function(
        "untraced-function",
        role="arn:aws:iam::1:role/r",
        runtime="python3.13",
        handler="h.h",
        code=pulumi.AssetArchive({}),
        logging_config={"log_format": "JSON", "log_group": "/aws/lambda/x"},
    )
    aws.cloudwatch.LogGroup("forever-logs", name="/aws/lambda/forever")
    aws.lambda_.EventSourceMapping(
        "windowed-fifo-trigger",
        event_source_arn="arn:aws:sqs:us-east-1:1:q.fifo",
        function_name="f",
        batch_size=10,
        maximum_batching_window_in_seconds=5,
        function_response_types=["ReportBatchItemFailures"],
    )
    aws.iam.RolePolicy(
        "admin-policy",
        role="r",
        policy=iam.document({"Effect": "Allow", "Action": ["s3:*"], "Resource": ["*"]}),
    )
    aws.cloudwatch.EventTarget(
        "target-without-dlq", rule="r", arn="arn:aws:lambda:us-east-1:1:function:f"
    )
    aws.lambda_.EventSourceMapping(
        "unbounded-stream-trigger",
        event_source_arn="arn:aws:dynamodb:us-east-1:1:table/t/stream/2026-01-01T00:00:00.000",
        function_name="f",
        starting_position="LATEST",
        function_response_types=["ReportBatchItemFailures"],
    )

    def check(_: object) -> None:
        for resource in mocks.resources:
            guard, fragment = INSECURE[resource.name]
            found = violations([resource])
            assert any(g == guard and fragment in m for g, m in found), (resource.name, found)
        assert {r.name for r in mocks.resources} == set(INSECURE)

    # The policy waits for the queue's URL: check once it too is registered.
    checked: pulumi.Output[None] = policy.urn.apply(check)
    return checked


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        ({"Effect": "Allow", "Action": ["xray:PutTraceSegments"], "Resource": ["*"]}, []),
        ({"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*"}, ["every resource"]),
        ({"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::b"}, ["'*' is a wildcard"]),
        ({"Effect": "Deny", "Action": "*", "Resource": "*"}, []),
    ],
)
def test_least_privilege_rule_on_single_statements(
    statement: dict[str, Any], expected: list[str]
) -> None:
    """Single actions and resources may be strings, not lists; Deny statements are not grants."""
    (guard,) = [g for g in GUARDS if g.name == "iam-least-privilege"]
    problems = guard.check({"policy": json.dumps({"Statement": [statement]})})
    assert len(problems) == len(expected)
    for problem, fragment in zip(problems, expected, strict=True):
        assert fragment in problem


def test_unknown_documents_are_not_judged_during_preview() -> None:
    """In a preview an Output-backed policy may be unknown (not a string): no verdict yet."""
    (guard,) = [g for g in GUARDS if g.name == "sqs-tls-only"]
    assert guard.check({"policy": None}) == []


def test_the_pack_wraps_every_guard_as_mandatory_without_being_imported() -> None:
    """Read, not imported: constructing PolicyPack would start a gRPC server and block."""
    source = (
        Path(__file__).resolve().parents[2] / "packages/infra/policy_pack/__main__.py"
    ).read_text()
    tree = ast.parse(source)
    calls = {ast.unparse(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    assert {"PolicyPack", "ResourceValidationPolicy"} <= calls
    assert "EnforcementLevel.MANDATORY" in source
    assert "for guard in GUARDS" in source
    assert "for guard in STACK_GUARDS" in source
    assert "StackValidationPolicy" in calls


def test_the_stack_passes_its_stack_guards(planned: Plan) -> None:
    resources = [(r.type_token, r.inputs) for r in planned.resources]
    assert [(g.name, g.check(resources)) for g in STACK_GUARDS] == [
        (g.name, []) for g in STACK_GUARDS
    ]


@pulumi_test
def test_a_bucket_without_its_companions_is_caught(mocks: CapturingMocks) -> pulumi.Output[None]:
    """Given a bare bucket with versioning only, the stack guard names the three missing."""
    bucket = aws.s3.Bucket("bare", bucket="bare-bucket")
    versioning = aws.s3.BucketVersioning(
        "bare-versioning", bucket=bucket.id, versioning_configuration={"status": "Enabled"}
    )

    def check(_: object) -> None:
        (guard,) = [g for g in STACK_GUARDS if g.name == "s3-bucket-configured"]
        problems = guard.check([(r.type_token, r.inputs) for r in mocks.resources])
        assert problems == [
            "bucket 'bare-bucket' has no public access block",
            "bucket 'bare-bucket' has no default encryption",
            "bucket 'bare-bucket' has no bucket policy (TLS only)",
        ]

    checked: pulumi.Output[None] = versioning.urn.apply(check)
    return checked


def _guard(name: str) -> Guard:
    (guard,) = [g for g in GUARDS if g.name == name]
    return guard


REDRIVE = '{"deadLetterTargetArn": "arn:aws:sqs:us-east-1:1:d.fifo", "maxReceiveCount": 5}'
HIGH_THROUGHPUT = {"deduplicationScope": "messageGroup", "fifoThroughputLimit": "perMessageGroupId"}


@pytest.mark.parametrize(
    ("props", "expected"),
    [
        ({"fifoQueue": True, "redrivePolicy": REDRIVE, **HIGH_THROUGHPUT}, None),
        ({"fifoQueue": True}, None),  # a FIFO dead-letter queue keeps the default quota
        ({"fifoQueue": False}, None),
        ({"fifoQueue": True, "redrivePolicy": REDRIVE}, "high-throughput mode"),
        (
            {
                "fifoQueue": True,
                "redrivePolicy": REDRIVE,
                "fifoThroughputLimit": "perMessageGroupId",
            },
            "needs deduplicationScope messageGroup",
        ),
        ({"fifoQueue": False, **HIGH_THROUGHPUT}, "are FIFO settings"),
    ],
)
def test_fifo_work_queues_run_in_high_throughput_mode(
    props: dict[str, Any], expected: str | None
) -> None:
    """Given a queue's inputs, the rule passes a high-throughput work queue, a DLQ and a
    standard queue, and names what is wrong with the others."""
    problems = _guard("sqs-fifo-high-throughput").check(props)
    if expected is None:
        assert problems == []
    else:
        assert any(expected in problem for problem in problems), problems


STREAM = "arn:aws:dynamodb:us-east-1:1:table/tap-leaderboard-x/stream/2026-01-01T00:00:00.000"
BOUNDED_STREAM_TRIGGER: dict[str, Any] = {
    "eventSourceArn": STREAM,
    "startingPosition": "TRIM_HORIZON",
    "destinationConfig": {"onFailure": {"destinationArn": "arn:aws:sqs:us-east-1:1:dlq"}},
    "bisectBatchOnFunctionError": True,
    "maximumRetryAttempts": 10.0,  # the engine carries numbers as floats
    "maximumRecordAgeInSeconds": 3600.0,
    "functionResponseTypes": ["ReportBatchItemFailures"],
}


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, None),
        ({"eventSourceArn": None}, None),  # unknown in a preview: the starting position tells
        ({"destinationConfig": None}, "no on-failure destination"),
        ({"destinationConfig": {"onFailure": {}}}, "no on-failure destination"),
        ({"bisectBatchOnFunctionError": False}, "bisectBatchOnFunctionError is off"),
        ({"maximumRetryAttempts": None}, "retried until it expires"),
        ({"maximumRetryAttempts": -1.0}, "retried until it expires"),
        ({"maximumRecordAgeInSeconds": -1.0}, "waits on a failing record"),
        ({"maximumRecordAgeInSeconds": 700_000.0}, "waits on a failing record"),
        ({"functionResponseTypes": []}, "retries the whole batch"),
        ({"eventSourceArn": None, "bisectBatchOnFunctionError": None}, "bisect"),
    ],
)
def test_stream_triggers_set_failures_aside_within_bounds(
    changes: dict[str, Any], expected: str | None
) -> None:
    """Given a stream mapping's inputs, the rule passes a bounded one and names each gap."""
    props = {k: v for k, v in {**BOUNDED_STREAM_TRIGGER, **changes}.items() if v is not None}
    problems = _guard("stream-trigger-bounded").check(props)
    if expected is None:
        assert problems == []
    else:
        assert len(problems) == 1
        assert expected in problems[0]


def test_queue_triggers_are_not_stream_triggers() -> None:
    """An SQS mapping takes none of the stream settings (Lambda refuses them there)."""
    props = {"eventSourceArn": "arn:aws:sqs:us-east-1:1:q.fifo", "batchSize": 10.0}
    assert _guard("stream-trigger-bounded").check(props) == []


def _stream_fed(table: dict[str, Any]) -> list[str]:
    (guard,) = [g for g in STACK_GUARDS if g.name == "dynamodb-stream-fed"]
    mapping = ("aws:lambda/eventSourceMapping:EventSourceMapping", {"eventSourceArn": STREAM})
    return guard.check([("aws:dynamodb/table:Table", table), mapping])


def test_a_table_feeding_a_function_streams_new_and_old_images() -> None:
    """Given a mapping from a table's stream, the table must stream both images."""
    good = {
        "name": "tap-leaderboard-x",
        "streamEnabled": True,
        "streamViewType": "NEW_AND_OLD_IMAGES",
    }
    assert _stream_fed(good) == []
    (problem,) = _stream_fed({**good, "streamViewType": "KEYS_ONLY"})
    assert "'tap-leaderboard-x' feeds a function" in problem
    assert "not 'KEYS_ONLY'" in problem
    (problem,) = _stream_fed({"name": "tap-leaderboard-x"})
    assert "must be on with NEW_AND_OLD_IMAGES" in problem
    # A stream of a table this stack does not hold is not this stack's to judge.
    assert _stream_fed({"name": "another-table"}) == []


def test_a_stream_without_a_view_type_is_caught() -> None:
    problems = _guard("dynamodb-on-demand-pitr-encrypted").check(
        {
            "billingMode": "PAY_PER_REQUEST",
            "pointInTimeRecovery": {"enabled": True},
            "serverSideEncryption": {"enabled": True},
            "streamEnabled": True,
        }
    )
    assert problems == ["the stream is on without a streamViewType"]
