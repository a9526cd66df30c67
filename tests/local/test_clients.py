"""What a client needs to reach the local stack: `tap local env`, the region, no flags."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from typing import TYPE_CHECKING

import pytest

from tap_aws.resources import Outputs
from tap_tools.cli import main
from tap_tools.cli.local import DEFAULT_REGION_TEXT
from tap_tools.local import LocalStack
from tap_tools.local.emulator import WRONG_REGION
from tap_tools.local.provision import REGION
from tests.local.conftest import submission

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

STACK_REGION = "eu-west-2"
AWS_VARIABLES = (
    "AWS_ENDPOINT_URL",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_PROFILE",
)


REPORTED: list[str] = []
"""The lines the module's stack reported."""


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    with LocalStack(summary_interval=None, region=STACK_REGION, report=REPORTED.append) as running:
        yield running


@pytest.fixture
def outputs_file(stack: LocalStack, tmp_path: Path) -> Path:
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(stack.outputs))
    return path


@pytest.fixture
def bare_environment(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The process's environment without any AWS variable (as on a fresh machine)."""
    for name in AWS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return {k: v for k, v in os.environ.items() if k not in AWS_VARIABLES}


def test_the_region_default_is_the_stacks() -> None:
    assert DEFAULT_REGION_TEXT == REGION


def test_boto3_needs_nothing_but_the_env_tap_local_env_prints(
    stack: LocalStack,
    outputs_file: Path,
    bare_environment: dict[str, str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given the variables `tap local env` prints, in dotenv form
    assert main(["local", "env", "--outputs", str(outputs_file), "--format", "dotenv"]) == 0
    variables = dict(line.split("=", 1) for line in capsys.readouterr().out.splitlines())
    # When a plain boto3 program (no endpoint, region or credentials in its code) uses them
    program = f"""
import boto3, json
sqs = boto3.client("sqs")
sqs.send_message(QueueUrl={stack.outputs[Outputs.MAIN_QUEUE_URL]!r},
                 MessageBody={submission("env-1", "global", "env-player", 7)!r},
                 MessageGroupId="env-player", MessageDeduplicationId="env-1")
s3 = boto3.client("s3")
s3.put_object(Bucket={stack.outputs[Outputs.INVENTORY_BUCKET_NAME]!r}, Key="notes/x.txt", Body=b"x")
print(s3.get_object(Bucket={stack.outputs[Outputs.INVENTORY_BUCKET_NAME]!r},
                    Key="notes/x.txt")["Body"].read().decode())
"""
    done = subprocess.run(  # noqa: S603 - our own interpreter, fixed program
        [sys.executable, "-c", program],
        env={**bare_environment, **variables},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    # Then it reaches the stack in its region
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "x"
    assert variables["AWS_REGION"] == variables["AWS_DEFAULT_REGION"] == STACK_REGION
    assert variables["AWS_ENDPOINT_URL"] == stack.endpoint_url
    assert stack.outputs[Outputs.REGION] == STACK_REGION


def test_a_request_for_another_region_is_refused_saying_which(stack: LocalStack) -> None:
    from botocore.exceptions import ClientError  # noqa: PLC0415

    from tap_aws.clients import ClientFactory  # noqa: PLC0415

    elsewhere = ClientFactory(
        endpoint_url=stack.endpoint_url, region="us-east-1", credentials=("k", "s")
    )
    calls: dict[str, Callable[[], object]] = {
        "sqs": lambda: elsewhere.sqs().get_queue_attributes(
            QueueUrl=stack.outputs[Outputs.MAIN_QUEUE_URL]
        ),
        "s3": lambda: elsewhere.s3().list_objects_v2(
            Bucket=stack.outputs[Outputs.INVENTORY_BUCKET_NAME]
        ),
        "dynamodb": lambda: elsewhere.dynamodb().describe_table(
            TableName=stack.outputs[Outputs.DYNAMODB_TABLE_NAME]
        ),
    }
    for service, call in calls.items():
        with pytest.raises(ClientError) as caught:
            call()
        assert caught.value.response["Error"]["Code"] == WRONG_REGION, service
        assert f"resources are in {STACK_REGION}, not us-east-1" in str(caught.value)


def test_tap_dlq_needs_only_the_outputs(
    outputs_file: Path, bare_environment: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["dlq", "list", "--queue", "scores", "--outputs", str(outputs_file)])
    captured = capsys.readouterr()
    assert status == 0, captured.err
    assert "scores dead-letter queue: about 0 letters" in captured.out


def test_env_refuses_outputs_that_are_not_a_local_stacks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "aws.json"
    path.write_text(json.dumps({Outputs.MAIN_QUEUE_URL: "https://sqs.eu-west-1.amazonaws.com/1/q"}))
    assert main(["local", "env", "--outputs", str(path)]) == 2
    assert "endpoint_url" in capsys.readouterr().err


def _request(
    stack: LocalStack, method: str, path: str, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    import http.client  # noqa: PLC0415
    from urllib.parse import urlsplit  # noqa: PLC0415

    where = urlsplit(stack.api_url)
    connection = http.client.HTTPConnection(where.hostname or "", where.port, timeout=30)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        return (
            response.status,
            {name.lower(): value for name, value in response.getheaders()},
            response.read(),
        )
    finally:
        connection.close()


def test_the_api_decodes_path_parameters_as_http_apis_deliver_them(stack: LocalStack) -> None:
    from tap_tools.local.wiring import emulator_clients  # noqa: PLC0415

    sqs = emulator_clients(stack.endpoint_url, region=STACK_REGION).sqs()
    sqs.send_message(
        QueueUrl=stack.outputs[Outputs.MAIN_QUEUE_URL],
        MessageBody=submission("colon-1", "global", "team:alice", 5),
        MessageGroupId="team:alice",
        MessageDeduplicationId="colon-1",
    )
    stack.wait_idle()
    status, _, body = _request(stack, "GET", "/leaderboards/global/players/team%3Aalice")
    assert status == 200, body
    assert json.loads(body)["entry"]["player_id"] == "team:alice"


def test_head_and_options_are_answered_as_api_gateway_does(stack: LocalStack) -> None:
    # HEAD matches no route (they are all GET): API Gateway's JSON 404, not a 501 HTML page
    status, headers, body = _request(stack, "HEAD", "/leaderboards/global/top")
    assert (status, body) == (404, b"")
    assert headers["content-type"] == "application/json"
    status, _, body = _request(stack, "POST", "/leaderboards/global/top")
    assert (status, json.loads(body)) == (404, {"message": "Not Found"})
    # A CORS preflight is answered from the API's CORS configuration
    status, headers, _ = _request(
        stack,
        "OPTIONS",
        "/leaderboards/global/top",
        {"Origin": "https://game.example", "Access-Control-Request-Method": "GET"},
    )
    assert status == 204
    assert headers["access-control-allow-origin"] == "*"
    assert "GET" in headers["access-control-allow-methods"]


def test_a_browser_may_read_the_standings_cross_origin(stack: LocalStack) -> None:
    status, headers, _ = _request(
        stack, "GET", "/leaderboards/global/top", {"Origin": "https://game.example"}
    )
    assert status == 200
    assert headers["access-control-allow-origin"] == "*"
    assert headers["cache-control"].startswith("public, max-age=")


def test_each_upload_the_import_ignores_is_reported_with_why(stack: LocalStack) -> None:
    from tap_tools.local.wiring import emulator_clients  # noqa: PLC0415

    s3 = emulator_clients(stack.endpoint_url, region=STACK_REGION).s3()
    bucket = stack.outputs[Outputs.INVENTORY_BUCKET_NAME]
    keys = ("inbound/UPPER.CSV", "inbound/notes.txt", "elsewhere/clean.csv")
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=b"sku,warehouse\n")
    expected = [
        f"ignored: s3://{bucket}/{key} (the import rule takes only keys under inbound/ "
        "ending .csv, case-sensitive)"
        for key in keys
    ]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not set(expected) <= set(REPORTED):
        time.sleep(0.1)
    assert set(expected) <= set(REPORTED), REPORTED


def test_letters_read_by_show_are_listed_again_once_visible(
    stack: LocalStack, outputs_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tap_tools.local.wiring import emulator_clients  # noqa: PLC0415

    # Given three letters of one message group in the scores dead-letter queue
    sqs = emulator_clients(stack.endpoint_url, region=STACK_REGION).sqs()
    dlq = stack.outputs[Outputs.DLQ_URL]
    for n in range(3):
        sqs.send_message(
            QueueUrl=dlq,
            MessageBody=f"letter {n}",
            MessageGroupId="g",
            MessageDeduplicationId=f"d{n}",
        )
    # When `tap dlq show` reads them (hiding them for a second) and the second passes
    common = ["--queue", "scores", "--outputs", str(outputs_file), "--visibility", "1"]
    assert main(["dlq", "show", "d2", *common]) == 0
    time.sleep(1.5)
    capsys.readouterr()
    # Then `tap dlq list` lists every one of them again, in order, as SQS would
    assert main(["dlq", "list", *common, "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [letter["raw"] for letter in listed["letters"]] == ["letter 0", "letter 1", "letter 2"]
    time.sleep(1.1)  # leave the queue as it was
    for message in sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10).get("Messages", []):
        sqs.delete_message(QueueUrl=dlq, ReceiptHandle=message["ReceiptHandle"])
