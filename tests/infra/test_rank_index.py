"""The rank index fed by the leaderboard table's stream: the table's stream, the ``rank_index``
function, its mapping (every setting from ``RANK_INDEX_STREAM``), its role, queue and alarms."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pulumi
import pytest

from tap_aws.resources import (
    LEADERBOARD_TABLE,
    LOG_RETENTION_DAYS,
    RANK_INDEX_DLQ,
    RANK_INDEX_FUNCTION,
    RANK_INDEX_STREAM,
    Env,
    StreamMappingSpec,
    TableSpec,
)
from tap_infra.functions import FunctionSettings
from tap_infra.mocks import ACCOUNT, REGION, STREAM_LABEL
from tap_infra.rank_index import INDEX_ACTIONS, STREAM_ACTIONS, RankIndexFeed, RankIndexFeedArgs
from tap_infra.tables import create_table
from tests.infra.conftest import BOARDS_JSON, SUFFIX, pulumi_test

if TYPE_CHECKING:
    from tap_infra.mocks import CapturingMocks
    from tap_infra.plan import Plan

MAPPING = "aws:lambda/eventSourceMapping:EventSourceMapping"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
TABLE_ARN = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/tap-leaderboard-test"
STREAM_ARN = f"{TABLE_ARN}/stream/{STREAM_LABEL}"
DLQ_ARN = f"arn:aws:sqs:{REGION}:{ACCOUNT}:tap-rank-index-dlq-test"


def _mapping(planned: Plan) -> dict[str, Any]:
    return planned.one(MAPPING, "tap-leaderboard-rank-index-mapping").inputs


def test_the_leaderboard_table_streams_new_and_old_images(planned: Plan) -> None:
    table = planned.one("aws:dynamodb/table:Table", "tap-leaderboard-table")
    assert table.inputs["streamEnabled"] is True
    assert table.inputs["streamViewType"] == LEADERBOARD_TABLE.stream == "NEW_AND_OLD_IMAGES"
    inventory = planned.one("aws:dynamodb/table:Table", "tap-inventory-table")
    assert "streamEnabled" not in inventory.inputs  # no stream where nothing reads one


def test_the_mapping_reads_the_stream_with_the_specs_settings(planned: Plan) -> None:
    mapping = _mapping(planned)
    assert mapping["eventSourceArn"] == STREAM_ARN
    assert mapping["functionName"].endswith(f":function:{RANK_INDEX_FUNCTION.name(SUFFIX)}")
    assert mapping["startingPosition"] == RANK_INDEX_STREAM.starting_position == "TRIM_HORIZON"
    assert mapping["batchSize"] == RANK_INDEX_STREAM.batch_size >= 100
    assert mapping["maximumBatchingWindowInSeconds"] == RANK_INDEX_STREAM.batching_window_seconds
    assert mapping["parallelizationFactor"] == 1
    assert mapping["functionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["bisectBatchOnFunctionError"] is True
    assert mapping["maximumRetryAttempts"] == RANK_INDEX_STREAM.maximum_retry_attempts
    assert mapping["maximumRecordAgeInSeconds"] == RANK_INDEX_STREAM.maximum_record_age_seconds
    assert mapping["destinationConfig"] == {"onFailure": {"destinationArn": DLQ_ARN}}
    (only,) = mapping["filterCriteria"]["filters"]
    assert json.loads(only["pattern"]) == {"dynamodb": {"Keys": {"sk": {"S": [{"prefix": "P#"}]}}}}


def test_the_on_failure_queue_is_standard_encrypted_tls_only_and_watched(planned: Plan) -> None:
    queue = planned.one("aws:sqs/queue:Queue", "tap-leaderboard-rank-index-dlq")
    assert queue.inputs["name"] == RANK_INDEX_DLQ.name(SUFFIX) == "tap-rank-index-dlq-test"
    assert queue.inputs["fifoQueue"] is False
    assert queue.inputs["sqsManagedSseEnabled"] is True
    policy = planned.one("aws:sqs/queuePolicy:QueuePolicy", "tap-leaderboard-rank-index-dlq-policy")
    (deny,) = json.loads(policy.inputs["policy"])["Statement"]
    assert deny["Effect"] == "Deny"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert deny["Resource"] == [DLQ_ARN]
    depth = planned.one(ALARM, "tap-leaderboard-rank-index-dlq-alarm")
    assert depth.inputs["dimensions"] == {"QueueName": "tap-rank-index-dlq-test"}
    assert depth.inputs["threshold"] == 0


def test_the_role_reads_the_stream_writes_the_index_and_notes_failures_only(
    planned: Plan,
) -> None:
    policy = planned.one(
        "aws:iam/rolePolicy:RolePolicy", "tap-leaderboard-rank-index-function-policy"
    )
    grants = {
        (tuple(s["Action"]), tuple(s["Resource"]))
        for s in json.loads(policy.inputs["policy"])["Statement"]
    }
    log_streams = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/tap-rank-index-test:*"
    assert grants == {
        (tuple(sorted(STREAM_ACTIONS)), (STREAM_ARN,)),
        (tuple(sorted(INDEX_ACTIONS)), (TABLE_ARN,)),
        (("sqs:SendMessage",), (DLQ_ARN,)),
        (("logs:CreateLogStream", "logs:PutLogEvents"), (log_streams,)),
        (("xray:PutTelemetryRecords", "xray:PutTraceSegments"), ("*",)),
    }
    actions = {action for action_list, _ in grants for action in action_list}
    assert not {"dynamodb:Scan", "dynamodb:Query", "dynamodb:BatchWriteItem"} & actions


def test_the_function_is_logged_traced_and_set_from_the_stack(planned: Plan) -> None:
    function = planned.one(
        "aws:lambda/function:Function", "tap-leaderboard-rank-index-function-function"
    )
    assert function.inputs["handler"] == "tap_aws.functions.rank_index.lambda_handler"
    assert function.inputs["tracingConfig"] == {"mode": "Active"}
    variables = function.inputs["environment"]["variables"]
    assert variables[Env.LEADERBOARD_TABLE] == "tap-leaderboard-test"
    assert [b["id"] for b in json.loads(variables[Env.LEADERBOARDS])] == ["global", "weekly"]
    assert set(variables) - {"POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE"} == set(
        RANK_INDEX_FUNCTION.environment
    )
    logs = planned.one(
        "aws:cloudwatch/logGroup:LogGroup", "tap-leaderboard-rank-index-function-logs"
    )
    assert logs.inputs["name"] == "/aws/lambda/tap-rank-index-test"
    assert logs.inputs["retentionInDays"] == LOG_RETENTION_DAYS


def test_iterator_age_and_errors_are_alarmed(planned: Plan) -> None:
    age = planned.one(ALARM, "tap-leaderboard-rank-index-iterator-age").inputs
    assert (age["namespace"], age["metricName"], age["statistic"]) == (
        "AWS/Lambda",
        "IteratorAge",
        "Maximum",
    )
    assert age["dimensions"] == {"FunctionName": "tap-rank-index-test"}
    assert age["threshold"] == RANK_INDEX_STREAM.iterator_age_alarm_seconds * 1000 == 60_000
    assert age["comparisonOperator"] == "GreaterThanThreshold"
    errors = planned.one(ALARM, "tap-leaderboard-rank-index-function-errors").inputs
    assert errors["metricName"] == "Errors"
    assert errors["dimensions"] == {"FunctionName": "tap-rank-index-test"}


class _Holder(pulumi.ComponentResource):
    """The component alone, on a table made from the shared spec."""

    def __init__(self) -> None:
        super().__init__("tap:test:Holder", "holder")
        table = create_table("t", LEADERBOARD_TABLE, SUFFIX, self, deletion_protection=False)
        self.feed = RankIndexFeed(
            "ri",
            RankIndexFeedArgs(
                suffix=SUFFIX,
                functions=FunctionSettings(
                    code=pulumi.AssetArchive({}), alarm_topic_arn="arn:aws:sns:t"
                ),
                table=table,
                boards={Env.LEADERBOARDS: BOARDS_JSON, Env.LEADERBOARD_COUNT_SHARDS: "1"},
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.register_outputs({})


@pulumi_test
def test_the_component_alone_notifies_the_topic_from_every_alarm(
    mocks: CapturingMocks,
) -> pulumi.Output[None]:
    holder = _Holder()

    def check(_: object) -> None:
        alarms = {a.name: a.inputs for a in mocks.of_type(ALARM)}
        assert set(alarms) == {"ri-iterator-age", "ri-dlq-alarm", "ri-function-errors"}
        assert all(a["alarmActions"] == ["arn:aws:sns:t"] for a in alarms.values())
        (mapping,) = mocks.of_type(MAPPING)
        assert mapping.inputs["eventSourceArn"].endswith(f"/stream/{STREAM_LABEL}")

    checked: pulumi.Output[None] = pulumi.Output.all(
        holder.feed.mapping.urn, holder.feed.iterator_age_alarm.urn, holder.feed.dlq_alarm.urn
    ).apply(check)
    return checked


# -- the spec the local stack's pump reads too ----------------------------------------------


@pytest.mark.parametrize(
    ("sk", "admitted"),
    [("P#ann", True), ("H#ann", False), ("R#0001", False), ("N#", False), ("#P", False)],
)
def test_the_filter_admits_entries_only(sk: str, admitted: bool) -> None:
    """The pump's `admits` and Lambda's pattern say the same: an entry's sort key starts P#."""
    record = {"dynamodb": {"Keys": {"pk": {"S": "LB#g#all"}, "sk": {"S": sk}}}}
    assert RANK_INDEX_STREAM.admits(record) is admitted
    (prefix,) = RANK_INDEX_STREAM.filter_pattern()["dynamodb"]["Keys"]["sk"]["S"]  # type: ignore[index]
    assert sk.startswith(prefix["prefix"]) is admitted
    assert RANK_INDEX_STREAM.admits({"eventName": "REMOVE"}) is False


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"batch_size": 10_001}, "batch_size"),
        ({"batching_window_seconds": 301}, "batching_window_seconds"),
        ({"maximum_retry_attempts": -1}, "maximum_retry_attempts"),
        ({"maximum_record_age_seconds": -1}, "maximum_record_age_seconds"),
        ({"maximum_record_age_seconds": 59}, "maximum_record_age_seconds"),
        ({"table": TableSpec(stem="x", keys=LEADERBOARD_TABLE.keys)}, "has no stream"),
    ],
)
def test_a_stream_mapping_lambda_would_refuse_or_run_forever_is_refused(
    changes: dict[str, object], message: str
) -> None:
    fields: dict[str, Any] = {
        "table": LEADERBOARD_TABLE,
        "batch_size": 100,
        "batching_window_seconds": 1,
        "maximum_retry_attempts": 3,
        "maximum_record_age_seconds": 60,
        "entry_key_attribute": "sk",
        "entry_key_prefix": "P#",
        **changes,
    }
    with pytest.raises(ValueError, match=message):
        StreamMappingSpec(**fields)
