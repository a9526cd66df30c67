"""The stack's pieces: its life (one at a time, a clean stop), and the event shapes it builds."""

from __future__ import annotations

import json
import os
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tap_aws.resources import SCORES_FUNCTION
from tap_tools.local import EmulatorMissing, LocalStack, StackError
from tap_tools.local.api_server import http_event
from tap_tools.local.context import LocalContext
from tap_tools.local.emulator import start_emulator
from tap_tools.local.pumps import scheduled_event, sqs_record
from tests.local.conftest import NOW, threads_now

EVENTS = Path(__file__).parent.parent / "events"


def _event(name: str) -> dict[str, object]:
    event: dict[str, object] = json.loads((EVENTS / name).read_text())
    return event


def test_one_stack_at_a_time_and_a_stop_leaves_no_thread_nor_variable_behind() -> None:
    # Given the process's environment and threads before a stack
    names = ("AWS_ENDPOINT_URL", "TAP_INVENTORY_TABLE", "TAP_ENDPOINT_URL", "AWS_ACCESS_KEY_ID")
    variables = {name: os.environ.get(name) for name in names}
    threads = threads_now()
    # When a stack runs, and a second one is started meanwhile
    with LocalStack(summary_interval=0.2) as stack:
        during = {name: os.environ.get(name) for name in names}
        inside = stack.functions["api"].module.root.get().inventory.table_name
        with pytest.raises(StackError, match="already running"):
            LocalStack().start()
        url = stack.api_url + "/leaderboards/global/top?limit=x"
        with pytest.raises(urllib.error.HTTPError) as bad:
            urllib.request.urlopen(url, timeout=10)  # noqa: S310 - loopback
        deadline = time.monotonic() + 20
        while "summary.runs" not in stack.counts() and time.monotonic() < deadline:
            time.sleep(0.1)
    # Then the functions were handed the stack's resources through their roots (the process's
    # environment untouched), the stack answered a bad parameter with a 400 naming it, ran the
    # summary on its timer, and left nothing behind: no thread, no variable, no root in use
    assert inside == stack.outputs["inventory_table_name"]
    assert during == variables
    assert stack.functions["api"].module.root._value is None  # noqa: SLF001 - reset, not built
    assert bad.value.code == 400
    assert "limit" in json.loads(bad.value.read())["message"]
    assert stack.counts().get("summary.runs", 0) >= 1
    assert threads_now() <= threads
    assert {name: os.environ.get(name) for name in variables} == variables
    stack.stop()  # a second stop does nothing


def test_without_moto_the_error_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given moto's server cannot be imported (the testing module needs it)
    monkeypatch.setitem(sys.modules, "tap_tools.testing", None)
    # When / Then the emulator says what to install
    with pytest.raises(EmulatorMissing, match=r"pip install \./packages/tools"):
        start_emulator()


def test_a_received_message_becomes_the_record_lambda_builds() -> None:
    # Given a FIFO message as ReceiveMessage returns it
    message = {
        "MessageId": "m-1",
        "ReceiptHandle": "r-1",
        "MD5OfBody": "abc",
        "Body": "{}",
        "Attributes": {
            "SenderId": "AIDA",
            "SentTimestamp": "1",
            "ApproximateReceiveCount": "2",
            "ApproximateFirstReceiveTimestamp": "1",
            "SequenceNumber": "18873177232222703872",
            "MessageDeduplicationId": "d-1",
            "MessageGroupId": "g-1",
        },
        "MessageAttributes": {"trace": {"StringValue": "t", "DataType": "String"}},
    }
    # When it is turned into an event record
    record = sqs_record(message, "arn:aws:sqs:eu-west-1:123456789012:q.fifo")  # type: ignore[arg-type]
    sample = _event("sqs_fifo_scores.json")["Records"][0]  # type: ignore[index]
    # Then it has the real record's fields and attributes
    assert set(record) == set(sample)
    assert set(record["attributes"]) == set(sample["attributes"])
    assert record["attributes"]["ApproximateReceiveCount"] == "2"
    assert record["messageAttributes"]["trace"]["stringValue"] == "t"
    assert record["eventSourceARN"].endswith(":q.fifo")
    assert record["awsRegion"] == "eu-west-1"  # the queue's, as a stack in any region has it


def test_a_request_becomes_an_http_api_v2_event() -> None:
    event = http_event(
        "GET", "/leaderboards/global/ranks?players=a&players=b&x=", {"host": "h"}, b""
    )
    sample = _event("http_api_v2_get.json")
    assert set(event) - {"queryStringParameters"} <= set(sample)
    assert event["rawPath"] == "/leaderboards/global/ranks"
    assert event["rawQueryString"] == "players=a&players=b&x="
    assert event["queryStringParameters"] == {"players": "a,b", "x": ""}
    assert event["requestContext"]["http"]["method"] == "GET"
    assert "body" not in event


def test_the_scheduled_event_and_the_context_are_lambdas() -> None:
    event = scheduled_event(NOW, "local")
    sample = _event("scheduled_summary.json")
    context = LocalContext.for_function(SCORES_FUNCTION, "local")
    assert set(event) == set(sample)
    assert event["time"] == NOW.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert event["detail-type"] == "Scheduled Event"
    elsewhere = scheduled_event(NOW, "local", "ap-southeast-2")
    assert elsewhere["region"] == "ap-southeast-2"
    assert elsewhere["resources"][0].startswith("arn:aws:events:ap-southeast-2:")
    assert 0 < context.get_remaining_time_in_millis() <= SCORES_FUNCTION.timeout_seconds * 1000
    assert context.function_name == "tap-scores-local"
