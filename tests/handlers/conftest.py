"""Function tests: real-shaped events from ``tests/events/``, a Lambda context, in-memory ports.

Events were built from the AWS samples in ``/work/shared/aws-events/`` (shapes kept, values
made tap's). Dependencies are handed to each function's composition root with ``Root.use``.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

EVENTS = Path(__file__).parent.parent / "events"
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def load_event(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / name).read_text())
    return copy.deepcopy(event)


def fixed_clock() -> datetime:
    return NOW


def api_get(context: Any, path: str, **query: str) -> tuple[int, Any]:
    """GET ``path`` through the ``api`` function as API Gateway would: (status, parsed body)."""
    from urllib.parse import urlencode  # noqa: PLC0415 - only the api tests need it

    from tap_aws.functions import api  # noqa: PLC0415 - the function under test

    event = load_event("http_api_v2_get.json")
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["rawQueryString"] = urlencode(query)
    event["queryStringParameters"] = query or None
    response = api.lambda_handler(event, context)
    return response["statusCode"], json.loads(response["body"])


@dataclass
class FakeContext:
    """The attributes Powertools reads of a ``LambdaContext``."""

    function_name: str = "tap-test-dev"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:tap-test-dev"
    aws_request_id: str = "c6af9ac6-7b61-11e6-9a41-93e812345678"
    log_group_name: str = "/aws/lambda/tap-test-dev"
    log_stream_name: str = "2026/12/01/[$LATEST]abc"
    remaining_millis: int = 60_000

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_millis


@pytest.fixture
def context() -> FakeContext:
    return FakeContext()


def emitted_metrics(stdout: str) -> dict[str, list[float]]:
    """Every metric value in the EMF lines Powertools printed, by metric name."""
    found: dict[str, list[float]] = {}
    for line in stdout.splitlines():
        if not line.startswith("{") or '"_aws"' not in line:
            continue
        blob = json.loads(line)
        for directive in blob["_aws"]["CloudWatchMetrics"]:
            for metric in directive["Metrics"]:
                value = blob[metric["Name"]]
                found.setdefault(metric["Name"], []).extend(
                    value if isinstance(value, list) else [value]
                )
    return found
