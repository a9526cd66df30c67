"""One test per mistake listed in the design notes (../shared/seeds), each made impossible.

Seed 1 (leaderboard): FIFO names, imports, batching window, environment handling, metric unit,
exports, DLQ FIFO parameters, suffix precedence, bundle dependencies, reserved concurrency.
Seed 2 (inventory): eventbridge/logs imports, Output serialisation, sys.path, lint rules, log
groups, DLQs, tracing, on-demand billing.
"""

from __future__ import annotations

import ast
import importlib
import json
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pulumi
import pulumi_aws as aws
import pytest
from aws_lambda_powertools.metrics import MetricUnit
from pulumi.runtime.mocks import MockMonitor
from pulumi.runtime.settings import get_monitor

from tap_aws.resources import (
    API_FUNCTION,
    FIFO_SUFFIX,
    FUNCTIONS,
    LOCAL_ONLY_OUTPUTS,
    LOG_RETENTION_DAYS,
    MAX_COUNT_SHARDS,
    RANK_INDEX_FUNCTION,
    SCORES,
    SCORES_FUNCTION,
    VALKEY_ONLY_OUTPUTS,
    VISIBILITY_FACTOR,
    Env,
    Outputs,
)
from tap_infra.functions import FunctionSettings, ObservedFunction, ObservedFunctionArgs
from tap_infra.plan import run
from tap_infra.queues import FifoQueue, FifoQueueArgs
from tap_infra.stack import define, environment_suffix
from tests.infra.conftest import SUFFIX, pulumi_test, stack_args

if TYPE_CHECKING:
    from tap_infra.mocks import CapturingMocks
    from tap_infra.plan import Plan

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "packages" / "infra"
QUEUE = "aws:sqs/queue:Queue"
FUNCTION = "aws:lambda/function:Function"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
MAPPING = "aws:lambda/eventSourceMapping:EventSourceMapping"


def _infra_sources() -> list[Path]:
    return sorted(p for p in INFRA.rglob("*.py") if "__pycache__" not in p.parts)


# --- seed 1 -------------------------------------------------------------------------------


def test_fifo_queue_names_end_with_fifo(planned: Plan) -> None:
    """Given the planned stack, every FIFO queue's name ends .fifo and no other queue's does."""
    queues = planned.of_type(QUEUE)
    fifo = [q for q in queues if q.inputs.get("fifoQueue")]
    assert len(fifo) == 3  # scores, scores DLQ, inventory rows DLQ
    for queue in queues:
        assert queue.inputs["name"].endswith(FIFO_SUFFIX) == bool(queue.inputs.get("fifoQueue"))


@pulumi_test
def test_fifo_queue_and_its_dlq_have_fifo_parameters(mocks: CapturingMocks) -> pulumi.Output[None]:
    """The component alone: both queues FIFO, redrive to the DLQ's ARN with maxReceiveCount,
    visibility at least 6x the consumer's timeout."""
    component = FifoQueue(
        "q", FifoQueueArgs(spec=SCORES, suffix=SUFFIX, consumer_timeout_seconds=60)
    )

    def check(values: list[Any]) -> None:
        queue_url, dlq_arn = values
        queue = mocks.one(QUEUE, "q-queue")
        dlq = mocks.one(QUEUE, "q-dlq")
        assert queue.inputs["fifoQueue"] is True
        assert dlq.inputs["fifoQueue"] is True
        assert queue_url.endswith("tap-scores-test.fifo")
        redrive = json.loads(queue.inputs["redrivePolicy"])
        assert redrive == {
            "deadLetterTargetArn": dlq_arn,
            "maxReceiveCount": SCORES.max_receive_count,
        }
        assert queue.inputs["visibilityTimeoutSeconds"] >= VISIBILITY_FACTOR * 60

    return pulumi.Output.all(component.queue.url, component.dlq.arn).apply(check)


def test_visibility_below_six_times_the_consumer_timeout_is_refused() -> None:
    with pytest.raises(ValueError, match="below 6x"):
        FifoQueueArgs(
            spec=SCORES,
            suffix=SUFFIX,
            consumer_timeout_seconds=SCORES.queue.visibility_timeout_seconds,
        )


def test_imports_are_valid_for_pulumi_aws_7() -> None:
    """EventBridge lives in aws.cloudwatch (EventRule/EventTarget), logs too (LogGroup); there
    is no pulumi_aws.logs or pulumi_aws.eventbridge, and tap_infra imports neither."""
    for name in ("EventRule", "EventTarget", "LogGroup"):
        assert isinstance(getattr(aws.cloudwatch, name), type), name
    for missing in ("logs", "eventbridge"):
        with pytest.raises(ModuleNotFoundError):
            importlib.import_module(f"pulumi_aws.{missing}")
    imported: set[str] = set()
    for path in _infra_sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported.update(f"{node.module}.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
    assert {"pulumi_aws.logs", "pulumi_aws.eventbridge"}.isdisjoint(imported)
    assert "pulumi_aws" in imported


def test_fifo_event_source_mapping_has_no_batching_window(planned: Plan) -> None:
    (mapping,) = [m for m in planned.of_type(MAPPING) if ":sqs:" in m.inputs["eventSourceArn"]]
    assert mapping.inputs["eventSourceArn"].endswith(FIFO_SUFFIX)
    assert "maximumBatchingWindowInSeconds" not in mapping.inputs
    assert mapping.inputs["batchSize"] == 10
    assert mapping.inputs["functionResponseTypes"] == ["ReportBatchItemFailures"]


def test_functions_get_every_setting_from_the_stack(planned: Plan) -> None:
    """No function relies on a made-up default: each gets exactly its spec's variables, set
    to the names of the resources the stack created."""
    by_name = {f.inputs["name"]: f for f in planned.of_type(FUNCTION)}
    for spec in FUNCTIONS:
        variables = by_name[spec.name(SUFFIX)].inputs["environment"]["variables"]
        assert set(spec.environment) <= set(variables)
        assert all(variables[name] for name in spec.environment)
    scores = by_name[SCORES_FUNCTION.name(SUFFIX)].inputs["environment"]["variables"]
    assert scores[Env.LEADERBOARD_TABLE] == planned.outputs[Outputs.DYNAMODB_TABLE_NAME]
    assert scores[Env.SCORES_DLQ_URL] == planned.outputs[Outputs.DLQ_URL]
    assert json.loads(scores[Env.LEADERBOARDS])[0]["id"] == "global"
    # The deployed stack feeds the rank index from the table's stream: scores writes entries.
    assert scores[Env.LEADERBOARD_INDEX] == "stream"


def test_a_function_missing_a_setting_is_refused() -> None:
    with pytest.raises(ValueError, match=r"missing \['TAP_SCORES_DLQ_URL'\]"):
        ObservedFunctionArgs(
            spec=SCORES_FUNCTION,
            suffix=SUFFIX,
            settings=FunctionSettings(code=pulumi.AssetArchive({})),
            environment={
                Env.LEADERBOARD_TABLE: "t",
                Env.LEADERBOARDS: "[]",
                Env.LEADERBOARD_COUNT_SHARDS: "1",
                Env.LEADERBOARD_INDEX: "stream",
            },
        )


def test_player_score_metric_unit_is_count() -> None:
    """The scores function (another issue, not written yet) must use MetricUnit.Count;
    until it exists this pins only that the unit is a real member, unlike MetricUnit.None."""
    assert MetricUnit.Count.value == "Count"
    assert "None" not in MetricUnit.__members__


def test_stack_exports_every_output_key(planned: Plan) -> None:
    keys = (
        {v for k, v in vars(Outputs).items() if k.isupper()}
        - LOCAL_ONLY_OUTPUTS
        - VALKEY_ONLY_OUTPUTS
    )
    assert set(planned.outputs) == keys
    assert all(isinstance(v, str) and v for v in planned.outputs.values())
    assert planned.outputs[Outputs.MAIN_QUEUE_URL].endswith("tap-scores-test.fifo")
    assert planned.outputs[Outputs.INVENTORY_INBOUND_PREFIX] == "inbound/"


def test_program_exports_through_pulumi_export() -> None:
    """__main__.py exports what define() returns, key for key."""
    tree = ast.parse((INFRA / "__main__.py").read_text(encoding="utf-8"))
    calls = [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and ast.unparse(n.func) == "pulumi.export"
    ]
    assert [ast.unparse(c) for c in calls] == ["pulumi.export(key, value)"]


def test_dead_letter_queues_take_fifo_messages(planned: Plan) -> None:
    """The scores DLQ is FIFO (dead letters need a group id and a dedup id), and the function
    that writes to it is told its URL, which ends .fifo."""
    dlq = planned.one(QUEUE, "tap-leaderboard-scores-dlq")
    assert dlq.inputs["fifoQueue"] is True
    assert planned.outputs[Outputs.DLQ_URL].endswith(FIFO_SUFFIX)
    assert planned.outputs[Outputs.INVENTORY_DLQ_URL].endswith(FIFO_SUFFIX)


def test_suffix_precedence_environment_then_config_then_dev() -> None:
    assert environment_suffix({"ENVIRONMENT_SUFFIX": "pr7"}, "staging") == "pr7"
    assert environment_suffix({}, "staging") == "staging"
    assert environment_suffix({"ENVIRONMENT_SUFFIX": ""}, None) == "dev"
    assert environment_suffix({}, None) == "dev"


def test_a_bad_suffix_names_where_it_came_from() -> None:
    with pytest.raises(ValueError, match='ENVIRONMENT_SUFFIX: environment suffix "PR 7"'):
        environment_suffix({"ENVIRONMENT_SUFFIX": "PR 7"}, "ok")
    with pytest.raises(ValueError, match="config env"):
        environment_suffix({}, "Nope!")


def test_resource_names_carry_the_suffix(planned: Plan) -> None:
    named = [r.inputs["name"] for r in planned.resources if isinstance(r.inputs.get("name"), str)]
    named = [n for n in named if n != "$default"]
    assert len(named) > 20
    assert [name for name in named if SUFFIX not in name] == []


def test_reserved_concurrency_is_optional_and_configurable(planned: Plan) -> None:
    assert all("reservedConcurrentExecutions" not in f.inputs for f in planned.of_type(FUNCTION))
    with pytest.raises(ValueError, match="at least 1"):
        FunctionSettings(code=pulumi.AssetArchive({}), reserved_concurrency=0)
    with pytest.raises(ValueError, match="at least 1"):
        stack_args(reserved_concurrency=0)


def test_reserved_concurrency_reaches_every_function() -> None:
    # run() returns once every resource is registered (an apply on the outputs may not).
    functions = run(stack_args(reserved_concurrency=5), stack=SUFFIX).of_type(FUNCTION)
    assert len(functions) == len(FUNCTIONS)
    assert {f.inputs["reservedConcurrentExecutions"] for f in functions} == {5}


# --- seed 2 -------------------------------------------------------------------------------


def test_policies_and_patterns_are_serialised_after_outputs_resolve(planned: Plan) -> None:
    """Every document that embeds an ARN or name resolves to JSON text with the real values:
    built by Output.json_dumps / .apply, so no "Object of type Output" error can occur."""
    documents = [
        (r.name, key, r.inputs[key])
        for r in planned.resources
        for key in ("policy", "assumeRolePolicy", "eventPattern", "redrivePolicy")
        if key in r.inputs
    ]
    # 6 roles' trust and inline policies, 5 queue policies, bucket, topic, 2 rules, redrive.
    assert len(documents) == 22
    for name, key, text in documents:
        assert isinstance(text, str), (name, key)
        assert "Output" not in text, (name, key)
        if key in ("policy", "redrivePolicy"):
            assert "arn:aws:" in text, (name, key)
        json.loads(text)
    rule = planned.one("aws:cloudwatch/eventRule:EventRule", "tap-inventory-upload-rule")
    bucket = planned.outputs[Outputs.INVENTORY_BUCKET_NAME]
    assert json.loads(rule.inputs["eventPattern"])["detail"]["bucket"]["name"] == [bucket]


def test_no_json_dumps_in_the_infra_code() -> None:
    """Documents go through Output.json_dumps (tap_infra.iam.document); json.dumps of an
    Output is the seed's TypeError. The plan prints with json.dumps, of plain values only."""
    offenders = []
    for path in _infra_sources():
        if path.name == "plan.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and ast.unparse(node.func) == "json.dumps":
                offenders.append(f"{path.name}:{node.lineno}")
    assert offenders == []


def test_no_sys_path_edits_in_the_program() -> None:
    """The program imports tap_infra as an installed package, never through sys.path."""
    main = (INFRA / "__main__.py").read_text(encoding="utf-8")
    assert "from tap_infra." in main
    for path in _infra_sources():
        assert "sys.path" not in path.read_text(encoding="utf-8"), path


def test_lint_rules_are_on_for_the_infra_code() -> None:
    """Bare except, empty f-strings, f-strings in logging and long lines are errors in
    packages/infra too: nothing there is excluded or exempted."""
    ruff = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["ruff"]
    assert "packages/infra/src" in ruff["src"]
    assert {"E", "F", "G"} <= set(ruff["lint"]["select"])
    assert not any("infra" in pattern for pattern in ruff["lint"].get("per-file-ignores", {}))
    assert not any("infra" in pattern for pattern in ruff.get("exclude", []))


def test_log_groups_are_named_for_their_functions_and_retained(planned: Plan) -> None:
    groups = {g.inputs["name"]: g for g in planned.of_type(LOG_GROUP)}
    for function in planned.of_type(FUNCTION):
        name = function.inputs["name"]
        group = groups[f"/aws/lambda/{name}"]
        assert group.inputs["retentionInDays"] == LOG_RETENTION_DAYS
        assert function.inputs["loggingConfig"]["logGroup"] == f"/aws/lambda/{name}"
    assert all(g.inputs["retentionInDays"] == LOG_RETENTION_DAYS for g in groups.values())


def test_dead_letter_queues_are_configured(planned: Plan) -> None:
    """inventory_import: Lambda dead_letter_config; the upload target and the schedule: a DLQ
    and a retry policy; all point at a queue the stack creates."""
    queue_arns = {
        f"arn:aws:sqs:us-east-1:123456789012:{q.inputs['name']}" for q in planned.of_type(QUEUE)
    }
    importer = planned.one(FUNCTION, "tap-inventory-import-function")
    assert importer.inputs["deadLetterConfig"]["targetArn"] in queue_arns
    targets = planned.of_type("aws:cloudwatch/eventTarget:EventTarget")
    assert len(targets) == 2  # the upload rule's and the continuation rule's, alike
    for target in targets:
        assert target.inputs["deadLetterConfig"]["arn"] in queue_arns
        assert target.inputs["retryPolicy"]["maximumRetryAttempts"] > 0
    (schedule,) = planned.of_type("aws:scheduler/schedule:Schedule")
    assert schedule.inputs["target"]["deadLetterConfig"]["arn"] in queue_arns
    assert schedule.inputs["target"]["retryPolicy"]["maximumRetryAttempts"] > 0
    assert schedule.inputs["target"]["roleArn"]


def test_tracing_is_active_on_every_function(planned: Plan) -> None:
    functions = planned.of_type(FUNCTION)
    assert len(functions) == len(FUNCTIONS)
    assert all(f.inputs["tracingConfig"] == {"mode": "Active"} for f in functions)


def test_tables_bill_on_demand(planned: Plan) -> None:
    tables = planned.of_type("aws:dynamodb/table:Table")
    assert len(tables) == 2
    assert all(t.inputs["billingMode"] == "PAY_PER_REQUEST" for t in tables)
    assert all("readCapacity" not in t.inputs for t in tables)


@pulumi_test
def test_observed_function_alone_has_role_logs_alarm(mocks: CapturingMocks) -> pulumi.Output[None]:
    component = ObservedFunction(
        "fn",
        ObservedFunctionArgs(
            spec=SCORES_FUNCTION,
            suffix=SUFFIX,
            settings=FunctionSettings(code=pulumi.AssetArchive({})),
            environment=dict.fromkeys(SCORES_FUNCTION.environment, "x"),
        ),
    )

    def check(values: list[Any]) -> None:
        function_name, alarm_name = values
        assert function_name == "tap-scores-test"
        assert alarm_name == "tap-scores-test-errors"
        alarm = mocks.one("aws:cloudwatch/metricAlarm:MetricAlarm", "fn-errors")
        assert alarm.inputs["metricName"] == "Errors"
        assert alarm.inputs["dimensions"] == {"FunctionName": function_name}
        function = mocks.one(FUNCTION, "fn-function")
        assert function.inputs["architectures"] == ["arm64"]
        variables = function.inputs["environment"]["variables"]
        assert variables["POWERTOOLS_SERVICE_NAME"] == "tap"

    return pulumi.Output.all(component.function.name, component.errors_alarm.name).apply(check)


def test_every_resource_is_the_child_of_a_tap_component() -> None:
    """parent=self everywhere: no resource hangs off the stack root but TapStack itself.
    (The mock monitor builds each URN from the parent's type: ``<parent type>$<type>``.)"""

    @pulumi_test
    def program() -> None:
        define("tap", stack_args())

    program()
    monitor = get_monitor()
    assert isinstance(monitor, MockMonitor)
    urns = list(monitor.get_registered_resources())
    parents = {urn.split("::")[2].rsplit("$", 1)[0] for urn in urns}
    assert len(urns) > 60
    assert "pulumi:pulumi:Stack" in parents
    assert [p for p in parents if not p.startswith("tap:") and p != "pulumi:pulumi:Stack"] == []
    roots = [u for u in urns if u.split("::")[2].startswith("pulumi:pulumi:Stack$")]
    assert [u.rsplit("::", 1)[1] for u in roots] == ["tap"]


def test_count_shards_reaches_both_leaderboard_functions_and_is_bounded() -> None:
    # Given a stack that shards the counts tree
    functions = run(stack_args(count_shards=2), stack=SUFFIX).of_type(FUNCTION)
    # Then the functions on the leaderboard table (and only they) get the same setting
    shards = {
        f.inputs["name"]: f.inputs["environment"]["variables"].get(Env.LEADERBOARD_COUNT_SHARDS)
        for f in functions
    }
    readers = {
        SCORES_FUNCTION.name(SUFFIX),
        API_FUNCTION.name(SUFFIX),
        RANK_INDEX_FUNCTION.name(SUFFIX),
    }
    assert {name: value for name, value in shards.items() if value is not None} == dict.fromkeys(
        readers, "2"
    )
    # and a count past what one BatchGetItem can read is refused before anything is made
    with pytest.raises(ValueError, match="countShards"):
        stack_args(count_shards=MAX_COUNT_SHARDS + 1)


@pytest.mark.parametrize("suffix", ["a--b", "-a", "a-", "x" * 21, "Dev", "x" * 5000])
def test_a_suffix_no_resource_name_takes_is_refused_showing_it_cut(suffix: str) -> None:
    """The suffix ends every name, the cache's too (no leading, trailing or double hyphen)."""
    with pytest.raises(ValueError, match="environment suffix") as refused:
        environment_suffix({"ENVIRONMENT_SUFFIX": suffix}, None)
    assert len(str(refused.value)) < 200
